"""pg_info against real PostgreSQL 15 servers, with and without pg_stat_statements."""

from __future__ import annotations

from tests.support.ansible import run_module
from tests.support.pg_maintenance import HOSTILE_SCHEMA, HOSTILE_TABLE, Client, make_churned


def info(server, **kw):
    args = dict(server.conn_args())
    args.update(kw)
    res, _play = run_module("saasops.maintenance.pg_info", args)
    assert res.get("failed") is not True, res.get("msg")
    assert res["changed"] is False
    return res["info"]


def test_facts_of_a_churned_database(pg):
    db = make_churned(pg, db="info_db")
    idle_tx = Client(pg, "BEGIN;\nSELECT 1;", db=db, appname="saasops-idle-tx")
    try:
        idle_tx.wait_state("idle in transaction")
        facts = info(pg, db=db, idle_in_transaction_seconds=0, limit=3)
        assert facts["database"]["name"] == db
        assert facts["database"]["bytes"] > 1000000
        conn = facts["connections"]
        assert conn["max_connections"] == 60
        assert conn["total"] >= 2
        assert conn["by_state"]["idle in transaction"] >= 1
        assert conn["ratio"] == round(conn["total"] / 60.0, 3)
        pids = [s["pid"] for s in facts["sessions"]["idle_in_transaction"]]
        assert idle_tx.pid() in pids
        largest = facts["tables"][0]
        assert (largest["schema"], largest["name"]) == (HOSTILE_SCHEMA, HOSTILE_TABLE)
        assert largest["dead_tuples"] >= 10000
        assert len(facts["tables"]) == 2
        unused = {i["name"] for i in facts["indexes"]["unused"]}
        assert 'idx "orders"; ü' in unused
        assert 0 < facts["cache"]["hit_ratio"] <= 1
        wrap = facts["wraparound"]
        assert db in [d["name"] for d in wrap["databases"]]
        assert 0 < wrap["max_age"] < 2 ** 31 and wrap["autovacuum_freeze_max_age"] == 200000000
        assert facts["statements"]["status"] == "not installed"
        assert "shared_preload_libraries" in facts["statements"]["message"]
        assert facts["statements"]["top"] == []
        # thresholds: the idle transaction and an impossible cache ratio are at risk
        risky = info(pg, db=db, idle_in_transaction_seconds=0, gather=["connections", "sessions", "cache"],
                     thresholds=dict(cache_hit_ratio=1.01, connections_ratio=0.0, wraparound_age=None))
        checks = {r["check"]: r for r in risky["at_risk"]}
        assert set(checks) == {"connections", "idle_in_transaction", "cache_hit_ratio"}
        assert str(idle_tx.pid()) in checks["idle_in_transaction"]["message"]
        assert "tables" not in risky and "wraparound" not in risky
    finally:
        idle_tx.close()
        pg.dropdb(db)


def test_statements_not_loaded_then_installed(pg, pgss):
    pg.dropdb("pgss_not_loaded")
    pg.createdb("pgss_not_loaded")
    pg.psql("CREATE EXTENSION pg_stat_statements;", db="pgss_not_loaded")
    try:
        assert info(pg, db="pgss_not_loaded", gather=["statements"])["statements"]["status"] == "not loaded"
    finally:
        pg.dropdb("pgss_not_loaded")
    pgss.createdb("app db")
    pgss.psql('CREATE SCHEMA "ext ""s""";\nCREATE EXTENSION pg_stat_statements SCHEMA "ext ""s""";', db="app db")
    pgss.psql("CREATE TABLE t (x int);\n" + "INSERT INTO t SELECT generate_series(1, 1000);\n" * 5
              + "SELECT count(*) FROM t;", db="app db")
    facts = info(pgss, db="app db", gather=["statements"], limit=50)
    stmts = facts["statements"]
    assert stmts["status"] == "installed"
    inserts = [s for s in stmts["top"] if s["query"].startswith("INSERT INTO t")]
    assert inserts and inserts[0]["calls"] == 5 and inserts[0]["rows"] == 5000
    assert set(facts) == {"server_version", "server_version_num", "statements"}
