"""schedule: the cron lines and timers of the four runs."""

from __future__ import annotations

import os

import yaml

VARS = yaml.safe_load(open(os.environ["MOLECULE_SAASOPS_VARS"]))
BASE = os.path.join(VARS["saasops_work"], "schedule")


def test_cron_files(host):
    daily = host.file(os.path.join(BASE, "cron.d", "saasops-daily"))
    assert daily.mode == 0o644 and daily.user == "root"
    assert "\n0 2 * * * root cd /opt/saasops && " in daily.content_string
    quarterly = host.file(os.path.join(BASE, "cron.d", "saasops-quarterly-drill")).content_string
    assert "\n0 5 1 1,4,7,10 * root " in quarterly and "playbooks/quarterly.yml" in quarterly
    assert host.file(os.path.join(BASE, "log")).mode == 0o750
