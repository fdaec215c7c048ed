"""The daily run against a docker-compose host: service status, health and backups through `exec -T db`."""

from __future__ import annotations

import json
import os
import sys

from tests.integration.compose.conftest import PASSWORD
from tests.support.ansible import ROOT, run_playbook


def test_daily_run_through_compose(compose, tmp_path, no_pg_env):
    compose.psql("DROP DATABASE IF EXISTS daily WITH (FORCE); CREATE DATABASE daily;")
    compose.psql("CREATE TABLE users (id int PRIMARY KEY); INSERT INTO users SELECT generate_series(1, 321);"
                 "ANALYZE users;", db="daily")
    db = dict(login_user="postgres", login_password=PASSWORD, exec_prefix=compose.db_exec())
    host = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable,
            "compose_services_files": [compose.file], "compose_services_project_name": compose.name,
            "compose_services_watch": ["db", "web"],
            "pg_health_databases": ["daily"], "pg_backup_databases": ["daily"], "pg_backup_format": "custom",
            "pg_backup_globals": True, "pg_backup_dest": str(tmp_path / "store")}
    for role in ("pg_health", "pg_backup"):
        host.update(("%s_%s" % (role, k), v) for k, v in db.items())
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(json.dumps({"all": {"children": {
        "postgres_servers": {"hosts": {"compose1": host}}, "django_apps": {"hosts": {"compose1": {}}}}}}))
    reports = tmp_path / "reports"
    res = run_playbook(os.path.join(ROOT, "playbooks", "daily.yml"), inventory=str(inventory),
                       env=dict(no_pg_env, ANSIBLE_CALLBACKS_ENABLED="saasops.maintenance.report",
                                SAASOPS_REPORT_DIR=str(reports)))
    assert res.rc == 0, res.stdout[-4000:]
    report = json.loads((reports / "latest-daily.json").read_text())
    figures = report["hosts"]["compose1"]["figures"]
    assert figures["compose_services"]["services"] == {"db": "running", "web": "running"}
    assert figures["pg_backup"][0]["rows"] == 321
    assert figures["pg_health"]
    backups = [n for n in os.listdir(tmp_path / "store") if n.startswith("daily-")]
    assert len(backups) == 1
    text = (reports / "latest-daily.md").read_text() + (reports / "latest-daily.json").read_text() + res.stdout
    assert PASSWORD not in text
