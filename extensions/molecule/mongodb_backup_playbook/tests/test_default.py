"""mongodb_backup playbook: one verified archive (the check run made none); the password was in no argv (mongo_checks.py)."""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from mongo_checks import check_one_verified_backup, check_password_never_in_argv  # noqa: E402


def test_one_verified_backup(host):
    check_one_verified_backup(host)


def test_password_never_in_argv(host):
    check_password_never_in_argv(host)
