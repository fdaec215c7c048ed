"""pg_backup through `docker-compose exec -T -e PGPASSWORD db` against PostgreSQL in a container."""

from __future__ import annotations

import json
import os
import subprocess

from tests.integration.compose.conftest import PASSWORD
from tests.support.ansible import run_module


def test_backup_through_compose_exec_and_restore(compose, tmp_path):
    compose.psql("CREATE DATABASE app;")
    compose.psql("CREATE TABLE orders (id int PRIMARY KEY, item text);"
                 "INSERT INTO orders SELECT g, 'item ' || g FROM generate_series(1, 2500) g;", db="app")
    store = str(tmp_path / "store")
    prefix = compose.prefix() + ["exec", "-T", "-e", "PGPASSWORD", "-e", "PGUSER", "db"]
    res, play = run_module("saasops.maintenance.pg_backup",
                           dict(db="app", dest=store, format="custom", compression="zstd", login_user="postgres",
                                login_password=PASSWORD, exec_prefix=prefix),
                           env={"DOCKER_HOST": compose.engine.env()["DOCKER_HOST"]}, extra=("-vvv",))
    assert res.get("failed") is not True, res.get("msg")
    manifest = json.load(open(res["manifest"]))
    assert manifest["server_version"].startswith("15.") and manifest["client_version"].startswith("15.")
    assert {t["name"]: t["rows"] for t in manifest["tables"]}["orders"] == 2500
    # the password went by name (-e PGPASSWORD), never as a value on a command line
    assert PASSWORD not in play.stdout + play.stderr + json.dumps(res)
    # restore into a new database inside the container with plain pg_restore (pg_restore module: another issue)
    compose.psql("CREATE DATABASE app_restored;")
    dump = os.path.join(res["backup"], manifest["data"])
    plain = subprocess.run(["zstd", "-q", "-d", "-c", dump], capture_output=True, check=True).stdout
    compose.compose("exec", "-T", "-e", "PGPASSWORD", "db", "pg_restore", "-U", "postgres", "--exit-on-error",
                    "-d", "app_restored", input_data=plain, env={"PGPASSWORD": PASSWORD})
    query = "SELECT count(*), sum(id), max(item) FROM orders;"
    assert compose.psql(query, db="app_restored") == compose.psql(query, db="app") == "2500|3126250|item 999"


def test_wrong_password_fails_cleanly(compose, tmp_path):
    prefix = compose.prefix() + ["exec", "-T", "-e", "PGPASSWORD", "-e", "PGUSER", "db"]
    res, _play = run_module("saasops.maintenance.pg_backup",
                            dict(db="postgres", dest=str(tmp_path / "store"), format="custom", login_user="postgres",
                                 login_password="wrong-one", exec_prefix=prefix),
                            env={"DOCKER_HOST": compose.engine.env()["DOCKER_HOST"]})
    assert res["failed"] is True
    assert "authentication failed" in res["msg"]
    assert not os.path.exists(str(tmp_path / "store"))
