"""module_utils of pg_maintenance, pg_info, pg_sessions and pg_report with the runner replaced."""

from __future__ import annotations

import json

import pytest

from ansible_collections.saasops.maintenance.plugins.module_utils.common import MaintenanceError
from ansible_collections.saasops.maintenance.plugins.module_utils.pg_info import PgInfo, at_risk
from ansible_collections.saasops.maintenance.plugins.module_utils.pg_maintenance import PgMaintenance
from ansible_collections.saasops.maintenance.plugins.module_utils.pg_report import PgReport, parse_table, sqlstate
from ansible_collections.saasops.maintenance.plugins.module_utils.pg_sessions import PgSessions, glob_to_like
from ansible_collections.saasops.maintenance.plugins.module_utils.postgres import Postgres

HOSTILE = 'Event "Orders"; DROP TABLE x; ü'


class Recorder:
    """Stands in for AnsibleModule.run_command: records the calls, plays back replies."""

    def __init__(self, replies=None):
        self.calls = []
        self.replies = list(replies or [])

    def run_command(self, args, data=None, environ_update=None, check_rc=False, binary_data=False):
        self.calls.append(dict(args=args, data=data, env=environ_update))
        return self.replies.pop(0) if self.replies else (0, "", "")

    def variables(self, index):
        args = self.calls[index]["args"]
        return dict(args[i + 1].split("=", 1) for i, a in enumerate(args) if a == "--set")


def make_pg(replies, **kw):
    rec = Recorder(replies)
    params = dict(login_host="127.0.0.1", port=5433, login_user="postgres", login_password="s3cret",
                  connect_timeout=10, exec_prefix=[])
    params.update(kw)
    return Postgres.from_params(rec, params), rec


def table(name=HOSTILE, schema="public", live=6000, dead=4000, owned=True, **kw):
    item = dict(oid=16400, schema=schema, name=name, qualified='%s."%s"' % (schema, name.replace('"', '""')),
                kind="table", bytes=1000000, table_bytes=800000, index_bytes=200000, live_tuples=live,
                dead_tuples=dead, vacuum_age=None, analyze_age=None, bloat_ratio=0.1, owned=owned, locked=False)
    item.update(kw)
    return item


def inventory(*tables, indexes=()):
    return (0, json.dumps(dict(version=150004, database="app", tables=list(tables), indexes=list(indexes))) + "\n", "")


def mparams(**kw):
    params = dict(db="app", operations=["vacuum", "analyze"], tables=[], include=[], exclude=[], vacuum_full=[],
                  dead_tuple_ratio=0.1, min_dead_tuples=1000, bloat_ratio=0, min_bloat_bytes=1048576,
                  vacuum_age_hours=0, analyze_age_hours=0, reindex_indexes=[], reindex_database=False,
                  concurrently=True, lock_timeout="5s", statement_timeout="1h")
    params.update(kw)
    return params


STATS = dict(bytes=1000000, table_bytes=800000, index_bytes=200000, live_tuples=6000, dead_tuples=4000)
AFTER = dict(STATS, bytes=700000, index_bytes=90000, dead_tuples=0)


def done_reply(steps):
    return (0, "%s\n%s\n%s\n" % (json.dumps(STATS), json.dumps(steps), json.dumps(AFTER)), "")


# -- pg_maintenance --------------------------------------------------------------

def test_check_mode_plans_by_dead_tuples_and_runs_nothing():
    pg, rec = make_pg([inventory(table(), table("small", dead=10), table("clean", dead=0))])
    res = PgMaintenance(pg, mparams(operations=["vacuum", "analyze", "reindex"]), check_mode=True).run()
    assert len(rec.calls) == 1
    assert "s3cret" not in " ".join(rec.calls[0]["args"])
    assert rec.calls[0]["env"]["PGPASSWORD"] == "s3cret"
    assert rec.variables(0)["lock_timeout"] == "5s" and rec.variables(0)["with_indexes"] == "no"
    [entry] = res["tables"]
    assert entry["name"] == HOSTILE and entry["status"] == "planned"
    assert entry["reasons"] == ["dead tuples 4000 of 10000 (40%)"]
    assert entry["actions"] == ["vacuum", "reindex"]
    assert entry["statements"] == ['VACUUM (ANALYZE) public."Event ""Orders""; DROP TABLE x; ü"',
                                   'REINDEX TABLE CONCURRENTLY public."Event ""Orders""; DROP TABLE x; ü"']
    assert res["changed"] is True and "templates" not in entry and "oid" not in entry


def test_run_quotes_through_psql_variables_and_measures():
    pg, rec = make_pg([inventory(table()), done_reply([0.5, 0.25])])
    res = PgMaintenance(pg, mparams(operations=["vacuum", "analyze", "reindex"])).run()
    script = rec.calls[1]["data"]
    assert 'VACUUM (ANALYZE) :"schema".:"name";' in script
    assert 'REINDEX TABLE CONCURRENTLY :"schema".:"name";' in script
    assert HOSTILE not in script
    assert script.index("SET lock_timeout") < script.index("VACUUM")
    assert rec.variables(1)["name"] == HOSTILE and rec.variables(1)["schema"] == "public"
    [entry] = res["tables"]
    assert entry["status"] == "done" and entry["seconds"] == {"vacuum": 0.5, "reindex": 0.25}
    assert entry["before"] == STATS and entry["after"] == AFTER
    assert res["summary"] == dict(planned=1, done=1, skipped=0, bytes_before=1000000, bytes_after=700000,
                                  dead_tuples_before=4000, dead_tuples_after=0)
    assert res["changed"] is True


def test_lock_timeout_skips_and_other_errors_fail():
    lock = (3, json.dumps(STATS) + "\n", "psql:<stdin>:4: ERROR:  canceling statement due to lock timeout\n")
    pg, _rec = make_pg([inventory(table()), lock])
    res = PgMaintenance(pg, mparams()).run()
    assert res["tables"][0]["status"] == "skipped" and res["changed"] is False
    boom = (3, "", "psql:<stdin>:4: ERROR:  could not extend file: No space left on device\n")
    pg, _rec = make_pg([inventory(table()), boom])
    with pytest.raises(MaintenanceError) as err:
        PgMaintenance(pg, mparams()).run()
    assert "failed for 1 object" in str(err.value) and "no space left on device" in str(err.value)
    assert err.value.details["tables"][0]["status"] == "failed"


def test_thresholds_include_exclude_and_ages():
    tables = [table("a", vacuum_age=100 * 3600, analyze_age=3600, dead=0),
              table("b", vacuum_age=3600, dead=0),
              table("c", schema="audit", dead=5000, vacuum_age=1, analyze_age=1),
              table("d", dead=0, vacuum_age=1, analyze_age=1, bloat_ratio=0.6, table_bytes=10 * 2 ** 20)]
    pg, _rec = make_pg([inventory(*tables)])
    res = PgMaintenance(pg, mparams(vacuum_age_hours=24, analyze_age_hours=24, bloat_ratio=0.5,
                                    exclude=["audit.*"]), check_mode=True).run()
    plan = {t["name"]: t for t in res["tables"]}
    assert set(plan) == {"a", "b", "d"}
    assert plan["a"]["actions"] == ["vacuum"] and "last vacuum 100.0 hours ago" in plan["a"]["reasons"]
    assert plan["b"]["statements"] == ['ANALYZE public."b"'] and "never analyzed" in plan["b"]["reasons"]
    assert plan["d"]["reasons"][0].startswith("estimated bloat 60%")
    pg, _rec = make_pg([inventory(*tables)])
    res = PgMaintenance(pg, mparams(include=["audit.*"]), check_mode=True).run()
    assert [t["name"] for t in res["tables"]] == ["c"]


def test_explicit_names_full_and_errors():
    tables = [table("t1"), table("t1", schema="other"), table("t2", dead=0)]
    pg, _rec = make_pg([inventory(*tables)])
    res = PgMaintenance(pg, mparams(tables=["public.t1"], vacuum_full=["t2"]), check_mode=True).run()
    assert [(t["schema"], t["name"], t["actions"]) for t in res["tables"]] == [
        ("public", "t1", ["vacuum"]), ("public", "t2", ["vacuum_full"])]
    assert res["tables"][1]["statements"] == ['VACUUM (FULL, ANALYZE) public."t2"']
    for names, match in ((["t1"], "ambiguous"), (["nope"], "does not exist")):
        pg, _rec = make_pg([inventory(*tables)])
        with pytest.raises(MaintenanceError, match=match):
            PgMaintenance(pg, mparams(tables=names), check_mode=True).run()
    pg, _rec = make_pg([inventory(table("theirs", owned=False))])
    with pytest.raises(MaintenanceError, match="not owned"):
        PgMaintenance(pg, mparams(), check_mode=True).run()


def test_reindex_index_and_database_without_concurrently_on_old_servers():
    index = dict(oid=1, schema="public", name='idx "x"', table="t", qualified='public."idx ""x"""', bytes=5000)
    reply = json.loads(inventory(indexes=[index])[1])
    reply["version"] = 110000
    pg, rec = make_pg([(0, json.dumps(reply), ""),
                       (0, '{"bytes": 5000}\n[0.1]\n{"bytes": 2000}\n', ""),
                       (0, '{"bytes": 9000}\n[0.2]\n{"bytes": 8000}\n', "")])
    res = PgMaintenance(pg, mparams(reindex_indexes=['idx "x"'], reindex_database=True)).run()
    assert rec.variables(0)["with_indexes"] == "yes"
    assert 'REINDEX INDEX :"schema".:"name";' in rec.calls[1]["data"]
    assert 'REINDEX DATABASE :"dbname";' in rec.calls[2]["data"]
    assert res["indexes"][0]["after"] == {"bytes": 2000} and res["indexes"][0]["status"] == "done"
    assert res["database_reindex"]["after"] == {"bytes": 8000}


def test_no_database():
    pg, _rec = make_pg([])
    with pytest.raises(MaintenanceError, match="no database"):
        PgMaintenance(pg, mparams(db=None))


# -- pg_info ---------------------------------------------------------------------

def raw_info(**kw):
    raw = dict(server_version="15.4", server_version_num=150004, database=dict(name="app", bytes=1, size="1 B"),
               connections=dict(total=50, max_connections=60, superuser_reserved=3, ratio=0.833, by_state={}),
               long_running=[], idle_in_transaction=[dict(pid=42)], cache=dict(hit_ratio=0.9), tables=[],
               unused_indexes=[], wraparound=dict(max_age=5, databases=[dict(name="app", age=5)]),
               pg_stat_statements=None, preloaded=False)
    raw.update(kw)
    return (0, json.dumps(raw), "")


def test_info_statements_status_and_at_risk():
    pg, rec = make_pg([raw_info()])
    res = PgInfo(pg, dict(db="app", thresholds={"wraparound_age": 4})).run()
    info = res["info"]
    assert info["statements"]["status"] == "not installed"
    checks = {r["check"]: r for r in info["at_risk"]}
    assert set(checks) == {"connections", "wraparound", "cache_hit_ratio", "idle_in_transaction"}
    assert checks["connections"]["message"] == "50 of max_connections 60 in use (83%, above 80%)"
    assert rec.variables(0)["long_running_seconds"] == "300"
    pg, _rec = make_pg([raw_info(pg_stat_statements=dict(schema="public", version="1.10"))])
    assert PgInfo(pg, dict(gather=["statements"])).run()["info"]["statements"]["status"] == "not loaded"
    top = [dict(query="SELECT 1", calls=3)]
    pg, rec = make_pg([raw_info(pg_stat_statements=dict(schema='ext "s"', version="1.10"), preloaded=True),
                       (0, json.dumps(top), "")])
    stmts = PgInfo(pg, dict(gather=["statements"])).run()["info"]["statements"]
    assert stmts == dict(status="installed", version="1.10", top=top)
    assert ':"ext_schema".pg_stat_statements' in rec.calls[1]["data"] and "total_exec_time" in rec.calls[1]["data"]
    assert rec.variables(1)["ext_schema"] == 'ext "s"'


def test_at_risk_thresholds_off_and_unknown():
    info = dict(connections=dict(total=59, max_connections=60, ratio=0.983))
    assert at_risk(info, dict(connections_ratio=None)) == []
    with pytest.raises(MaintenanceError, match="unknown threshold"):
        at_risk(info, dict(connection_ratio=0.5))


def test_info_connection_failure_names_the_cause():
    pg, _rec = make_pg([(2, "", "psql: error: connection to server at \"127.0.0.1\", port 5433 failed: "
                                "Connection refused\n")])
    with pytest.raises(MaintenanceError, match="not reachable") as err:
        PgInfo(pg, dict(db="app")).run()
    assert err.value.details["rc"] == 2


# -- pg_sessions -----------------------------------------------------------------

def sparams(**kw):
    params = dict(db=None, idle_minutes=None, idle_in_transaction_minutes=None, running_minutes=None, databases=[],
                  users=[], application_names=[], include_superusers=False, include_replication=False, query_chars=200)
    params.update(kw)
    return params


SESSION = dict(pid=101, backend_start="2026-11-24T07:00:00.000000Z", reason="idle")


def test_sessions_check_mode_lists_only():
    pg, rec = make_pg([(0, json.dumps(dict(own_pid=7, sessions=[dict(SESSION)])), "")])
    res = PgSessions(pg, sparams(idle_minutes=10, application_names=["web_*"]), check_mode=True).run()
    assert len(rec.calls) == 1 and res["changed"] is True and res["terminated"] == 0
    assert res["sessions"][0]["terminated"] is False
    var = rec.variables(0)
    assert var["idle_seconds"] == "600.0" and var["running_seconds"] == "-1"
    assert var["application_names"] == json.dumps(["web\\_%"]) and var["include_superusers"] == "no"
    assert "pg_terminate_backend" not in rec.calls[0]["data"]


def test_sessions_terminate_rechecks_the_listed_sessions():
    listed = (0, json.dumps(dict(own_pid=7, sessions=[dict(SESSION), dict(SESSION, pid=102)])), "")
    ended = (0, json.dumps(dict(own_pid=8, sessions=[dict(SESSION, terminated=True)])), "")
    pg, rec = make_pg([listed, ended])
    res = PgSessions(pg, sparams(running_minutes=0.5)).run()
    assert "pg_terminate_backend(a.pid)" in rec.calls[1]["data"] and "pg_backend_pid()" in rec.calls[1]["data"]
    assert json.loads(rec.variables(1)["targets"]) == [
        dict(pid=101, backend_start=SESSION["backend_start"]), dict(pid=102, backend_start=SESSION["backend_start"])]
    assert res["terminated"] == 1 and res["changed"] is True
    assert [s["terminated"] for s in res["sessions"]] == [True, False]


def test_sessions_needs_a_threshold_and_globs():
    pg, _rec = make_pg([])
    with pytest.raises(MaintenanceError, match="nothing to terminate"):
        PgSessions(pg, sparams())
    with pytest.raises(MaintenanceError, match="0 or more"):
        PgSessions(pg, sparams(idle_minutes=-1))
    assert glob_to_like("a*b?c%d_e\\") == "a%b_c\\%d\\_e\\\\"


# -- pg_report -------------------------------------------------------------------

def rparams(**kw):
    params = dict(db="app", queries={"q": "SELECT 1 AS one;"}, variables={}, statement_timeout="30s",
                  max_rows=2, fail_on_error=True)
    params.update(kw)
    return params


def test_report_runs_read_only_and_truncates():
    pg, rec = make_pg([(0, '[{"one": 1}, \n {"one": 2}, \n {"one": 3}]\n', "")])
    res = PgReport(pg, rparams(variables={"days": 7})).run()
    call = rec.calls[0]
    assert "BEGIN TRANSACTION READ ONLY;" in call["data"] and "SET LOCAL statement_timeout" in call["data"]
    assert "(\nSELECT 1 AS one\n) AS q0" in call["data"]
    assert call["env"]["PGOPTIONS"] == "-c default_transaction_read_only=on"
    assert rec.variables(0)["days"] == "7" and rec.variables(0)["row_limit"] == "3"
    rep = res["reports"]["q"]
    assert rep["rows"] == [{"one": 1}, {"one": 2}] and rep["truncated"] is True and res["changed"] is False


def test_report_write_is_refused_with_a_clear_message():
    syntax = (3, "", 'psql:<stdin>:5: ERROR:  42601: syntax error at or near "DELETE"\nLOCATION: x\n')
    refused = (3, "", "psql:<stdin>:5: ERROR:  25006: cannot execute DELETE in a read-only transaction\n")
    pg, rec = make_pg([syntax, refused])
    with pytest.raises(MaintenanceError) as err:
        PgReport(pg, rparams(queries={"purge": "DELETE FROM t"})).run()
    assert str(err.value) == ("report 'purge' was refused by the server because it writes (cannot execute DELETE "
                              "in a read-only transaction); reports run in a READ ONLY transaction")
    assert err.value.details["reports"]["purge"]["status"] == "refused"
    assert "\\pset footer off\nDELETE FROM t;\nROLLBACK;" in rec.calls[1]["data"]


def test_report_raw_statement_and_errors():
    syntax = (3, "", 'ERROR:  42601: syntax error at or near "SHOW"\n')
    shown = (0, "server_version\x1e15.4\n", "")
    pg, _rec = make_pg([syntax, shown])
    res = PgReport(pg, rparams(queries={"v": "SHOW server_version"})).run()
    assert res["reports"]["v"]["rows"] == [{"server_version": "15.4"}]
    assert parse_table("a\x1fb\x1e1\x1f\x1e2\x1fx\n") == [{"a": "1", "b": ""}, {"a": "2", "b": "x"}]
    assert sqlstate("ERROR:  57014: canceling statement due to statement timeout") == (
        "57014", "canceling statement due to statement timeout")
    pg, _rec = make_pg([(3, "", "ERROR:  57014: canceling statement due to statement timeout\n")])
    res = PgReport(pg, rparams(fail_on_error=False)).run()
    assert res["failed_queries"] == ["q"] and "statement_timeout 30s" in res["reports"]["q"]["error"]
    pg, _rec = make_pg([])
    for queries, match in (({"x": "SELECT E'\\n'"}, "backslash"), ({"x": " ; "}, "empty"), ({}, "no queries")):
        with pytest.raises(MaintenanceError, match=match):
            PgReport(pg, rparams(queries=queries))
    with pytest.raises(MaintenanceError, match="variable names"):
        PgReport(pg, rparams(variables={"bad name": 1}))
