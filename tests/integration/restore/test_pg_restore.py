"""pg_restore against a real PostgreSQL 15 server: round trips, replace with a client attached."""

from __future__ import annotations

import json
import os

import pytest

from tests.integration.tricky import TRICKY_DB, create_tricky
from tests.support.restore import (
    HeldClient, backup, count, databases, make_app_db, plain_dump, restore,
)


@pytest.fixture(scope="module")
def tricky(pg):
    return create_tricky(pg)


@pytest.mark.parametrize("fmt,compression,jobs", [
    ("directory", "zstd", 2), ("directory", "gzip", 2), ("custom", "zstd", 2), ("custom", "zstd", 1),
    ("plain", "gzip", 1),
])
def test_tricky_round_trip(pg, tricky, store, fmt, compression, jobs):
    made = backup(pg, store, TRICKY_DB, format=fmt, compression=compression, globals=True)
    target = "restored %s/%s \"%d\"" % (fmt, compression, jobs)
    pg.dropdb(target)
    res = restore(pg, backup=made["backup"], db=target, mode="new", jobs=jobs, globals=True)
    assert res.get("failed") is not True, res.get("msg")
    assert res["changed"] is True
    assert res["database"] == target and res["previous_database"] is None
    assert res["tables"] == 3
    assert res["rows"] == 2000 + 300 + 2
    if fmt == "directory" and compression == "zstd":
        assert res["row_counts"] == "exact"
    manifest = json.load(open(os.path.join(made["backup"], "manifest.json")))
    if any(f["path"].endswith(".dat.zst") for f in manifest["files"]):
        assert "zstd FIFOs" in res["loader"]
    assert set(res["phases"]) >= {"checksums", "create", "globals", "load", "analyze", "verify", "swap"}
    # the existing roles were not reset from globals.sql
    assert "postgres" in res["globals_skipped"]
    assert plain_dump(pg, target) == plain_dump(pg, TRICKY_DB)
    assert res["side_database"] not in databases(pg)
    pg.dropdb(target)


def test_latest_of_store_and_check_mode(pg, store):
    make_app_db(pg, "app_latest", rows=10)
    backup(pg, store, "app_latest")
    pg.psql("INSERT INTO orders SELECT g, 'PAID', '' FROM generate_series(11, 25) g", db="app_latest")
    newest = backup(pg, store, "app_latest")
    pg.dropdb("app_latest_copy")
    res = restore(pg, store=store, db="app_latest_copy", mode="new", check=True)
    assert res["changed"] is True and res["backup"] == newest["backup"]
    assert "would restore" in res["msg"]
    assert "app_latest_copy" not in databases(pg)
    res = restore(pg, store=store, series="app_latest", db="app_latest_copy", mode="new")
    assert res.get("failed") is not True, res.get("msg")
    assert count(pg, "app_latest_copy") == 25
    assert res["data_age_hours"] < 1
    # mode=new refuses an existing database
    res = restore(pg, store=store, db="app_latest_copy", mode="new")
    assert res["failed"] is True and "already exists" in res["msg"]
    pg.dropdb("app_latest_copy")
    pg.dropdb("app_latest")


def test_replace_with_a_client_connected(pg, store):
    db = "app_replace"
    make_app_db(pg, db, rows=500, pad=4000)
    made = backup(pg, store, db)
    manifest = json.load(open(os.path.join(made["backup"], "manifest.json")))
    assert any(f["path"].endswith(".dat.zst") for f in manifest["files"])
    # after the backup the live data moves on: the restore must bring back the 500 rows
    pg.psql("DELETE FROM orders WHERE id > 100; CREATE TABLE later (x int)", db=db)
    client = HeldClient(pg, db)
    try:
        res = restore(pg, backup=made["backup"], db=db, mode="replace", jobs=2)
        assert res.get("failed") is not True, res.get("msg")
        assert "zstd FIFOs" in res["loader"]
        before = res["previous_database"]
        assert before.startswith(db + "_before_")
        # the held client was disconnected by the swap: its backend is gone, its next query fails
        gone = pg.psql("SELECT count(*) FROM pg_stat_activity WHERE pid = %d" % client.backend)
        assert gone == "0"
        _out, err = client.proc.communicate("SELECT 1;\n", timeout=30)
        assert "terminat" in err or "closed the connection" in err, err
    finally:
        client.close()
    assert count(pg, db) == 500
    assert pg.psql("SELECT to_regclass('later') IS NULL", db=db) == "t"
    # the previous database is kept, with the data it had, and takes connections
    assert count(pg, before) == 100
    assert pg.psql("SELECT to_regclass('later') IS NOT NULL", db=before) == "t"
    assert pg.psql("SELECT string_agg(datname || ':' || datallowconn, ',' ORDER BY datname) FROM pg_database "
                   "WHERE datname IN ('%s', '%s')" % (db, before)) == "%s:true,%s:true" % (db, before)
    assert res["rows"] == sum(t["rows"] for t in manifest["tables"]) == 500
    pg.dropdb(before)
    pg.dropdb(db)


def test_drill_changes_nothing(pg, store):
    make_app_db(pg, "app_drill", rows=42)
    made = backup(pg, store, "app_drill")
    before = databases(pg)
    res = restore(pg, backup=made["backup"], db="app_drill_scratch", mode="drill")
    assert res.get("failed") is not True, res.get("msg")
    assert res["changed"] is False and res["rows"] == 42 and "drop" in res["phases"]
    assert databases(pg) == before
    pg.dropdb("app_drill")
