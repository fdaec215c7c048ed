"""pg_backup against a real PostgreSQL 15 server."""

from __future__ import annotations

import json
import os
import stat
import subprocess

import pytest

from tests.integration.tricky import TRICKY_DB, create_tricky
from tests.support.ansible import run_module


@pytest.fixture(scope="module")
def tricky(pg):
    return create_tricky(pg)


def backup(pg, store, **kw):
    args = dict(pg.conn_args(), dest=store)
    args.update(kw)
    return run_module("saasops.maintenance.pg_backup", args)


def plain_dump(pg, db):
    """Full plain SQL dump of a database: equal dumps mean equal schema and data."""
    proc = subprocess.run(["pg_dump", "--no-sync", "-Fp", "-d", "dbname='%s'" % db.replace("'", "\\'")],
                          capture_output=True, text=True, env=pg.env(), check=True)
    # pg_dump 15.14+ adds a random \restrict key per run: not content
    return "\n".join(ln for ln in proc.stdout.splitlines() if not ln.startswith(("\\restrict", "\\unrestrict")))


def restore_plain(pg, path, target):
    pg.dropdb(target)
    pg.createdb(target)
    proc = subprocess.run(["pg_restore", "--exit-on-error", "-d", "dbname='%s'" % target, path],
                          capture_output=True, text=True, env=pg.env(), check=False)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("compression", ["gzip", "zstd"])
def test_tricky_round_trip_with_plain_pg_restore(pg, tricky, store, compression):
    res, _play = backup(pg, store, db=TRICKY_DB, compression=compression, globals=True)
    assert res.get("failed") is not True, res.get("msg")
    assert res["changed"] is True
    path = res["backup"]
    manifest = json.load(open(res["manifest"]))
    assert manifest["verified"] is True
    assert manifest["database"] == TRICKY_DB
    tables = {(t["schema"], t["name"]): t["rows"] for t in manifest["tables"]}
    assert tables[("public", "EventOrders")] == 2000
    assert tables[('Billing "EU"; x', "Invoice; DROP TABLE x")] == 300
    assert tables[("données", "clients à part")] == 2
    # the backup is private and complete
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(res["manifest"]).st_mode) == 0o600
    for item in manifest["files"]:
        assert stat.S_IMODE(os.stat(os.path.join(path, item["path"])).st_mode) & 0o077 == 0
    globals_sql = open(os.path.join(path, "globals.sql")).read()
    assert 'CREATE ROLE "App ""Writer"""' in globals_sql
    data = os.path.join(path, "data")
    if compression == "zstd":
        assert manifest["row_counts"] == "exact"
        # pg_restore 15 cannot read .zst: decompress in place first (what pg_restore module does in a pipe)
        zst = [f for f in os.listdir(data) if f.endswith(".zst")]
        for name in zst:
            subprocess.run(["zstd", "-q", "-d", "--rm", os.path.join(data, name)], check=True)
    target = "restored_" + compression
    restore_plain(pg, data, target)
    assert plain_dump(pg, target) == plain_dump(pg, TRICKY_DB)
    pg.dropdb(target)


@pytest.mark.parametrize("fmt,compression", [("custom", "zstd"), ("custom", "gzip"), ("plain", "zstd"),
                                             ("plain", "none"), ("directory", "none")])
def test_formats(pg, tricky, store, fmt, compression):
    res, _play = backup(pg, store, db=TRICKY_DB, format=fmt, compression=compression)
    assert res.get("failed") is not True, res.get("msg")
    manifest = json.load(open(res["manifest"]))
    assert manifest["format"] == fmt and manifest["compression"] == compression
    assert res["size"] == sum(f["size"] for f in manifest["files"]) > 0
    listed = {f["path"] for f in manifest["files"]}
    assert manifest["data"] in listed or fmt == "directory"


def data_bytes(backup_dir):
    """{dump id: uncompressed table data} of a directory backup."""
    data = os.path.join(backup_dir, "data")
    out = {}
    for name in os.listdir(data):
        if not name[0].isdigit():
            continue
        path = os.path.join(data, name)
        assert stat.S_ISREG(os.lstat(path).st_mode), "%s is not a regular file" % name
        if name.endswith(".zst"):
            out[name.split(".")[0]] = subprocess.run(["zstd", "-q", "-d", "-c", path], capture_output=True,
                                                     check=True).stdout
        else:
            out[name.split(".")[0]] = open(path, "rb").read()
    return out


def test_table_data_streams_through_named_pipes(pg, store):
    """pg_dump writes the table data into named pipes planted under the names it will use.

    The first backup of a series learns the names from the probe, which runs before pg_dump;
    the second has them from the first's manifest and starts pg_dump at once."""
    db = "streams"
    pg.dropdb(db)
    pg.createdb(db)
    pg.psql("CREATE TABLE big AS SELECT g AS id, md5(g::text) || repeat('x', 40) AS t FROM generate_series(1, 40000) g;"
            "CREATE TABLE small (a int); INSERT INTO small VALUES (1), (2); CREATE SEQUENCE counter;"
            "CREATE MATERIALIZED VIEW mv AS SELECT count(*) AS n FROM small;", db=db)
    first, _play = backup(pg, store, db=db)
    assert first.get("failed") is not True, first.get("msg")
    manifest = json.load(open(first["manifest"]))
    assert manifest["verification"]["table_data_files"] == 2 and len(manifest["data_ids"]) == 2
    assert "probe" in first["phases"] and first["streamed_tables"] == 2
    second, _play = backup(pg, store, db=db)
    assert second.get("failed") is not True, second.get("msg")
    assert "probe" not in second["phases"] and second["streamed_tables"] == 2
    assert json.load(open(second["manifest"]))["streamed_tables"] == 2
    assert second["row_counts"] == "exact" and second["rows"] == 40002
    names = os.listdir(os.path.join(second["backup"], "data"))
    # the big table went through zstd, the small one stayed a plain .dat; no pipe is left behind
    assert sorted(n for n in names if n[0].isdigit()) == sorted(
        ["%d.dat.zst" % manifest["data_ids"][0], "%d.dat" % manifest["data_ids"][1]]), names
    # byte for byte what pg_dump wrote, COPY terminator included, and it restores
    assert data_bytes(second["backup"]) == data_bytes(first["backup"])
    target = "streams_restored"
    for name in names:
        if name.endswith(".zst"):
            subprocess.run(["zstd", "-q", "-d", "--rm", os.path.join(second["backup"], "data", name)], check=True)
    restore_plain(pg, os.path.join(second["backup"], "data"), target)
    assert plain_dump(pg, target) == plain_dump(pg, db)
    pg.dropdb(target)
    pg.dropdb(db)


def test_check_mode_writes_nothing(pg, tricky, store):
    res, _play = run_module("saasops.maintenance.pg_backup", dict(pg.conn_args(), dest=store, db=TRICKY_DB), check=True)
    assert res["changed"] is True
    assert not os.path.exists(store)
