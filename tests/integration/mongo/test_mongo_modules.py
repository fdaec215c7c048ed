"""mongo_backup / mongo_restore run by Ansible against FAKE mongodump/mongorestore.

No MongoDB server or database tools can be installed here: these tests prove
the argv, the secret handling, the store layout and the failure paths, not
compatibility with a real server.
"""

from __future__ import annotations

import json
import os
import stat

from tests.integration.mongo.conftest import PASSWORD, URI
from tests.support.ansible import ROOT, run_module, run_playbook


def backup(fake, store, check=False, extra=(), **kw):
    args = dict(uri=URI, dest=store, mongodump_path=fake.paths["mongodump"])
    args.update(kw)
    return run_module("saasops.maintenance.mongo_backup", args, check=check, env=fake.env(), extra=extra)


def restore(fake, path, check=False, extra=(), **kw):
    args = dict(uri=URI, backup=path, mongorestore_path=fake.paths["mongorestore"])
    args.update(kw)
    return run_module("saasops.maintenance.mongo_restore", args, check=check, env=fake.env(), extra=extra)


def assert_no_secret(*texts):
    for text in texts:
        text = text if isinstance(text, str) else json.dumps(text)
        assert PASSWORD not in text
        assert "At1as-S3cret" not in text


def test_backup_argv_config_file_and_manifest(fake_mongo, store):
    res, play = backup(fake_mongo, store, db="app", extra=("-vvv",))
    assert res.get("failed") is not True, res.get("msg")
    assert res["changed"] is True
    calls = [c for c in fake_mongo.calls() if c["tool"] == "mongodump"]
    assert len(calls) == 1
    call = calls[0]
    # the URI only in the private config file, never in argv or the environment
    assert call["argv"][0].startswith("--config=")
    assert call["argv"][1:] == ["--archive=%s" % os.path.join(store, ".tmp-" + res["name"], "data.archive.gz"),
                                "--gzip", "--db=app"]
    assert call["config_mode"] == 0o600 and call["config_dir_mode"] == 0o700
    assert json.loads(call["config_text"].split("uri: ", 1)[1].splitlines()[0]) == URI
    assert_no_secret(call["argv"], call["env"])
    assert call["env"]["LANG"] == "C"
    # the config file is gone afterwards
    assert not os.path.exists(call["config"]) and not os.path.exists(os.path.dirname(call["config"]))
    # the password never appears in the result nor in -vvv output
    assert_no_secret(res, play.stdout, play.stderr)
    assert res["target"] == "mongodb+srv://backup:********@cluster0.example.invalid/app"
    # store layout shared with pg_backup: committed dir, manifest, private modes
    path = res["backup"]
    assert os.path.dirname(path) == store and os.path.basename(path) == res["name"]
    assert res["name"].startswith("app-")
    assert not [n for n in os.listdir(store) if n.startswith(".tmp-")]
    manifest = json.load(open(res["manifest"]))
    assert manifest["kind"] == "mongodb" and manifest["verified"] is True
    assert manifest["series"] == "app" and manifest["database"] == "app"
    assert manifest["format"] == "archive" and manifest["compression"] == "gzip"
    assert manifest["collections"] == [{"name": "app.orders", "documents": 5}, {"name": "app.users", "documents": 3}]
    assert manifest["documents"] == 8 == res["documents"]
    assert [f["path"] for f in manifest["files"]] == ["data.archive.gz"]
    assert manifest["size"] == res["size"] == os.path.getsize(os.path.join(path, "data.archive.gz"))
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(os.path.join(path, "data.archive.gz")).st_mode) & 0o077 == 0
    assert_no_secret(open(res["manifest"]).read())


def test_restore_round_trip_and_options(fake_mongo, store):
    res, _play = backup(fake_mongo, store, db="app")
    assert res.get("failed") is not True, res.get("msg")
    out, play = restore(fake_mongo, res["backup"], drop=True, ns_from="app.*", ns_to="app_restored.*",
                        extra=("-vvv",))
    assert out.get("failed") is not True, out.get("msg")
    assert out["changed"] is True and out["restored_documents"] == 8
    assert out["failed_documents"] == 0 and out["expected_documents"] == 8
    call = [c for c in fake_mongo.calls() if c["tool"] == "mongorestore"][0]
    assert call["argv"][1:] == ["--archive=%s" % os.path.join(res["backup"], "data.archive.gz"), "--gzip",
                                "--stopOnError", "--drop", "--nsFrom=app.*", "--nsTo=app_restored.*"]
    assert call["config_mode"] == 0o600 and not os.path.exists(call["config"])
    assert_no_secret(call["argv"], call["env"], out, play.stdout, play.stderr)


def test_check_mode_runs_nothing(fake_mongo, store):
    res, _play = backup(fake_mongo, store, check=True, db="app")
    assert res["changed"] is True and "would back up app" in res["msg"]
    assert fake_mongo.calls() == [] and not os.path.exists(store)
    real, _play = backup(fake_mongo, store, db="app")
    out, _play = restore(fake_mongo, real["backup"], check=True)
    assert out["changed"] is True and out["verified"] is True
    assert [c["tool"] for c in fake_mongo.calls()] == ["mongodump"]


def test_auth_failure_is_redacted_and_recorded(fake_mongo, store):
    fake_mongo.mode = "auth-fail"
    res, play = backup(fake_mongo, store, db="app", extra=("-vvv",))
    assert res["failed"] is True
    assert "mongodump of app on mongodb+srv://backup:********@cluster0.example.invalid/app failed" in res["msg"]
    assert "unable to authenticate" in res["msg"]
    assert "********" in res["stderr"]
    assert_no_secret(res, play.stdout, play.stderr)
    # nothing committed, the failure recorded (without the secret) for backup_info
    assert [n for n in os.listdir(store) if not n.startswith(".")] == []
    failed = os.listdir(os.path.join(store, ".failed"))
    assert len(failed) == 1
    record = open(os.path.join(store, ".failed", failed[0])).read()
    assert json.loads(record)["kind"] == "mongodb"
    assert_no_secret(record)
    assert not os.path.exists(fake_mongo.calls()[0]["config"])


def test_bad_archives_are_rejected(fake_mongo, store):
    for mode, cause in [("empty", "the archive is empty"), ("truncated", "not a complete gzip stream"),
                        ("not-archive", "does not start with the mongodump archive header")]:
        fake_mongo.mode = mode
        res, _play = backup(fake_mongo, store, db="app")
        assert res["failed"] is True, mode
        assert cause in res["msg"], (mode, res["msg"])
    assert [n for n in os.listdir(store) if not n.startswith(".")] == []
    assert len(os.listdir(os.path.join(store, ".failed"))) == 3


def test_restore_refuses_damaged_backup_and_reports_failed_documents(fake_mongo, store):
    res, _play = backup(fake_mongo, store, db="app")
    archive = os.path.join(res["backup"], "data.archive.gz")
    # mongorestore exits 0 when documents fail: the module reads its summary
    fake_mongo.mode = "restore-fail"
    out, _play = restore(fake_mongo, res["backup"])
    assert out["failed"] is True and "2 documents failed to restore" in out["msg"]
    assert out["restored_documents"] == 6 and out["failed_documents"] == 2
    # a damaged archive is never handed to mongorestore
    fake_mongo.mode = "ok"
    with open(archive, "r+b") as handle:
        handle.seek(5)
        handle.write(b"XX")
    calls_before = len(fake_mongo.calls())
    out, _play = restore(fake_mongo, res["backup"])
    assert out["failed"] is True and "does not match its sha256 checksum" in out["msg"]
    assert len(fake_mongo.calls()) == calls_before


def test_restore_refuses_postgres_backup(fake_mongo, tmp_path):
    folder = tmp_path / "pgbackup"
    folder.mkdir()
    (folder / "manifest.json").write_text(json.dumps({"kind": "postgresql", "verified": True}))
    out, _play = restore(fake_mongo, str(folder))
    assert out["failed"] is True and "is a postgresql backup, not a MongoDB one" in out["msg"]


def test_missing_tool_names_the_option(fake_mongo, store):
    res, _play = run_module("saasops.maintenance.mongo_backup",
                            dict(uri=URI, dest=store, mongodump_path=str(fake_mongo.folder / "nosuch")),
                            env=fake_mongo.env())
    assert res["failed"] is True and "not found" in res["msg"] and "mongodump_path" in res["msg"]


def mongodb_inventory(tmp_path, fake, store, **extra):
    host = {"ansible_connection": "local", "mongo_backup_uri": URI, "mongo_backup_databases": ["app", "crm"],
            "mongo_backup_dest": str(store), "mongo_backup_mongodump_path": fake.paths["mongodump"]}
    host.update(extra)
    inv = tmp_path / "inventory.json"
    inv.write_text(json.dumps({"mongodb": {"hosts": {"atlas-backup": host}}}))
    return str(inv)


def test_playbook_backup_prune_and_freshness(fake_mongo, tmp_path):
    """playbooks/mongodb_backup.yml: backup_prune and backup_info handle mongodb manifests."""
    store = tmp_path / "store"
    inv = mongodb_inventory(tmp_path, fake_mongo, store, mongo_backup_keep_daily=1, mongo_backup_keep_weekly=0,
                            mongo_backup_keep_monthly=0, mongo_backup_min_keep=1)
    playbook = os.path.join(ROOT, "playbooks", "mongodb_backup.yml")
    for _run in range(2):
        play = run_playbook(playbook, inventory=inv, env=fake_mongo.env())
        assert play.rc == 0, play.stdout[-3000:]
        assert_no_secret(play.stdout, play.stderr)
    # two runs, two databases: four dumps; retention keeps the newest of each series
    assert len([c for c in fake_mongo.calls() if c["tool"] == "mongodump"]) == 4
    kept = sorted(n for n in os.listdir(store) if not n.startswith("."))
    assert [n.rsplit("-", 1)[0] for n in kept] == ["app", "crm"]
    for name in kept:
        assert json.load(open(os.path.join(store, name, "manifest.json")))["kind"] == "mongodb"


def test_daily_run_end_to_end(fake_mongo, tmp_path):
    """The daily playbook on a MongoDB-only inventory (like inventories/mongodb_atlas)."""
    store = tmp_path / "store"
    inv = mongodb_inventory(tmp_path, fake_mongo, store)
    play = run_playbook(os.path.join(ROOT, "playbooks", "daily.yml"), inventory=inv, env=fake_mongo.env())
    assert play.rc == 0, play.stdout[-3000:]
    assert "Run mongo_backup" in play.stdout
    assert sorted(n.rsplit("-", 1)[0] for n in os.listdir(store) if not n.startswith(".")) == ["app", "crm"]
    assert_no_secret(play.stdout, play.stderr)
    # a failing backup is recorded by the run and fails it at the end
    fake_mongo.mode = "auth-fail"
    play = run_playbook(os.path.join(ROOT, "playbooks", "daily.yml"), inventory=inv, env=fake_mongo.env())
    assert play.rc != 0
    assert "mongo_backup" in play.stdout and "unable to authenticate" in play.stdout
    assert_no_secret(play.stdout, play.stderr)
