"""run_step / run_finish: the failed step is recorded with its cause, the other step ran, the report says both."""

from __future__ import annotations

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from pg_helpers import WORK, reports_of  # noqa: E402


def test_failure_recorded_with_its_cause(host):
    failed = json.loads(host.file(os.path.join(WORK, "run_step", "failed.json")).content_string)
    assert [f["step"] for f in failed] == ["molecule_backup"]
    assert 'database "molecule_no_such_db" does not exist' in failed[0]["msg"]


def test_report_has_both_steps(host):
    report = reports_of(host, "molecule_no_such_db")[-1]
    figures = report["hosts"]["instance"]["figures"]
    assert figures["molecule_backup"]["failed"] is True
    assert figures["host_health"]["disks"]
    assert any(r["area"] == "molecule_backup" for r in report["at_risk"])
    # no backup was presented as complete
    store = os.path.join(WORK, "run_step", "store")
    assert not [n for n in (host.file(store).listdir() if host.file(store).exists else []) if n.startswith("molecule_")]
