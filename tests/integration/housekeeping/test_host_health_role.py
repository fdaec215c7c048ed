"""The host_health role on this host: real mounts, /proc and a real directory tree."""

from __future__ import annotations

import os
import subprocess

from tests.support.housekeeping import run_role


def test_report_risks_check_mode_and_idempotence(tmp_path):
    app = tmp_path / "app"
    for name, size in (("uploads", 200_000), ("logs", 80_000)):
        (app / name).mkdir(parents=True)
        (app / name / "data").write_bytes(os.urandom(size))
    variables = dict(host_health_du_paths=[str(app)], host_health_top=1, host_health_mounts=["/"])
    res = run_role(tmp_path, "host_health", variables, facts=["host_health_report"])
    assert res.failed == 0 and res.changed == 0, res.output
    report = res.facts["host_health_report"]
    root = report["disks"][0]
    assert root["mount"] == "/"
    st = os.statvfs("/")
    assert root["size"] == st.f_blocks * st.f_frsize
    assert 0 <= root["free_percent"] <= 100
    assert report["memory"]["total"] > 0 and report["load"]["cpus"] == os.cpu_count()
    largest = report["largest"][0]
    assert [d["path"] for d in largest["dirs"]] == [str(app / "uploads")]
    du = subprocess.run(["du", "-s", "-B1", str(app / "uploads")], capture_output=True, text=True, check=True)
    assert largest["dirs"][0]["size"] == int(du.stdout.split()[0])

    check = run_role(tmp_path, "host_health", variables, check=True)
    assert check.failed == 0 and check.changed == 0, check.output

    # a threshold no disk can meet: reported, and fatal when asked
    strict = dict(variables, host_health_min_disk_free_percent=101, host_health_fail_on_risk=True)
    res = run_role(tmp_path, "host_health", strict)
    assert res.failed == 1
    assert "At risk: disk /:" in res.output and "below 101" in res.output
