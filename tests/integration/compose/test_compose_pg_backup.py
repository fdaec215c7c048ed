"""pg_backup, pg_restore and pg_maintenance through `docker-compose exec -T -e PGPASSWORD db` against PostgreSQL
in a container, from a host whose PATH has no PostgreSQL client tools (fixture no_pg_env)."""

from __future__ import annotations

import json
import os
import subprocess

from tests.integration.compose.conftest import PASSWORD
from tests.support.ansible import run_module


def test_backup_through_compose_exec_and_restore(compose, tmp_path, no_pg_env):
    compose.psql("CREATE DATABASE app;")
    compose.psql("CREATE TABLE orders (id int PRIMARY KEY, item text);"
                 "INSERT INTO orders SELECT g, 'item ' || g FROM generate_series(1, 2500) g;", db="app")
    store = str(tmp_path / "store")
    prefix = compose.db_exec()
    res, play = run_module("saasops.maintenance.pg_backup",
                           dict(db="app", dest=store, format="custom", compression="zstd", login_user="postgres",
                                login_password=PASSWORD, exec_prefix=prefix),
                           env=no_pg_env, extra=("-vvv",))
    assert res.get("failed") is not True, res.get("msg")
    manifest = json.load(open(res["manifest"]))
    assert manifest["server_version"].startswith("15.") and manifest["client_version"].startswith("15.")
    assert {t["name"]: t["rows"] for t in manifest["tables"]}["orders"] == 2500
    # the password went by name (-e PGPASSWORD), never as a value on a command line
    assert PASSWORD not in play.stdout + play.stderr + json.dumps(res)
    assert res["verification"]["pg_restore_list"] is True and res["verification"]["toc_entries"] == 1  # in the container
    # restore into a new database inside the container with plain pg_restore
    compose.psql("CREATE DATABASE app_restored;")
    dump = os.path.join(res["backup"], manifest["data"])
    plain = subprocess.run(["zstd", "-q", "-d", "-c", dump], capture_output=True, check=True).stdout
    compose.compose("exec", "-T", "-e", "PGPASSWORD", "db", "pg_restore", "-U", "postgres", "--exit-on-error",
                    "-d", "app_restored", input_data=plain, env={"PGPASSWORD": PASSWORD})
    query = "SELECT count(*), sum(id), max(item) FROM orders;"
    assert compose.psql(query, db="app_restored") == compose.psql(query, db="app") == "2500|3126250|item 999"


def test_wrong_password_fails_cleanly(compose, tmp_path):
    res, _play = run_module("saasops.maintenance.pg_backup",
                            dict(db="postgres", dest=str(tmp_path / "store"), format="custom", login_user="postgres",
                                 login_password="wrong-one", exec_prefix=compose.db_exec()),
                            env={"DOCKER_HOST": compose.engine.env()["DOCKER_HOST"]})
    assert res["failed"] is True
    assert "authentication failed" in res["msg"]
    assert not os.path.exists(str(tmp_path / "store"))


def test_restore_module_replaces_through_compose_exec(compose, tmp_path, no_pg_env):
    compose.psql("DROP DATABASE IF EXISTS shop WITH (FORCE); CREATE DATABASE shop;")
    compose.psql("CREATE TABLE items (id int PRIMARY KEY, name text);"
                 "INSERT INTO items SELECT g, 'n' || g FROM generate_series(1, 3000) g;", db="shop")
    store = str(tmp_path / "store")
    conn = dict(login_user="postgres", login_password=PASSWORD, exec_prefix=compose.db_exec())
    backup, _play = run_module("saasops.maintenance.pg_backup", dict(conn, db="shop", dest=store, format="custom"),
                               env=no_pg_env)
    assert backup.get("failed") is not True, backup.get("msg")
    # the live database changes after the backup; the restore brings back the backed-up state
    compose.psql("DELETE FROM items WHERE id > 1000; INSERT INTO items VALUES (99999, 'after the backup');", db="shop")
    res, play = run_module("saasops.maintenance.pg_restore", dict(conn, store=store, db="shop", mode="replace"),
                           env=no_pg_env)
    assert res.get("failed") is not True, res.get("msg")
    assert res["changed"] is True
    assert compose.psql("SELECT count(*), max(id) FROM items;", db="shop") == "3000|3000"
    assert PASSWORD not in play.stdout + play.stderr + json.dumps(res)
    # the database that was live is kept under another name, untouched
    assert res["previous_database"].startswith("shop_before_")
    assert compose.psql("SELECT count(*), max(id) FROM items;", db=res["previous_database"]) == "1001|99999"
    compose.psql('DROP DATABASE "%s";' % res["previous_database"])


def test_maintenance_through_compose_exec(compose, no_pg_env):
    compose.psql("DROP DATABASE IF EXISTS maint WITH (FORCE); CREATE DATABASE maint;")
    compose.psql("CREATE TABLE events (id int PRIMARY KEY, body text) WITH (autovacuum_enabled = false);"
                 "INSERT INTO events SELECT g, repeat('x', 200) FROM generate_series(1, 10000) g;"
                 "DELETE FROM events WHERE id % 2 = 0;", db="maint")
    conn = dict(login_user="postgres", login_password=PASSWORD, exec_prefix=compose.db_exec(), db="maint")
    res, _play = run_module("saasops.maintenance.pg_maintenance", conn, env=no_pg_env)
    assert res.get("failed") is not True, res.get("msg")
    assert res["changed"] is True
    done = [t for t in res["tables"] if t["status"] == "done"]
    assert [t["name"] for t in done] == ["events"]
    assert done[0]["before"]["dead_tuples"] >= 5000 and done[0]["after"]["dead_tuples"] == 0
    assert compose.psql("SELECT last_vacuum IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'events';",
                        db="maint") == "t"
    again, _play = run_module("saasops.maintenance.pg_maintenance", conn, env=no_pg_env)
    assert again["changed"] is False  # nothing left above the thresholds
