"""host_health: the report holds this machine's real disk, memory and load figures."""

from __future__ import annotations

import json
import os

import yaml

VARS = yaml.safe_load(open(os.environ["MOLECULE_SAASOPS_VARS"]))


def test_report_matches_the_machine(host):
    report = json.loads(host.file(os.path.join(VARS["saasops_work"], "host_health.json")).content_string)
    root = [d for d in report["disks"] if d["mount"] == "/"]
    assert root and 0 < root[0]["free_percent"] < 100
    stat = os.statvfs("/")
    # df's Use%: available over what non-root users can have (used + available)
    assert abs(root[0]["free_percent"] - 100.0 * stat.f_bavail / (stat.f_blocks - stat.f_bfree + stat.f_bavail)) < 2
    meminfo = dict(line.split(":", 1) for line in host.file("/proc/meminfo").content_string.splitlines())
    assert report["memory"]["total"] == int(meminfo["MemTotal"].split()[0]) * 1024
    assert report["load"]["cpus"] == os.cpu_count()
    assert report["largest"][0]["path"] == VARS["saasops_work"] and report["largest"][0]["size"] > 0
