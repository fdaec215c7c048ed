"""pg_maintenance against a real PostgreSQL 15: measured vacuum and reindex of a churned table."""

from __future__ import annotations

import pytest

from tests.support.ansible import run_module
from tests.support.pg_maintenance import (
    HOSTILE_INDEX, HOSTILE_SCHEMA, HOSTILE_TABLE, Client, make_churned, qualified, table_facts,
)

FULLNAME = "%s.%s" % (HOSTILE_SCHEMA, HOSTILE_TABLE)


def maintain(pg, db, check=False, **kw):
    args = dict(pg.conn_args(), db=db)
    args.update(kw)
    res, _play = run_module("saasops.maintenance.pg_maintenance", args, check=check)
    return res


@pytest.fixture
def churned(pg):
    db = make_churned(pg)
    yield db
    pg.dropdb(db)


def test_check_mode_plans_and_changes_nothing(pg, churned):
    before = table_facts(pg, churned)
    assert before["dead"] >= 10000
    res = maintain(pg, churned, check=True, operations=["vacuum", "analyze", "reindex"])
    assert res.get("failed") is not True, res.get("msg")
    assert res["changed"] is True
    [entry] = res["tables"]
    assert (entry["schema"], entry["name"]) == (HOSTILE_SCHEMA, HOSTILE_TABLE)
    assert entry["status"] == "planned"
    assert entry["reasons"][0].startswith("dead tuples")
    assert entry["statements"] == [
        "VACUUM (ANALYZE) %s" % qualified(HOSTILE_SCHEMA, HOSTILE_TABLE),
        "REINDEX TABLE CONCURRENTLY %s" % qualified(HOSTILE_SCHEMA, HOSTILE_TABLE),
    ]
    assert entry["before"]["dead_tuples"] == before["dead"]
    assert table_facts(pg, churned) == before


def test_vacuum_and_reindex_shrink_dead_tuples_and_index(pg, churned):
    before = table_facts(pg, churned)
    res = maintain(pg, churned, operations=["vacuum", "analyze", "reindex"])
    assert res.get("failed") is not True, res.get("msg")
    assert res["changed"] is True
    [entry] = res["tables"]
    assert entry["status"] == "done"
    assert entry["actions"] == ["vacuum", "reindex"]
    assert set(entry["seconds"]) == {"vacuum", "reindex"}
    assert entry["before"]["dead_tuples"] == before["dead"]
    assert entry["after"]["dead_tuples"] == 0
    assert entry["before"]["index_bytes"] > entry["after"]["index_bytes"]
    after = table_facts(pg, churned)
    assert after["dead"] == 0
    # the REINDEX built a new, smaller index file: less than half the churned one here
    assert after["filenode"] != before["filenode"]
    assert after["index"] * 2 < before["index"]
    assert entry["after"]["live_tuples"] == 16000
    assert res["summary"]["dead_tuples_before"] == before["dead"]
    assert res["summary"]["dead_tuples_after"] == 0
    # idempotent: nothing left above the thresholds
    again = maintain(pg, churned, operations=["vacuum", "analyze", "reindex"])
    assert again["changed"] is False
    assert again["tables"] == []


def test_explicit_tables_vacuum_full_and_index_with_hostile_names(pg, churned):
    before = table_facts(pg, churned)
    res = maintain(pg, churned, vacuum_full=[FULLNAME], reindex_indexes=[HOSTILE_INDEX],
                   dead_tuple_ratio=0)
    assert res.get("failed") is not True, res.get("msg")
    [entry] = res["tables"]
    assert entry["actions"] == ["vacuum_full"]
    assert entry["statements"] == ["VACUUM (FULL, ANALYZE) %s" % qualified(HOSTILE_SCHEMA, HOSTILE_TABLE)]
    assert entry["after"]["table_bytes"] < entry["before"]["table_bytes"]
    [index] = res["indexes"]
    assert index["name"] == HOSTILE_INDEX and index["status"] == "done"
    after = table_facts(pg, churned)
    assert after["heap"] < before["heap"]
    assert after["dead"] == 0
    # named tables run whatever the thresholds say
    named = maintain(pg, churned, tables=["public.quiet"], operations=["analyze"])
    assert [t["statements"] for t in named["tables"]] == [["ANALYZE public.quiet"]]
    assert named["changed"] is True


def test_unknown_table_fails_before_doing_anything(pg, churned):
    before = table_facts(pg, churned)
    res = maintain(pg, churned, tables=["public.nope; DROP TABLE x"])
    assert res["failed"] is True
    assert "public.nope; DROP TABLE x" in res["msg"] and "does not exist" in res["msg"]
    assert table_facts(pg, churned) == before
    # REINDEX DATABASE CONCURRENTLY on a database named with quotes, a semicolon and unicode
    res = maintain(pg, churned, reindex_database=True, dead_tuple_ratio=0)
    assert res.get("failed") is not True, res.get("msg")
    step = res["database_reindex"]
    assert step["status"] == "done" and step["statements"] == ['REINDEX DATABASE CONCURRENTLY "maint ""db""; ü"']
    assert step["after"]["bytes"] < step["before"]["bytes"]
    assert table_facts(pg, churned)["index"] * 2 < before["index"]


def test_locked_table_is_skipped_after_lock_timeout(pg, churned):
    before = table_facts(pg, churned)
    holder = Client(pg, "BEGIN;\nLOCK TABLE %s IN ACCESS EXCLUSIVE MODE;\nSELECT pg_sleep(120);"
                    % qualified(HOSTILE_SCHEMA, HOSTILE_TABLE), db=churned, appname="saasops-locker")
    try:
        holder.wait_state("active")
        res = maintain(pg, churned, lock_timeout="300ms", tables=[FULLNAME])
        assert res.get("failed") is not True, res.get("msg")
        [entry] = res["tables"]
        assert entry["status"] == "skipped"
        assert "lock timeout" in entry["error"]
        assert res["changed"] is False
        # health facts do not wait for the lock either: the table is sized from pg_class
        facts, _play = run_module("saasops.maintenance.pg_info", dict(pg.conn_args(), db=churned, gather=["tables"]))
        assert facts.get("failed") is not True, facts.get("msg")
        locked = [t for t in facts["info"]["tables"] if t["name"] == HOSTILE_TABLE]
        assert locked[0]["locked"] is True and locked[0]["bytes"] > 0
    finally:
        holder.close()
    assert table_facts(pg, churned)["dead"] == before["dead"]
