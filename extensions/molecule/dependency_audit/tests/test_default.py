"""dependency_audit: is-number 6.0.0 is reported outdated; the app was not touched (lock file, no node_modules)."""

from __future__ import annotations

import json
import os

import yaml

VARS = yaml.safe_load(open(os.environ["MOLECULE_SAASOPS_VARS"]))
WORK = os.path.join(VARS["saasops_work"], "dependency_audit")


def test_outdated_reported(host):
    report = json.loads(host.file(os.path.join(WORK, "report.json")).content_string)
    assert int(report["outdated"]) == 1
    # the audit either counted or said why it could not: never a silent clean result
    assert report["vulnerabilities"] or any("audit" in r["what"] for r in report["at_risk"])


def test_app_untouched(host):
    lock = json.loads(host.file(os.path.join(WORK, "app", "package-lock.json")).content_string)
    assert lock["packages"]["node_modules/is-number"]["version"] == "6.0.0"
    assert not host.file(os.path.join(WORK, "app", "node_modules")).exists
