"""weekly: one restore drill of the backup (the check run recorded none), the old temp file gone, the logrotate
configuration installed, and the run's report with every step."""

from __future__ import annotations

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from pg_helpers import WORK, reports_of  # noqa: E402


def test_one_drill(host):
    drills = os.path.join(WORK, "weekly", "drills")
    names = host.file(drills).listdir()
    assert len(names) == 1, names
    assert "777" in host.file(os.path.join(drills, names[0])).content_string


def test_report(host):
    report = reports_of(host, "/weekly/store")[0]
    assert report["result"] == "ok"
    assert "restore_drill" in json.dumps(report["hosts"]["instance"]["figures"])


def test_cleanup_and_logrotate(host):
    assert not host.file(os.path.join(WORK, "weekly", "app", "temp", "old.part")).exists
    assert host.file(os.path.join(WORK, "weekly", "app", "temp", "new.part")).is_file
    conf = host.file(os.path.join(WORK, "weekly", "logrotate.d", "app"))
    assert conf.is_file and os.path.join(WORK, "weekly", "app", "logs", "*.log") in conf.content_string
    report = reports_of(host, "/weekly/store")[0]
    assert {"restore_drill", "pg_health", "cleanup"} <= set(report["hosts"]["instance"]["figures"])
