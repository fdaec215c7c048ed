"""daily: one database and one file backup (the check run wrote none), both offsite, and a report."""

from __future__ import annotations

import json
import os

import yaml

VARS = yaml.safe_load(open(os.environ["MOLECULE_SAASOPS_VARS"]))
BASE = os.path.join(VARS["saasops_work"], "daily")


def entries(host, folder, prefix):
    return sorted(n for n in host.file(folder).listdir() if n.startswith(prefix))


def test_backups_and_offsite_copies(host):
    (db,) = entries(host, os.path.join(BASE, "store", "postgresql"), "molecule_daily-")
    manifest = json.loads(host.file(os.path.join(BASE, "store", "postgresql", db, "manifest.json")).content_string)
    assert manifest["verified"] is True and "777" in json.dumps(manifest)
    (files,) = entries(host, os.path.join(BASE, "store", "files"), "uploads-")
    assert entries(host, os.path.join(BASE, "offsite", "postgresql"), "molecule_daily-") == [db]
    assert entries(host, os.path.join(BASE, "offsite", "files"), "uploads-") == [files]
    copy = host.file(os.path.join(BASE, "offsite", "postgresql", db, "manifest.json"))
    assert copy.sha256sum == host.file(os.path.join(BASE, "store", "postgresql", db, "manifest.json")).sha256sum


def test_report_written(host):
    reports = os.path.join(VARS["saasops_work"], "reports")
    names = [n for n in host.file(reports).listdir() if n.endswith(".json")]
    assert names
    assert any("molecule_daily" in host.file(os.path.join(reports, n)).content_string for n in names)
