"""The disaster_recovery playbook against a local PM2 app and a real database; the restore_drill role."""

from __future__ import annotations

import glob
import json
import os

import pytest

from tests.support.ansible import ROOT, custom_stats, run_module, run_playbook
from tests.support.restore import backup, count, databases, make_app_db

PLAYBOOK = os.path.join(ROOT, "playbooks", "disaster_recovery.yml")


def conn(pg, prefix):
    return {prefix + "login_host": pg.host, prefix + "port": pg.port, prefix + "login_user": pg.user,
            prefix + "login_password": pg.password}


@pytest.fixture
def site(pg, tmp_path):
    """A database and an uploads tree, each with a verified backup; then the disaster."""
    db = "app_dr"
    make_app_db(pg, db, rows=100)
    pg_store = str(tmp_path / "pg-store")
    files_store = str(tmp_path / "files-store")
    made = backup(pg, pg_store, db)
    uploads = tmp_path / "www" / "uploads"
    uploads.mkdir(parents=True)
    (uploads / "invoice.pdf").write_bytes(b"%PDF-1.7 original")
    res, _play = run_module("saasops.maintenance.files_backup", dict(src=[str(uploads)], dest=files_store, name="uploads"))
    assert res.get("failed") is not True, res.get("msg")
    # the disaster: rows deleted, uploads overwritten
    pg.psql("DELETE FROM orders WHERE id > 40", db=db)
    (uploads / "invoice.pdf").write_bytes(b"ransomware")
    yield dict(db=db, pg_store=pg_store, files_store=files_store, uploads=uploads, backup=made)
    for name in databases(pg):
        if name == db or name.startswith(db + "_"):
            pg.dropdb(name)


def dr_vars(pg, site, app, **kw):
    extra = dict(disaster_recovery_hosts="localhost", disaster_recovery_confirm=True,
                 disaster_recovery_db=site["db"], disaster_recovery_pg_store=site["pg_store"],
                 disaster_recovery_safety_store=site["pg_store"] + "-safety",
                 disaster_recovery_files_store=site["files_store"],
                 disaster_recovery_app_kind="pm2", disaster_recovery_pm2_apps=[app.name],
                 disaster_recovery_pm2_bin=app.pm2, disaster_recovery_pm2_home=app.home,
                 disaster_recovery_health_urls=[app.url()], disaster_recovery_health_delay=1)
    extra.update(conn(pg, "disaster_recovery_"))
    extra.update(kw)
    return extra


def test_disaster_recovery_brings_back_data_and_app(pg, site, pm2_app):
    daemon = pm2_app.daemon_pid
    app_pid = pm2_app.status()[pm2_app.name][1]
    play = run_playbook(PLAYBOOK, extra_vars=dr_vars(pg, site, pm2_app),
                        env={"ANSIBLE_SHOW_CUSTOM_STATS": "1"})
    assert play.rc == 0, play.stdout[-4000:]
    # the data of the backup is back; the database as it was is kept
    assert count(pg, site["db"]) == 100
    before = [d for d in databases(pg) if d.startswith(site["db"] + "_before_")]
    assert len(before) == 1 and count(pg, before[0]) == 40
    # the safety backup holds the state before the recovery (40 rows)
    safety = glob.glob(os.path.join(site["pg_store"] + "-safety", "app_dr-before-recovery-*", "manifest.json"))
    assert len(safety) == 1
    assert sum(t["rows"] for t in json.load(open(safety[0]))["tables"]) == 40
    # files: restored, the overwritten tree kept beside
    assert (site["uploads"] / "invoice.pdf").read_bytes() == b"%PDF-1.7 original"
    kept = glob.glob(str(site["uploads"]) + ".before-*")
    assert len(kept) == 1 and open(os.path.join(kept[0], "invoice.pdf"), "rb").read() == b"ransomware"
    # the app was stopped and started again by the same PM2 daemon, and answers
    status = pm2_app.status()
    assert status[pm2_app.name][0] == "online" and status[pm2_app.name][1] != app_pid
    assert pm2_app.daemon_pid == daemon
    assert pm2_app.http_ok()
    assert "Put the PM2 apps in the wanted state" in play.stdout
    report = custom_stats(play)["localhost"]["disaster_recovery"]
    assert report["succeeded"] is True and report["unhealthy"] == []
    assert report["rto_met"] is True and report["rto_seconds"] == 3600
    assert report["rpo_met"] is True and 0 <= report["data_age_hours"] < 1
    assert report["previous_database"] == before[0]
    assert report["database_rows"] == 100
    assert 0 < report["downtime_seconds"] <= report["recovery_seconds"]


def test_failed_restore_still_starts_the_app(pg, site, pm2_app):
    data = os.path.join(site["backup"]["backup"], "data")
    victim = sorted(os.listdir(data))[0]
    with open(os.path.join(data, victim), "ab") as handle:
        handle.write(b"tampered")
    play = run_playbook(PLAYBOOK, extra_vars=dr_vars(pg, site, pm2_app),
                        env={"ANSIBLE_SHOW_CUSTOM_STATS": "1"})
    assert play.rc != 0
    assert "disaster recovery failed" in play.stdout and "failed its checksum check" in play.stdout
    assert "the current database was not changed" in play.stdout or "on the data it had" in play.stdout
    # the current data is intact, and the app is back online
    assert count(pg, site["db"]) == 40
    assert [d for d in databases(pg) if d.startswith(site["db"] + "_")] == []
    assert pm2_app.status()[pm2_app.name][0] == "online" and pm2_app.http_ok()
    assert "Start the application again" in play.stdout


def test_recovery_needs_confirmation(pg, site, pm2_app):
    play = run_playbook(PLAYBOOK, extra_vars=dr_vars(pg, site, pm2_app, disaster_recovery_confirm=False))
    assert play.rc != 0 and "set disaster_recovery_confirm=true" in play.stdout
    assert count(pg, site["db"]) == 40
    assert pm2_app.status()[pm2_app.name][0] == "online"


def drill_play(tmp_path, extra):
    path = tmp_path / "drill.yml"
    path.write_text(json.dumps([{"name": "drill", "hosts": "localhost", "gather_facts": False,
                                 "roles": [{"role": "saasops.maintenance.restore_drill"}]}]))
    return run_playbook(str(path), extra_vars=extra)


def test_restore_drill(pg, site, tmp_path):
    records = tmp_path / "drills"
    extra = dict(restore_drill_store=site["pg_store"], restore_drill_db="drill_scratch",
                 restore_drill_record_dir=str(records))
    extra.update(conn(pg, "restore_drill_"))
    before = databases(pg)
    play = drill_play(tmp_path, extra)
    assert play.rc == 0, play.stdout[-3000:]
    assert databases(pg) == before
    record = json.load(open(glob.glob(str(records / "restore-drill-*.json"))[0]))
    assert record["failed"] is False and record["rows"] == 100 and record["row_counts"] == "exact"
    assert record["backup"] == site["backup"]["backup"] and record["duration"] > 0
    assert set(record["phases"]) >= {"checksums", "load", "verify", "drop"}
    # a damaged backup fails the drill loudly and leaves nothing behind
    data = os.path.join(site["backup"]["backup"], "data")
    with open(os.path.join(data, sorted(os.listdir(data))[0]), "ab") as handle:
        handle.write(b"x")
    play = drill_play(tmp_path, extra)
    assert play.rc != 0
    assert "RESTORE DRILL FAILED" in play.stdout and "failed its checksum check" in play.stdout
    assert databases(pg) == before
