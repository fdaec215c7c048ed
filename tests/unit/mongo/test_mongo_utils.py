"""module_utils/mongo.py with the command runner replaced by a recorder."""

from __future__ import annotations

import gzip
import os

import pytest

from ansible_collections.saasops.maintenance.plugins.module_utils.common import MaintenanceError
from ansible_collections.saasops.maintenance.plugins.module_utils.mongo import (
    ARCHIVE_MAGIC, MongoBackup, MongoConnection, check_archive, dumped_collections, parse_mongo_uri, redact_uri,
)

URI = "mongodb://admin:pa%40ss:w0rd@db1.example.invalid:27017,db2.example.invalid/app?replicaSet=rs0"


class Recorder:
    """Stands in for AnsibleModule.run_command; plays scripted (rc, out, err) per call."""

    def __init__(self, script):
        self.script = list(script)
        self.calls = []

    def run_command(self, argv, data=None, environ_update=None, check_rc=False, binary_data=False):
        config = next((a.split("=", 1)[1] for a in argv if a.startswith("--config=")), None)
        text = open(config).read() if config else None
        self.calls.append(dict(argv=list(argv), env=dict(environ_update or {}), config=config, config_text=text))
        action = self.script.pop(0)
        return action(argv) if callable(action) else action


def test_parse_and_redact():
    hosts, db, password = parse_mongo_uri(URI)
    assert hosts == "admin:pa%40ss:w0rd@db1.example.invalid:27017,db2.example.invalid".split("@", 1)[1]
    assert db == "app" and password == "pa@ss:w0rd"
    assert redact_uri(URI) == "mongodb://admin:********@db1.example.invalid:27017,db2.example.invalid/app"
    with pytest.raises(MaintenanceError, match="mongodb://"):
        parse_mongo_uri("postgresql://x@y/z")


def test_run_puts_uri_in_config_and_redacts_output():
    def fail(_argv):
        return 1, "", "Failed: error connecting to %s (password pa@ss:w0rd)\n" % URI
    rec = Recorder([fail])
    conn = MongoConnection(rec, URI)
    with pytest.raises(MaintenanceError) as err:
        conn.run("mongodump", ["--archive=/x", "--gzip"], "mongodump of app")
    call = rec.calls[0]
    assert call["argv"][0] == "mongodump" and call["argv"][1] == "--config=" + call["config"]
    assert call["argv"][2:] == ["--archive=/x", "--gzip"]
    assert call["config_text"] == 'uri: "%s"\n' % URI
    assert not os.path.exists(call["config"])
    text = str(err.value) + repr(err.value.details)
    assert "pa@ss" not in text and "pa%40ss" not in text and "w0rd" not in text
    assert "mongodump of app on mongodb://admin:********@db1" in str(err.value)
    assert call["env"]["LANG"] == "C" and "pa@ss" not in repr(call["env"])


def test_separate_password_goes_to_config_only():
    rec = Recorder([(0, "", "")])
    conn = MongoConnection(rec, "mongodb+srv://backup@c0.example.invalid/admin", password='q"uo\\te')
    conn.run("mongodump", ["--gzip"], "dump")
    assert rec.calls[0]["config_text"].splitlines()[1] == 'password: "q\\"uo\\\\te"'
    assert all('q"uo' not in a for a in rec.calls[0]["argv"])


def test_backup_argv_options(tmp_path):
    conn = MongoConnection(Recorder([]), URI)
    job = MongoBackup(conn, dict(dest=str(tmp_path), db="app", exclude_collections=["sessions"],
                                 read_preference="secondary", oplog=False))
    assert job.argv("/s/.tmp-x") == ["--archive=/s/.tmp-x/data.archive.gz", "--gzip", "--db=app",
                                     "--excludeCollection=sessions", "--readPreference=secondary"]
    assert job.series == "app"
    whole = MongoBackup(conn, dict(dest=str(tmp_path), oplog=True, name="rs0"))
    assert whole.argv("/t") == ["--archive=/t/data.archive.gz", "--gzip", "--oplog"]


def test_check_archive(tmp_path):
    good = tmp_path / "good.gz"
    with gzip.open(good, "wb") as handle:
        handle.write(ARCHIVE_MAGIC + b"x" * 100)
    assert check_archive(str(good)) is None
    assert "was not written" in check_archive(str(tmp_path / "none.gz"))
    (tmp_path / "empty.gz").write_bytes(b"")
    assert check_archive(str(tmp_path / "empty.gz")) == "the archive is empty"
    (tmp_path / "cut.gz").write_bytes(good.read_bytes()[:15])
    assert "not a complete gzip stream" in check_archive(str(tmp_path / "cut.gz"))


def test_dumped_collections_from_log():
    log = ("2026-11-24T02:00:00.000+0000\twriting app.users to archive\n"
           "2026-11-24T02:00:00.100+0000\tdone dumping app.users (1 document)\n"
           "2026-11-24T02:00:00.200+0000\tdone dumping app.orders (1200 documents)\n")
    assert dumped_collections(log) == [{"name": "app.orders", "documents": 1200}, {"name": "app.users", "documents": 1}]
