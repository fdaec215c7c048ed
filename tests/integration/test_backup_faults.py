"""Bad input and faults: one clear error, no partial backup, nothing older lost."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time

import pytest

from tests.support.ansible import run_module


@pytest.fixture(scope="module")
def appdb(pg):
    pg.dropdb("faultdb")
    pg.createdb("faultdb")
    pg.psql("CREATE TABLE notes (id int PRIMARY KEY, body text);"
            "INSERT INTO notes SELECT g, md5(g::text) || md5((g * 7)::text) FROM generate_series(1, 60000) g;"
            "ANALYZE notes;", db="faultdb")
    return "faultdb"


@pytest.fixture
def good_store(pg, appdb, tmp_path):
    """A store that already holds one good backup."""
    store = str(tmp_path / "store")
    res, _play = run_module("saasops.maintenance.pg_backup", dict(pg.conn_args(), db=appdb, dest=store))
    assert res.get("failed") is not True, res.get("msg")
    return store, res["name"]


def assert_nothing_lost(store, good_name):
    names = [n for n in os.listdir(store) if not n.startswith(".")]
    assert names == [good_name], "only the older good backup may be in the store: %s" % names
    assert not [n for n in os.listdir(store) if n.startswith(".tmp-")], "partial backup left behind"
    info, _play = run_module("saasops.maintenance.backup_info", dict(dest=store, verify="all"))
    assert info.get("failed") is not True, info.get("msg")
    assert info["backups"][0]["checksums_ok"] is True
    assert info["failures"], "the failed attempt is recorded"
    prune, _play = run_module("saasops.maintenance.backup_prune",
                              dict(dest=store, keep_daily=0, keep_weekly=0, keep_monthly=0, min_keep=0,
                                   prune_after_failure=False))
    assert prune["deleted"] == [] and prune["failed_series"]
    assert os.path.isdir(os.path.join(store, good_name))


def backup(pg, store, **kw):
    args = dict(pg.conn_args(), dest=store, db="faultdb")
    args.update(kw)
    return run_module("saasops.maintenance.pg_backup", args)


def test_wrong_password(pg, good_store):
    store, good = good_store
    res, play = backup(pg, store, login_password="not-the-password")
    assert res["failed"] is True
    assert "authentication failed" in res["msg"]
    assert "not-the-password" not in play.stdout + play.stderr + str(res)
    # a failed preflight writes nothing at all
    assert [n for n in os.listdir(store) if not n.startswith(".")] == [good]


def test_server_down(pg, good_store):
    store, _good = good_store
    from tests.support.services import free_port
    res, _play = backup(pg, store, port=free_port())
    assert res["failed"] is True
    assert "not reachable" in res["msg"]


def test_database_missing(pg, good_store):
    store, _good = good_store
    res, _play = backup(pg, store, db="no_such_db")
    assert res["failed"] is True
    assert 'database "no_such_db" does not exist' in res["msg"]


def test_secret_never_in_output(pg, good_store):
    store, _good = good_store
    res, play = run_module("saasops.maintenance.pg_backup", dict(pg.conn_args(), dest=store, db="faultdb"),
                           extra=["-vvv"])
    assert res.get("failed") is not True, res.get("msg")
    assert pg.password not in play.stdout + play.stderr
    assert pg.password not in str(res)


def mount_tmpfs(path, options):
    os.makedirs(path, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", path], check=True)


def umount(path):
    subprocess.run(["umount", path], check=False)


def test_store_not_writable(pg, appdb, tmp_path):
    store = str(tmp_path / "ro")
    mount_tmpfs(store, "size=1m,mode=0700,ro")
    try:
        res, _play = backup(pg, store)
        assert res["failed"] is True
        assert "not writable" in res["msg"] and store in res["msg"]
    finally:
        umount(store)


def test_disk_full_during_dump(pg, appdb, tmp_path):
    small = str(tmp_path / "small")
    mount_tmpfs(small, "size=2m,mode=0700")
    try:
        store = os.path.join(small, "store")
        # an older, tiny backup of another database fits; tonight's big one does not
        pg.dropdb("tinydb")
        pg.createdb("tinydb")
        pg.psql("CREATE TABLE t(a int); INSERT INTO t VALUES (1);", db="tinydb")
        res, _play = run_module("saasops.maintenance.pg_backup", dict(pg.conn_args(), dest=store, db="tinydb",
                                                                      name="faultdb"))
        assert res.get("failed") is not True, res.get("msg")
        good = res["name"]
        res, _play = backup(pg, store, min_size_ratio=0)
        assert res["failed"] is True
        assert "no space left on device" in res["msg"].lower()
        assert_nothing_lost(store, good)
    finally:
        umount(small)


def test_disk_full_while_streaming_through_named_pipes(pg, appdb, tmp_path):
    """The same fault when pg_dump writes into named pipes: zstd runs out of space, not pg_dump."""
    roomy, _play = backup(pg, str(tmp_path / "roomy"))
    assert roomy.get("failed") is not True, roomy.get("msg")
    small = str(tmp_path / "small")
    # room for one backup of faultdb and half of a second
    mount_tmpfs(small, "size=%dk,mode=0700" % (roomy["size"] * 3 // 2 // 1024))
    try:
        store = os.path.join(small, "store")
        # the good backup, copied in: its manifest's dump ids make the next dump stream at once
        os.mkdir(store, 0o700)
        subprocess.run(["cp", "-a", roomy["backup"], store], check=True)
        res, _play = backup(pg, store)
        assert res["failed"] is True
        assert "no space left on device" in res["msg"].lower(), res["msg"]
        assert "zstd" in res["msg"], res["msg"]  # the cause, not pg_dump's broken pipe
        assert_nothing_lost(store, roomy["name"])
    finally:
        umount(small)


def test_pg_dump_killed_mid_run(pg, good_store):
    store, good = good_store
    # hold a lock so pg_dump is certainly running (waiting) when we kill it
    holder = subprocess.Popen(["psql", "-X", "-q", "-d", "faultdb"], stdin=subprocess.PIPE, text=True,
                              env=dict(pg.env(), PGAPPNAME="lock-holder"), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    holder.stdin.write("BEGIN; LOCK TABLE notes IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(60);\n")
    holder.stdin.flush()
    box = {}
    worker = threading.Thread(target=lambda: box.update(res=backup(pg, store)[0]))
    worker.start()
    killed = None
    try:
        deadline = time.monotonic() + 60
        while killed is None and time.monotonic() < deadline:
            for pid in os.listdir("/proc"):
                if not pid.isdigit():
                    continue
                try:
                    cmd = open("/proc/%s/cmdline" % pid, "rb").read().split(b"\0")
                except OSError:
                    continue
                if cmd and cmd[0].endswith(b"pg_dump") and any(store.encode() in a for a in cmd):
                    os.kill(int(pid), signal.SIGKILL)
                    killed = int(pid)
                    break
            time.sleep(0.05)
    finally:
        worker.join(120)
        holder.kill()
        holder.wait()
        # the server side of the holder would keep the lock until pg_sleep ends
        pg.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'lock-holder';")
    assert killed, "pg_dump never started"
    res = box["res"]
    assert res["failed"] is True
    assert "killed by signal 9" in res["msg"]
    assert_nothing_lost(store, good)


def test_size_guard_refuses_a_much_smaller_dump(pg, good_store):
    store, good = good_store
    pg.psql("CREATE TABLE IF NOT EXISTS g(a int)", db="postgres")
    res, _play = run_module("saasops.maintenance.pg_backup", dict(pg.conn_args(), dest=store, db="postgres",
                                                                  name=good.rsplit("-", 1)[0]))
    assert res["failed"] is True
    assert "less than 0.5 of the previous verified backup" in res["msg"]
    assert_nothing_lost(store, good)
