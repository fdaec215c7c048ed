"""Faults during a restore: each leaves the current database intact and answering, with a clear error."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading

import pytest

from tests.support.restore import (
    backup, count, databases, make_app_db, restore, rewrite_manifest_checksums, wait_for,
)
from tests.support.services import PostgresServer

ROWS = 3000


@pytest.fixture
def app(pg):
    """An application database with a backup, then more data written after it (the current state)."""
    name = "app_fault"
    make_app_db(pg, name, rows=ROWS, pad=600)
    yield name
    for db in databases(pg):
        if db == name or db.startswith(name + "_"):
            pg.dropdb(db)


def assert_intact(pg, db, rows):
    """The current database answers and holds what it held before the attempt; no side database is left."""
    assert count(pg, db) == rows
    assert pg.psql("SELECT datallowconn FROM pg_database WHERE datname = '%s'" % db) == "t"
    leftovers = [d for d in databases(pg) if d.startswith(db + "_")]
    assert leftovers == []


def live_change(pg, db):
    pg.psql("INSERT INTO orders SELECT g, 'NEW', '' FROM generate_series(%d, %d) g" % (ROWS + 1, ROWS + 10), db=db)
    return ROWS + 10


def data_file(made, suffix):
    files = json.load(open(made["manifest"]))["files"]
    big = max((f for f in files if f["path"].endswith(suffix)), key=lambda f: f["size"])
    return os.path.join(made["backup"], big["path"])


@pytest.mark.parametrize("fmt,compression,suffix", [("directory", "zstd", ".dat.zst"), ("custom", "zstd", ".zst"),
                                                    ("directory", "gzip", ".dat.gz")])
def test_truncated_archive(pg, store, app, fmt, compression, suffix):
    made = backup(pg, store, app, format=fmt, compression=compression)
    rows = live_change(pg, app)
    path = data_file(made, suffix)
    with open(path, "r+b") as handle:
        handle.truncate(os.path.getsize(path) // 2)
    # damaged before it was checksummed: the checksums agree, the load must catch it
    rewrite_manifest_checksums(made["backup"])
    res = restore(pg, backup=made["backup"], db=app, mode="replace", jobs=2)
    assert res["failed"] is True
    assert "was not changed" in res["msg"] and "side database %s was dropped" % res["side_database"] in res["msg"]
    assert "decompress" in res["msg"] or "unexpected end" in res["msg"] or "truncated" in res["msg"], res["msg"]
    assert_intact(pg, app, rows)


def test_checksum_mismatch(pg, store, app):
    made = backup(pg, store, app)
    rows = live_change(pg, app)
    path = data_file(made, ".dat.zst")
    with open(path, "r+b") as handle:
        handle.seek(100)
        byte = handle.read(1)
        handle.seek(100)
        handle.write(bytes([byte[0] ^ 0xFF]))
    res = restore(pg, backup=made["backup"], db=app, mode="replace")
    assert res["failed"] is True
    assert "failed its checksum check" in res["msg"] and "does not match its sha256" in res["msg"]
    assert_intact(pg, app, rows)


def test_manifest_missing(pg, store, app):
    made = backup(pg, store, app)
    rows = live_change(pg, app)
    os.unlink(made["manifest"])
    res = restore(pg, backup=made["backup"], db=app, mode="replace")
    assert res["failed"] is True
    assert "manifest missing" in res["msg"] and made["backup"] in res["msg"]
    # and a store whose only backup lost its manifest has nothing to restore
    res = restore(pg, store=store, db=app, mode="replace")
    assert res["failed"] is True and "has no verified postgresql backup" in res["msg"]
    assert_intact(pg, app, rows)


def in_background(func):
    box = {}

    def target():
        box["result"] = func()

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread, box


def copy_running(pg, prefix):
    out = pg.psql("SELECT pid FROM pg_stat_activity WHERE datname LIKE '%s%%' AND query LIKE 'COPY %%'" % prefix,
                  check=False)
    return out.strip()


def test_restore_killed_mid_run(pg, store, app):
    make_app_db(pg, app, rows=200000, pad=100)
    made = backup(pg, store, app, format="custom", compression="zstd")
    pg.psql("DELETE FROM orders WHERE id <= 10", db=app)
    rows = 200000 - 10
    thread, box = in_background(lambda: restore(pg, backup=made["backup"], db=app, mode="replace", jobs=1))
    wait_for(lambda: copy_running(pg, app + "_restore_"), timeout=120)
    killed = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as handle:
                argv = handle.read().split(b"\0")
            with open("/proc/%s/environ" % pid, "rb") as handle:
                environ = handle.read().split(b"\0")
        except OSError:
            continue
        # only the pg_restore of this test: its side database, on this test's server
        if argv[0].endswith(b"pg_restore") and any(b"_restore_" in a and app.encode() in a for a in argv) \
                and ("PGPORT=%d" % pg.port).encode() in environ:
            os.kill(int(pid), signal.SIGKILL)
            killed.append(pid)
    assert killed
    thread.join(120)
    res = box["result"]
    assert res["failed"] is True
    assert "pg_restore was killed by signal 9" in res["msg"] and "was not changed" in res["msg"]
    assert_intact(pg, app, rows)


def test_server_stopped_mid_restore(tmp_path):
    server = PostgresServer().start()
    try:
        db = "app_stop"
        make_app_db(server, db, rows=200000, pad=100)
        made = backup(server, str(tmp_path / "store"), db, format="custom", compression="zstd")
        server.psql("DELETE FROM orders WHERE id <= 10", db=db)
        thread, box = in_background(lambda: restore(server, backup=made["backup"], db=db, mode="replace", jobs=1))
        wait_for(lambda: copy_running(server, db + "_restore_"), timeout=120)
        server.stop("fast")
        thread.join(120)
        res = box["result"]
        assert res["failed"] is True
        assert "restore of backup %s into the side database failed" % made["name"] in res["msg"]
        assert "terminating connection" in res["msg"] or "not reachable" in res["msg"] or "closed" in res["msg"]
        assert "the current database app_stop was not changed" in res["msg"]
        assert "could not be dropped" in res["msg"] and "drop it when the server is back" in res["msg"]
        server.restart_if_down()
        server.wait_ready()
        assert count(server, db) == 200000 - 10
        side = res["side_database"]
        assert side in databases(server)
        # the next attempt works and the leftover is the one named in the error
        server.dropdb(side)
        res = restore(server, backup=made["backup"], db=db, mode="replace", jobs=2)
        assert res.get("failed") is not True, res.get("msg")
        assert count(server, db) == 200000
        assert count(server, res["previous_database"]) == 200000 - 10
    finally:
        server.destroy()


@pytest.fixture
def small_mount(request):
    """A small tmpfs (1 MB unless parametrized) that the postgres user can reach (tmp_path is private to root)."""
    size = getattr(request, "param", "1m")
    path = tempfile.mkdtemp(prefix="saasops-small-")
    os.chmod(path, 0o755)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%s,mode=0755" % size, "tmpfs", path], check=True)
    yield path
    subprocess.run(["umount", path], check=False)
    os.rmdir(path)


@pytest.mark.parametrize("small_mount", ["10m"], indirect=True)
def test_not_enough_disk_for_the_side_database(pg, store, app, small_mount):
    # template0 takes about 7.5 MB of the 10: the 12 MB of orders cannot fit
    make_app_db(pg, app, rows=20000, pad=600)
    made = backup(pg, store, app)
    pg.psql("DELETE FROM orders WHERE id <= 10", db=app)
    rows = 20000 - 10
    space = os.path.join(small_mount, "ts")
    os.makedirs(space)
    shutil.chown(space, "postgres")
    pg.psql("CREATE TABLESPACE small_ts LOCATION '%s'" % space)
    try:
        res = restore(pg, backup=made["backup"], db=app, mode="replace", tablespace="small_ts")
        assert res["failed"] is True
        assert "no space left on device" in res["msg"].lower(), res["msg"]
        assert "was not changed" in res["msg"] and "was dropped" in res["msg"]
        assert_intact(pg, app, rows)
    finally:
        pg.psql("DROP TABLESPACE IF EXISTS small_ts", check=False)


def test_not_enough_disk_for_the_temporary_file(pg, store, app, small_mount):
    made = backup(pg, store, app, format="custom", compression="zstd")
    rows = live_change(pg, app)
    res = restore(pg, backup=made["backup"], db=app, mode="replace", jobs=2, tmp_dir=small_mount)
    assert res["failed"] is True
    assert "into tmp_dir %s failed: no space left on device" % small_mount in res["msg"], res["msg"]
    assert_intact(pg, app, rows)
    assert os.listdir(small_mount) == []
