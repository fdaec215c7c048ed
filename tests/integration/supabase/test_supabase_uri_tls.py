"""Supabase path: pg_backup through a URI over TLS, against a local server of its own.

The server has a certificate signed by a throwaway CA and accepts TCP
connections only over TLS (hostssl), like Supabase's database.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time

from tests.integration.supabase.conftest import PASSWORD
from tests.support.ansible import run_module

DB = "supa_app"


def seed(server):
    server.dropdb(DB)
    server.createdb(DB)
    server.psql("CREATE TABLE profiles (id int PRIMARY KEY, email text NOT NULL);"
                "INSERT INTO profiles SELECT g, 'user' || g || '@example.invalid' FROM generate_series(1, 1500) g;"
                "CREATE TABLE \"storage objects\" (name text, meta jsonb);"
                "INSERT INTO \"storage objects\" VALUES ('avatars/a.png', '{\"size\": 12}');", db=DB)


def content(server, db):
    return server.psql("SELECT count(*), sum(id), max(email) FROM profiles;"
                       "SELECT name, meta FROM \"storage objects\";", db=db)


def restore(server, dump, target):
    """A plain pg_restore over TLS (the pg_restore module is another issue's work)."""
    server.dropdb(target)
    server.createdb(target)
    env = server.env()
    env["PGSSLMODE"] = "require"
    proc = subprocess.run(["pg_restore", "--exit-on-error", "--no-owner", "-d", target, dump],
                          capture_output=True, text=True, env=env, check=False)
    assert proc.returncode == 0, proc.stderr


def assert_no_password(*texts):
    for text in texts:
        assert PASSWORD not in text
        assert "S3cr3t" not in text


def test_uri_require_round_trip(tls_pg, store):
    server = tls_pg.server
    seed(server)
    res, play = run_module("saasops.maintenance.pg_backup",
                           dict(uri=tls_pg.uri(DB, "sslmode=require"), dest=store, format="custom",
                                compression="gzip", name="supabase"), extra=("-vvv",))
    assert res.get("failed") is not True, res.get("msg")
    assert res["database"] == DB and res["format"] == "custom"
    manifest = json.load(open(res["manifest"]))
    assert {t["name"]: t["rows"] for t in manifest["tables"]}["profiles"] == 1500
    assert_no_password(json.dumps(res), play.stdout, play.stderr, open(res["manifest"]).read())
    restore(server, os.path.join(res["backup"], manifest["data"]), "supa_restored")
    assert content(server, "supa_restored") == content(server, DB)
    assert content(server, "supa_restored").startswith("1500|1125750|")


def test_verify_ca_with_ca_cert(tls_pg, store):
    server = tls_pg.server
    seed(server)
    res, _play = run_module("saasops.maintenance.pg_backup",
                            dict(uri=tls_pg.uri(DB), ssl_mode="verify-ca", ca_cert=tls_pg.ca_cert,
                                 dest=store, format="custom", compression="gzip"))
    assert res.get("failed") is not True, res.get("msg")
    manifest = json.load(open(res["manifest"]))
    restore(server, os.path.join(res["backup"], manifest["data"]), "supa_verified")
    assert content(server, "supa_verified") == content(server, DB)


def test_wrong_ca_and_plaintext_are_refused(tls_pg, store):
    seed(tls_pg.server)
    res, play = run_module("saasops.maintenance.pg_backup",
                           dict(uri=tls_pg.uri(DB), ssl_mode="verify-ca", ca_cert=tls_pg.other_ca,
                                dest=store, format="custom"), extra=("-vvv",))
    assert res["failed"] is True
    assert "certificate verify failed" in res["msg"] or "certificate verify failed" in res.get("stderr", "")
    assert_no_password(json.dumps(res), play.stdout, play.stderr)
    res, _play = run_module("saasops.maintenance.pg_backup",
                            dict(uri=tls_pg.uri(DB, "sslmode=disable"), dest=store, format="custom"))
    assert res["failed"] is True and "no encryption" in json.dumps(res)
    assert not os.path.exists(store) or [n for n in os.listdir(store) if not n.startswith(".")] == []


def _proc_snapshot():
    seen = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as handle:
                argv = handle.read().decode("utf-8", "replace").split("\0")
            with open("/proc/%s/environ" % pid, "rb") as handle:
                environ = handle.read().decode("utf-8", "replace").split("\0")
        except OSError:
            continue
        seen.append((pid, argv, environ))
    return seen


def test_password_not_in_any_argv_while_running(tls_pg, store):
    """Hold a lock so the module's client stays blocked, and read /proc meanwhile."""
    server = tls_pg.server
    seed(server)
    env = server.env()
    locker = subprocess.Popen(["psql", "-X", "-q", "-d", DB], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, text=True, env=env)
    try:
        locker.stdin.write("BEGIN; LOCK TABLE profiles IN ACCESS EXCLUSIVE MODE; SELECT 1;\n")
        locker.stdin.flush()
        time.sleep(0.5)
        box = {}
        worker = threading.Thread(target=lambda: box.update(out=run_module(
            "saasops.maintenance.pg_backup",
            dict(uri=tls_pg.uri(DB, "sslmode=require"), dest=store, format="custom", compression="gzip"))))
        worker.start()
        blocked = None
        leaked = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and blocked is None:
            for pid, argv, environ in _proc_snapshot():
                if any(PASSWORD in a for a in argv):
                    leaked.append(argv)
                # this server's port: other test runs on the machine may run the same tools
                if os.path.basename(argv[0]) in ("psql", "pg_dump") and "PGAPPNAME=saasops.maintenance" in environ \
                        and "PGPORT=%d" % server.port in environ:
                    blocked = (pid, argv, environ)
            time.sleep(0.05)
        assert blocked is not None, "the module's client was never seen"
        _pid, argv, environ = blocked
        assert not leaked
        assert not any(PASSWORD in a for a in argv)
        # the secret travels in the environment, which only root and the user can read
        assert "PGPASSWORD=%s" % PASSWORD in environ and "PGSSLMODE=require" in environ
        locker.stdin.write("COMMIT;\n")
        locker.stdin.flush()
        worker.join(120)
        res, _play = box["out"]
        assert res.get("failed") is not True, res.get("msg")
    finally:
        locker.stdin.close()
        locker.wait(30)
