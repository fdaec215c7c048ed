"""disaster_recovery playbook: the backed-up rows are back, the damaged database is kept, a safety backup was taken,
the app is out of maintenance mode and the check run restored nothing more (dr_checks.py)."""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from dr_checks import check_damaged_database_kept_once, check_rows_are_back, check_safety_backup_and_app_back  # noqa: E402


def test_rows_are_back(host):
    check_rows_are_back(host)


def test_damaged_database_kept_once(host):
    check_damaged_database_kept_once(host)


def test_safety_backup_and_app_back(host):
    check_safety_backup_and_app_back(host)
