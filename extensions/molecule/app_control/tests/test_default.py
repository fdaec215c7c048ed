"""app_control: the maintenance flag exists (once), the report says stopped."""

from __future__ import annotations

import json
import os

import yaml

VARS = yaml.safe_load(open(os.environ["MOLECULE_SAASOPS_VARS"]))
APP = os.path.join(VARS["saasops_work"], "app_control")


def test_maintenance_flag_is_set(host):
    flag = host.file(os.path.join(APP, "maintenance.flag"))
    assert flag.is_file and flag.mode == 0o644
    assert flag.content_string == "maintenance by saasops.maintenance\n"


def test_report(host):
    report = json.loads(host.file(os.path.join(APP, "report.json")).content_string)
    assert report == {"state": "stopped", "kind": "maintenance_file", "apps": []}
