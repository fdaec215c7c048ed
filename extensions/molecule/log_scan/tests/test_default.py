"""log_scan: the first scan counted the real lines; the idempotence run found nothing new."""

from __future__ import annotations

import json
import os

import yaml

VARS = yaml.safe_load(open(os.environ["MOLECULE_SAASOPS_VARS"]))
WORK = os.path.join(VARS["saasops_work"], "log_scan")


def test_first_scan_counts(host):
    report = json.loads(host.file(os.path.join(WORK, "report.json")).content_string)
    assert report["counts"]["error"] == 2
    assert report["counts"]["http_5xx"] == 1 and report["counts"]["http_4xx"] == 1


def test_state_remembers_the_offsets(host):
    state = json.loads(host.file(os.path.join(WORK, "state.json")).content_string)
    assert str(os.path.getsize(os.path.join(WORK, "app.log"))) in json.dumps(state)
