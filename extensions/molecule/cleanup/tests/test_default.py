"""cleanup: the old temp entries, logs and certificates are gone, the new ones and non-matching files stay."""

from __future__ import annotations

import os

import yaml

VARS = yaml.safe_load(open(os.environ["MOLECULE_SAASOPS_VARS"]))
APP = os.path.join(VARS["saasops_work"], "cleanup", "app")


def test_old_files_are_gone(host):
    for path in ("temp/old.part", "temp/upload-1", "logs/app.log.3", "uploads/certificates/2019.pdf"):
        assert not host.file(os.path.join(APP, path)).exists, path


def test_new_and_unmatched_files_stay(host):
    for path in ("temp/new.part", "logs/app.log", "logs/keep.txt", "uploads/certificates/2026.pdf"):
        assert host.file(os.path.join(APP, path)).is_file, path
