"""quarterly: one restore drill of the backup (the check run recorded none), and the run's report."""

from __future__ import annotations

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from pg_helpers import WORK, reports_of  # noqa: E402


def test_one_drill(host):
    drills = os.path.join(WORK, "quarterly", "drills")
    names = host.file(drills).listdir()
    assert len(names) == 1, names
    assert "777" in host.file(os.path.join(drills, names[0])).content_string


def test_report(host):
    report = reports_of(host, "/quarterly/store")[0]
    assert report["result"] == "ok"
    assert "restore_drill" in json.dumps(report["hosts"]["instance"]["figures"])
