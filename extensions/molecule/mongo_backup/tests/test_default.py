"""mongo_backup (and mongodb_backup_playbook, whose test_default.py links here): one verified archive (the check
run made none); the password was in no argv of the (fake) mongodump."""

from __future__ import annotations

import json
import os

import yaml

VARS = yaml.safe_load(open(os.environ["MOLECULE_SAASOPS_VARS"]))
STORE = os.path.join(VARS["saasops_work"], "mongo_backup")


def test_one_verified_backup(host):
    names = [n for n in host.file(STORE).listdir() if n.startswith("app-")]
    assert len(names) == 1, names
    manifest = json.loads(host.file(os.path.join(STORE, names[0], "manifest.json")).content_string)
    assert manifest["verified"] is True and manifest["kind"] == "mongodb"


def test_password_never_in_argv(host):
    calls = [json.loads(line) for line in host.file(VARS["saasops_mongo"]["log"]).content_string.splitlines()]
    dumps = [c for c in calls if c.get("tool") == "mongodump"]
    assert len(dumps) == 1
    assert "M0lecule-At1as" not in json.dumps(dumps[0].get("argv"))
