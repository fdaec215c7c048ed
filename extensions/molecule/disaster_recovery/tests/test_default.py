"""disaster_recovery (and disaster_recovery_playbook, whose test_default.py links here): the backed-up rows are
back, the damaged database is kept once, a safety backup was taken, the app is out of maintenance mode."""

from __future__ import annotations

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from pg_helpers import WORK, psql  # noqa: E402

DR = os.path.join(WORK, "disaster_recovery")


def test_rows_are_back(host):
    assert psql(host, "molecule_dr", "SELECT count(*), max(id) FROM customers") == "4321|4321"


def test_damaged_database_kept_once(host):
    kept = psql(host, "postgres", "SELECT string_agg(datname, ',') FROM pg_database WHERE datname LIKE 'molecule_dr_before_%'")
    assert kept and "," not in kept  # one recovery: converge; the check run made none
    assert psql(host, kept, "SELECT count(*) FROM customers") == "21"
    report = json.loads(host.file(os.path.join(DR, "report.json")).content_string)
    assert report["succeeded"] is True and report["previous_database"] == kept and report["rto_met"] is True


def test_safety_backup_and_app_back(host):
    safety = [n for n in host.file(os.path.join(DR, "safety")).listdir() if n.startswith("molecule_dr-")]
    assert len(safety) == 1
    assert not host.file(os.path.join(DR, "maintenance.flag")).exists
