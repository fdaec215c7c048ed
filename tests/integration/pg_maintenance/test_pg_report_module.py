"""pg_report against a real PostgreSQL 15: the runbooks' reports, and writes refused by the server."""

from __future__ import annotations

import pytest

from tests.support.ansible import run_module
from tests.support.pg_maintenance import APP_SQL, RUNBOOK

DB = "reports 'app'; ü"


@pytest.fixture(scope="module")
def appdb(pg):
    pg.dropdb(DB)
    pg.createdb(DB)
    pg.psql(APP_SQL, db=DB)
    yield DB
    pg.dropdb(DB)


def report(pg, queries, check=False, **kw):
    args = dict(pg.conn_args(), db=DB, queries=queries)
    args.update(kw)
    res, _play = run_module("saasops.maintenance.pg_report", args, check=check)
    return res


def counts(pg):
    return pg.psql('SELECT (SELECT count(*) FROM "EventOrders") || \',\' || (SELECT count(*) FROM "Users");', db=DB)


def test_runbook_reports(pg, appdb):
    res = report(pg, RUNBOOK, variables={"days": 7})
    assert res.get("failed") is not True, res.get("msg")
    assert res["changed"] is False
    out = res["reports"]
    assert out["failed_payments"]["rows"] == [{"id": 1, "amount": 10.50}]
    assert [r["email"] for r in out["expiring_subscriptions"]["rows"]] == ["coach1@example.com"]
    assert sum(r["registrations"] for r in out["new_registrations"]["rows"]) == 2
    assert [r["email"] for r in out["admin_users"]["rows"]] == ["admin@example.com"]
    assert all(r["status"] == "ok" and r["truncated"] is False for r in out.values())
    # the same in check mode, and a longer period
    res = report(pg, {"failed_payments": RUNBOOK["failed_payments"]}, variables={"days": 30}, check=True)
    assert res["reports"]["failed_payments"]["row_count"] == 2


WRITES = {
    "delete": ('DELETE FROM "EventOrders"', "DELETE"),
    "update": ('UPDATE "Users" SET role = \'ADMIN\'', "UPDATE"),
    "function that deletes": ("SELECT sneaky()", "DELETE"),
    "escape the wrapper": ('SELECT 1) q0) q; COMMIT; DELETE FROM "EventOrders"; SELECT * FROM (SELECT (1', "DELETE"),
    "ddl": ("CREATE TABLE x (id int)", "CREATE TABLE"),
}


def test_writes_are_refused_by_the_server(pg, appdb):
    before = counts(pg)
    # by default the first refusal fails the task and names the report
    res = report(pg, {"ok": "SELECT 1 AS one", "sneaky write": WRITES["delete"][0]})
    assert res["failed"] is True
    assert res["msg"] == ("report 'sneaky write' was refused by the server because it writes (cannot execute "
                          "DELETE in a read-only transaction); reports run in a READ ONLY transaction")
    assert res["reports"]["ok"]["rows"] == [{"one": 1}]
    # every kind of write, each refused by the server itself
    res = report(pg, {name: sql for name, (sql, _verb) in WRITES.items()}, fail_on_error=False)
    assert sorted(res["failed_queries"]) == sorted(WRITES)
    for name, (_sql, verb) in WRITES.items():
        out = res["reports"][name]
        assert out["status"] == "refused" and out["sqlstate"] == "25006", out
        assert "cannot execute %s in a read-only transaction" % verb in out["error"]
    assert counts(pg) == before == "3,4"


def test_show_timeout_truncation_and_fail_on_error(pg, appdb):
    res = report(pg, {"version": "SHOW server_version", "slow": "SELECT pg_sleep(10)",
                      "many": "SELECT g FROM generate_series(1, 50) g"},
                 statement_timeout="300ms", max_rows=10, fail_on_error=False)
    assert res.get("failed") is not True, res.get("msg")
    out = res["reports"]
    assert out["version"]["rows"][0]["server_version"].startswith("15")
    assert out["slow"]["status"] == "failed" and "statement_timeout 300ms" in out["slow"]["error"]
    assert out["many"]["row_count"] == 10 and out["many"]["truncated"] is True
    assert res["failed_queries"] == ["slow"]


def test_backslash_is_refused_before_running(pg, appdb):
    res = report(pg, {"shell": "SELECT 1 \\! touch /tmp/saasops-pwned"})
    assert res["failed"] is True and "backslash" in res["msg"]
