"""The schedule role: cron files and systemd timers in directories of the test, idempotent, check mode."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

from tests.support.ansible import run_playbook

PLAY = """
- hosts: localhost
  gather_facts: false
  roles:
    - role: saasops.maintenance.schedule
"""


def play(tmp_path, check=False, **extra):
    playbook = tmp_path / "site.yml"
    playbook.write_text(PLAY)
    extra.setdefault("schedule_cron_dir", str(tmp_path / "cron.d"))
    extra.setdefault("schedule_systemd_dir", str(tmp_path / "units"))
    extra.setdefault("schedule_log_dir", str(tmp_path / "log"))
    extra.setdefault("schedule_project_dir", "/opt/saasops")
    res = run_playbook(str(playbook), extra_vars=extra, check=check)
    assert res.rc == 0, res.stdout[-4000:] + res.stderr[-2000:]
    recap = re.search(r"localhost\s*:\s*ok=(\d+)\s+changed=(\d+)", res.stdout)
    return int(recap.group(2))


def cron_lines(path):
    return [line for line in path.read_text().splitlines() if line and not line.startswith("#")]


def test_cron_files(tmp_path):
    assert play(tmp_path) > 0
    cron = tmp_path / "cron.d"
    assert sorted(os.listdir(cron)) == ["saasops-daily", "saasops-monthly", "saasops-quarterly-drill", "saasops-weekly"]
    (daily,) = cron_lines(cron / "saasops-daily")
    assert daily.startswith("0 2 * * * root cd /opt/saasops && /usr/bin/ansible-playbook -i /opt/saasops/inventory "
                            "playbooks/daily.yml")
    assert daily.endswith(">> %s/daily.log 2>&1" % (tmp_path / "log"))
    assert cron_lines(cron / "saasops-weekly")[0].startswith("0 3 * * 0 root ")
    assert cron_lines(cron / "saasops-monthly")[0].startswith("0 4 1 * * root ")
    assert cron_lines(cron / "saasops-quarterly-drill")[0].startswith("0 5 1 1,4,7,10 * root ")
    assert "playbooks/quarterly.yml" in cron_lines(cron / "saasops-quarterly-drill")[0]
    assert oct(os.stat(tmp_path / "log").st_mode & 0o777) == "0o750"
    # a second run changes nothing
    assert play(tmp_path) == 0
    # check mode after a change of hour: reports the change, writes nothing
    before = (cron / "saasops-daily").read_text()
    runs = [{"name": "daily", "playbook": "daily", "hour": "1", "minute": "30", "extra_args": ["--limit", "db 1"]}]
    assert play(tmp_path, check=True, schedule_runs=runs) == 1
    assert (cron / "saasops-daily").read_text() == before
    assert play(tmp_path, schedule_runs=runs) == 1
    (daily,) = cron_lines(cron / "saasops-daily")
    assert daily.startswith("30 1 * * * root ") and "playbooks/daily.yml --limit 'db 1' >>" in daily
    # removal
    assert play(tmp_path, schedule_runs=runs, schedule_state="absent") >= 1
    assert not (cron / "saasops-daily").exists()


def test_systemd_timers(tmp_path):
    assert play(tmp_path, schedule_method="systemd") > 0
    units = tmp_path / "units"
    assert len(os.listdir(units)) == 8
    timers = {name: (units / name).read_text() for name in os.listdir(units) if name.endswith(".timer")}
    assert "OnCalendar=*-*-* 2:0:00\n" in timers["saasops-daily.timer"]
    assert "OnCalendar=Sun *-*-* 3:0:00\n" in timers["saasops-weekly.timer"]
    assert "OnCalendar=*-*-1 4:0:00\n" in timers["saasops-monthly.timer"]
    assert "OnCalendar=*-1,4,7,10-1 5:0:00\n" in timers["saasops-quarterly-drill.timer"]
    service = (units / "saasops-daily.service").read_text()
    assert "ExecStart=/usr/bin/ansible-playbook -i /opt/saasops/inventory playbooks/daily.yml\n" in service
    assert "WorkingDirectory=/opt/saasops\n" in service and "Type=oneshot\n" in service
    assert oct(os.stat(units / "saasops-daily.timer").st_mode & 0o777) == "0o644"
    assert play(tmp_path, schedule_method="systemd") == 0
    # systemd itself reads each OnCalendar expression (the role ran systemd-analyze verify too)
    if shutil.which("systemd-analyze"):
        for text in timers.values():
            line = next(x for x in text.splitlines() if x.startswith("OnCalendar="))
            proc = subprocess.run(["systemd-analyze", "calendar", line.split("=", 1)[1]], capture_output=True,
                                  text=True, check=False)
            assert proc.returncode == 0 and "Next elapse:" in proc.stdout, proc.stdout + proc.stderr
