"""Roles pg_maintenance and pg_health in a play against a real PostgreSQL 15."""

from __future__ import annotations

import json
import os

import yaml

from tests.support.ansible import ROOT, run_playbook
from tests.support.pg_maintenance import APP_SQL, RUNBOOK, make_churned, table_facts

DOCS = os.path.join(ROOT, "docs", "pg_reports.md")


def play(tmp_path, role, variables, check=False):
    """Apply one role; returns (the play, its facts written to a file)."""
    out = tmp_path / "facts.json"
    fact = role + "_report"
    book = [{"hosts": "localhost", "gather_facts": False, "vars": variables,
             "roles": [{"role": "saasops.maintenance." + role}],
             "post_tasks": [{"name": "keep the report", "check_mode": False,
                             "ansible.builtin.copy": {"content": "{{ %s | to_json }}" % fact,
                                                      "dest": str(out), "mode": "0600"}}]}]
    path = tmp_path / "play.yml"
    path.write_text(yaml.safe_dump(book))
    res = run_playbook(str(path), check=check)
    report = json.loads(out.read_text()) if out.exists() else None
    return res, report


def conn(pg, prefix):
    return {"%s_login_host" % prefix: pg.host, "%s_port" % prefix: pg.port,
            "%s_login_user" % prefix: pg.user, "%s_login_password" % prefix: pg.password}


def test_pg_maintenance_role_vacuums_churned_tables(pg, tmp_path):
    db = make_churned(pg, db="role_maint")
    try:
        before = table_facts(pg, db)
        variables = dict(conn(pg, "pg_maintenance"), pg_maintenance_databases=[db],
                         pg_maintenance_operations=["vacuum", "analyze", "reindex"])
        res, report = play(tmp_path, "pg_maintenance", variables, check=True)
        assert res.rc == 0, res.stdout[-3000:]
        assert report[0]["tables"] == ['"Sché ""ma""; drop"."Event Orders; x"']
        assert table_facts(pg, db) == before
        res, report = play(tmp_path, "pg_maintenance", variables)
        assert res.rc == 0, res.stdout[-3000:]
        summary = report[0]["summary"]
        assert summary["done"] == 1 and summary["dead_tuples_before"] == before["dead"]
        assert summary["dead_tuples_after"] == 0 and summary["bytes_after"] < summary["bytes_before"]
        assert table_facts(pg, db)["dead"] == 0
    finally:
        pg.dropdb(db)


def test_pg_health_reports_and_fails_on_risk(pg, tmp_path):
    db = "role_health"
    pg.dropdb(db)
    pg.createdb(db)
    pg.psql(APP_SQL, db=db)
    try:
        # the docs' reports are the ones the tests run
        docs = yaml.safe_load(open(DOCS).read().split("```yaml\n", 1)[1].split("```", 1)[0])
        assert set(RUNBOOK) < set(docs["pg_health_reports"])
        variables = dict(conn(pg, "pg_health"), pg_health_databases=[db, "postgres"],
                         pg_health_reports=docs["pg_health_reports"], pg_health_report_database=db,
                         pg_health_report_variables={"days": 7}, pg_health_cache_hit_ratio=0.0)
        res, report = play(tmp_path, "pg_health", variables)
        assert res.rc == 0, res.stdout[-3000:]
        assert report["at_risk"] == []
        assert [d["database"] for d in report["databases"]] == [db, "postgres"]
        assert report["databases"][0]["max_connections"] == 60
        assert report["databases"][0]["pg_stat_statements"] == "not installed"
        assert [r["email"] for r in report["reports"]["admin_users"]["rows"]] == ["admin@example.com"]
        assert report["reports"]["failed_payments"]["row_count"] == 1
        # connections above 0% of max_connections: at risk, reported, and the play fails
        variables.update(pg_health_connections_ratio=0.0, pg_health_reports={})
        res, report = play(tmp_path, "pg_health", variables)
        assert res.rc != 0
        assert "At risk: " in res.stdout and "of max_connections 60 in use" in res.stdout
        variables.update(pg_health_fail_on_risk=False)
        res, report = play(tmp_path, "pg_health", variables)
        assert res.rc == 0, res.stdout[-3000:]
        risks = {(r["database"], r["check"]) for r in report["at_risk"]}
        assert risks == {(db, "connections"), ("postgres", "connections")}
    finally:
        pg.dropdb(db)
