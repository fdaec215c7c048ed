"""The disaster_recovery playbook for the Django + docker-compose runbooks: the database in the compose project's
db container (exec_prefix), the app a compose service (app_kind compose), from a host without PostgreSQL tools."""

from __future__ import annotations

import glob
import json
import os

from tests.integration.compose.conftest import PASSWORD
from tests.support.ansible import ROOT, custom_stats, run_module, run_playbook

PLAYBOOK = os.path.join(ROOT, "playbooks", "disaster_recovery.yml")


def web_started_at(compose):
    cid = compose.compose("ps", "-q", "web").stdout.decode().strip()
    return compose.engine.docker("inspect", "-f", "{{.State.Running}} {{.State.StartedAt}}", cid).stdout.strip()


def test_disaster_recovery_of_a_compose_project(compose, tmp_path, no_pg_env):
    compose.psql("DROP DATABASE IF EXISTS shopdr WITH (FORCE); CREATE DATABASE shopdr;")
    compose.psql("CREATE TABLE orders (id int PRIMARY KEY, item text);"
                 "INSERT INTO orders SELECT g, 'item ' || g FROM generate_series(1, 500) g;", db="shopdr")
    store = str(tmp_path / "store")
    conn = dict(login_user="postgres", login_password=PASSWORD, exec_prefix=compose.db_exec())
    made, _play = run_module("saasops.maintenance.pg_backup", dict(conn, db="shopdr", dest=store, format="custom"),
                             env=no_pg_env)
    assert made.get("failed") is not True, made.get("msg")
    # the disaster
    compose.psql("DELETE FROM orders WHERE id > 20;", db="shopdr")
    web_before = web_started_at(compose)
    assert web_before.startswith("true ")
    extra = dict(disaster_recovery_hosts="localhost", disaster_recovery_confirm=True, disaster_recovery_db="shopdr",
                 disaster_recovery_pg_store=store, disaster_recovery_safety_store=store + "-safety",
                 disaster_recovery_login_user="postgres", disaster_recovery_login_password=PASSWORD,
                 disaster_recovery_exec_prefix=compose.db_exec(),
                 disaster_recovery_app_kind="compose", disaster_recovery_compose_files=[compose.file],
                 disaster_recovery_compose_project_name=compose.name, disaster_recovery_compose_services=["web"],
                 disaster_recovery_compose_health_url=compose.health_url,
                 disaster_recovery_health_urls=[compose.health_url], disaster_recovery_health_delay=1)
    play = run_playbook(PLAYBOOK, extra_vars=extra, env=dict(no_pg_env, ANSIBLE_SHOW_CUSTOM_STATS="1"))
    assert play.rc == 0, play.stdout[-4000:]
    # the backed-up rows are back, the database as the disaster left it is kept beside
    assert compose.psql("SELECT count(*), max(item) FROM orders;", db="shopdr") == "500|item 99"
    report = custom_stats(play)["localhost"]["disaster_recovery"]
    assert report["succeeded"] is True and report["unhealthy"] == []
    assert report["database_backup"] == made["backup"] and report["database_rows"] == 500
    assert report["previous_database"].startswith("shopdr_before_")
    assert compose.psql("SELECT count(*) FROM orders;", db=report["previous_database"]) == "20"
    # the safety backup came out of the container as a verified custom dump
    safety = glob.glob(os.path.join(store + "-safety", "shopdr-before-recovery-*", "manifest.json"))
    assert len(safety) == 1
    manifest = json.load(open(safety[0]))
    assert manifest["format"] == "custom" and manifest["verified"] is True and manifest["database"] == "shopdr"
    # web was stopped for the restore and started again, and answers
    web_after = web_started_at(compose)
    assert web_after.startswith("true ") and web_after != web_before
    assert report["downtime_seconds"] is not None and 0 < report["downtime_seconds"] <= report["recovery_seconds"]
    assert PASSWORD not in play.stdout
    compose.psql('DROP DATABASE "%s"; DROP DATABASE shopdr WITH (FORCE);' % report["previous_database"])
