"""Helpers for the restore tests: backups through the module, dumps to compare, a held client."""

from __future__ import annotations

import json
import os
import subprocess
import time

from tests.support.ansible import run_module


def backup(pg, store, db, **kw):
    args = dict(pg.conn_args(), dest=store, db=db)
    args.update(kw)
    res, _play = run_module("saasops.maintenance.pg_backup", args)
    assert res.get("failed") is not True, res.get("msg")
    return res


def restore(pg, check=False, **kw):
    args = dict(pg.conn_args())
    args.update(kw)
    res, _play = run_module("saasops.maintenance.pg_restore", args, check=check)
    return res


def plain_dump(pg, db):
    """Full plain SQL dump of a database: equal dumps mean equal schema and data."""
    proc = subprocess.run(["pg_dump", "--no-sync", "-Fp", "-d", "dbname='%s'" % db.replace("'", "\\'")],
                          capture_output=True, text=True, env=pg.env(), check=True)
    # pg_dump 15.14+ adds a random \restrict key per run: not content
    return "\n".join(ln for ln in proc.stdout.splitlines() if not ln.startswith(("\\restrict", "\\unrestrict")))


def databases(pg):
    return set(pg.psql("SELECT datname FROM pg_database").splitlines())


def literal(text):
    return "'%s'" % text.replace("'", "''")


def ident(text):
    return '"%s"' % text.replace('"', '""')


def make_app_db(pg, name, rows=1000, pad=0):
    """A small application database: one table with ``rows`` orders."""
    pg.dropdb(name)
    pg.createdb(name)
    pg.psql("CREATE TABLE orders (id bigint PRIMARY KEY, status text NOT NULL, note text);"
            "INSERT INTO orders SELECT g, CASE WHEN g %% 5 = 0 THEN 'FAILED' ELSE 'PAID' END, repeat('x', %d) "
            "FROM generate_series(1, %d) g; CREATE INDEX orders_status ON orders (status); ANALYZE;" % (pad, rows),
            db=name)


def count(pg, db, table="orders"):
    return int(pg.psql("SELECT count(*) FROM %s" % table, db=db))


def rewrite_manifest_checksums(backup_dir):
    """Make the manifest agree with the files again (a backup damaged before it was checksummed)."""
    from ansible_collections.saasops.maintenance.plugins.module_utils.store import file_list
    path = os.path.join(backup_dir, "manifest.json")
    with open(path) as handle:
        manifest = json.load(handle)
    manifest["files"] = file_list(backup_dir)
    with open(path, "w") as handle:
        json.dump(manifest, handle)


class HeldClient:
    """A psql process connected to a database, holding the connection open."""

    def __init__(self, pg, db):
        self.proc = subprocess.Popen(["psql", "-X", "-q", "-At", "-d", "dbname=%s" % literal(db)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, env=pg.env())
        self.proc.stdin.write("SELECT 'ready', pg_backend_pid();\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline().strip()
        assert line.startswith("ready|"), line
        self.backend = int(line.split("|")[1])

    def close(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def wait_for(predicate, timeout=60, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("condition not met within %s s" % timeout)
