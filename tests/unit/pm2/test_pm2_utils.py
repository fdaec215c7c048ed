"""module_utils/pm2.py with the runner replaced: argv, PM2_HOME, plans, the health gate, no environment."""

from __future__ import annotations

import json
import os

import pytest

from ansible_collections.saasops.maintenance.plugins.module_utils.common import MaintenanceError
from ansible_collections.saasops.maintenance.plugins.module_utils.pm2 import (
    HealthGate, Pm2, Pm2Process, find_pm2, memory_bytes, parse_jlist, pm2_info, summarize,
)
from tests.support.edge import FakeClock, FakeModule

PM2 = "/opt/node/bin/pm2"
BANNER = "\n  -------------\n__/\\\\\\\\  Runtime Edition\n[PM2] Spawning PM2 daemon with pm2_home=/x\n"


def proc(name="web", pm_id=0, pid=4242, status="online", restarts=0, started=900.0, err_log=None):
    return {
        "name": name, "pm_id": pm_id, "pid": pid,
        "monit": {"memory": 50 * 1024 * 1024, "cpu": 1.5},
        "pm2_env": {"status": status, "restart_time": restarts, "unstable_restarts": 0,
                    "pm_uptime": started * 1000, "exec_mode": "fork_mode", "instances": 1,
                    "max_memory_restart": 200 * 1024 * 1024, "pm_exec_path": "/srv/app/index.js",
                    "pm_err_log_path": err_log, "pm_out_log_path": None,
                    "env": {"DATABASE_URL": "postgres://u:hunter2@db/app"}, "JWT_SECRET": "hunter2"},
    }


def make_pm2(module, clock=None, user=None, current="root", home="/srv/pm2home"):
    clock = clock or FakeClock()
    return Pm2(module, pm2_home=home, user=user, which=lambda path: PM2, current_user=current,
               clock=clock, sleep=clock.sleep)


def is_sub(name):
    return lambda argv: name in argv[:6] and argv[argv.index(PM2) + 1] == name


def test_parse_jlist_after_a_banner_and_summary_without_environment():
    data = parse_jlist(BANNER + json.dumps([proc()]) + "\n")
    summary = summarize(data[0], now=1000.0)
    assert summary["uptime"] == 100.0 and summary["restarts"] == 0 and summary["exec_mode"] == "fork"
    assert summary["memory"] == 50 * 1024 * 1024 and summary["cpu"] == 1.5
    assert "hunter2" not in json.dumps(summary) and "env" not in summary
    with pytest.raises(MaintenanceError, match="printed no process list"):
        parse_jlist("[PM2][ERROR] daemon not reachable")


def test_memory_bytes():
    assert memory_bytes("500M") == 500 * 1024 ** 2
    assert memory_bytes("1G") == 1024 ** 3
    assert memory_bytes(2048) == 2048
    with pytest.raises(MaintenanceError, match="not a size"):
        memory_bytes("lots")


def test_missing_pm2_is_a_clear_error(tmp_path):
    with pytest.raises(MaintenanceError, match="pm2 not found at /nope/pm2"):
        find_pm2("/nope/pm2")


def test_every_call_gets_pm2_home_and_runuser_for_another_user(tmp_path):
    (tmp_path / "pm2.pid").write_text(str(os.getpid()))
    module = FakeModule().on(is_sub("ping"), out="{ msg: 'pong' }").on(is_sub("jlist"), out=json.dumps([proc()]))
    pm2 = make_pm2(module, user="deploy", current="root", home=str(tmp_path))
    res = pm2_info(pm2, "web")
    assert res["total"] == 1 and res["processes"][0]["pid"] == 4242 and "hunter2" not in json.dumps(res)
    assert module.argvs()[0] == ["runuser", "-u", "deploy", "--", PM2, "ping"]
    assert all(call["env"]["PM2_HOME"] == str(tmp_path) for call in module.calls)
    assert all(call["env"]["LANG"] == "C" for call in module.calls)


def test_unknown_app_and_start_from_script():
    module = FakeModule().on(is_sub("ping")).on(is_sub("jlist"), out="[]")
    pm2 = make_pm2(module)
    with pytest.raises(MaintenanceError, match="has no app named api; give script or ecosystem"):
        Pm2Process(pm2, {"name": "api", "state": "restarted"}).run()

    started = []

    class Gate:
        def __init__(self, *args, **kw):
            started.append(kw)

        def wait(self):
            return {"passed": True}

    module.on(is_sub("start"))
    params = {"name": "api", "state": "started", "script": "/srv/api/index.js", "args": ["--port", "5000"],
              "cwd": "/srv/api", "max_memory_restart": "500M", "env": {"API_KEY": "k"}, "health_url": "http://x/h"}
    res = Pm2Process(pm2, params, gate_factory=Gate).run()
    start = [c for c in module.calls if c["argv"][1] == "start"][0]
    assert start["argv"] == [PM2, "start", "/srv/api/index.js", "--name", "api", "--cwd", "/srv/api",
                             "--max-memory-restart", "500M", "--", "--port", "5000"]
    assert start["env"]["API_KEY"] == "k"
    assert res["changed"] is True and res["action"] == "started" and started[0]["health_url"] == "http://x/h"


def test_started_online_app_is_left_alone_and_restart_flags():
    module = FakeModule().on(is_sub("ping")).on(is_sub("jlist"), out=json.dumps([proc()]))
    pm2 = make_pm2(module)
    res = Pm2Process(pm2, {"name": "web", "state": "started", "max_memory_restart": "200M"}).run()
    assert res["changed"] is False and res["action"] == "none"
    assert [a[1] for a in module.argvs()] == ["ping", "jlist", "jlist"]

    module.on(is_sub("restart"))
    res = Pm2Process(pm2, {"name": "web", "state": "started", "max_memory_restart": "300M"},
                     gate_factory=lambda *a, **k: type("G", (), {"wait": lambda self: {"passed": True}})()).run()
    assert res["action"] == "restarted"
    assert [PM2, "restart", "web", "--max-memory-restart", "300M"] in module.argvs()


def test_started_resumes_a_stopped_app_health_gated():
    module = FakeModule().on(is_sub("ping")).on(is_sub("jlist"), out=json.dumps([proc(status="stopped", pid=0)]))
    module.on(is_sub("restart"))
    gated = []

    class Gate:
        def __init__(self, *args, **kw):
            gated.append(args[1])

        def wait(self):
            return {"passed": True}

    res = Pm2Process(make_pm2(module), {"name": "web", "state": "started"}, gate_factory=Gate).run()
    assert res["action"] == "started" and res["changed"] is True and gated == ["web"]
    assert [PM2, "restart", "web"] in module.argvs()
    assert res["diff"] == {"before": {"status": ["stopped"]}, "after": {"status": ["online"]}}


def test_check_mode_without_daemon_starts_nothing(tmp_path):
    module = FakeModule()
    pm2 = make_pm2(module, home=str(tmp_path))
    with pytest.raises(MaintenanceError, match="no PM2 daemon runs for it"):
        pm2_info(pm2, "web")
    with pytest.raises(MaintenanceError, match="has no app named web"):
        Pm2Process(pm2, {"name": "web", "state": "stopped"}, check_mode=True).run()
    res = Pm2Process(pm2, {"name": "web", "state": "started", "script": "/a.js"}, check_mode=True).run()
    assert res["changed"] is True and res["action"] == "started"
    assert module.calls == []


class ScriptedPm2:
    """A Pm2 stand-in whose process list changes with each poll."""

    def __init__(self, lists, clock):
        self.lists = list(lists)
        self.clock = clock
        self.sleep = clock.sleep

    def summaries(self, name=None, spawn=True):
        entries = self.lists.pop(0) if len(self.lists) > 1 else self.lists[0]
        return [summarize(p, self.clock()) for p in entries]


def test_health_gate_fails_fast_on_a_crash_loop_with_error_lines(tmp_path):
    log = tmp_path / "web-error.log"
    log.write_text("booting\nError: connect ECONNREFUSED 10.0.0.5:5432\n    at TCPConnectWrap\n")
    clock = FakeClock()
    lists = [[proc(restarts=1, started=1000.0, err_log=str(log))],
             [proc(restarts=2, started=1000.4, err_log=str(log))]]
    gate = HealthGate(ScriptedPm2(lists, clock), "web", timeout=60, min_uptime=5)
    with pytest.raises(MaintenanceError) as err:
        gate.wait()
    assert "failed the health gate: it crashed and was restarted by PM2 1 time(s)" in str(err.value)
    assert "Error: connect ECONNREFUSED 10.0.0.5:5432" in str(err.value)
    assert err.value.details["error_log"][-1] == "    at TCPConnectWrap"


def test_health_gate_waits_for_uptime_and_a_2xx_health_url():
    clock = FakeClock()
    probes = []

    def probe(url, timeout, validate_certs):
        probes.append(url)
        return {"status": 503 if len(probes) == 1 else 200, "latency_ms": 3.0}

    gate = HealthGate(ScriptedPm2([[proc(restarts=3, started=1000.0)]], clock), "web", timeout=60, min_uptime=2,
                      health_url="http://127.0.0.1:5000/health", probe=probe, interval=0.5)
    res = gate.wait()
    assert res["passed"] is True and res["status_code"] == 200 and res["restarts"] == [3]
    assert len(probes) == 2 and res["waited"] == 2.5


def test_health_gate_times_out_with_the_reason():
    clock = FakeClock()
    gate = HealthGate(ScriptedPm2([[proc(status="launching", started=1000.0)]], clock), "web", timeout=3,
                      min_uptime=1)
    with pytest.raises(MaintenanceError, match="not healthy after 3s: status launching .*error log is empty"):
        gate.wait()
