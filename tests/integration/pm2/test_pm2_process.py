"""pm2_process and pm2_info against a real PM2 7 daemon (private PM2_HOME)."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import urllib.request

from tests.support.ansible import run_module
from tests.support.pm2 import PM2_BIN, Pm2Daemon
from tests.support.services import free_port

SECRET = "sk_live_never_returned_42"


def pm2_module(pm2d, module="saasops.maintenance.pm2_process", check=False, **args):
    args.setdefault("pm2_home", pm2d.home)
    args.setdefault("pm2_path", PM2_BIN)
    res, _play = run_module(module, args, check=check)
    return res


def health(port):
    with urllib.request.urlopen("http://127.0.0.1:%d/health" % port, timeout=5) as resp:
        return resp.status, json.loads(resp.read())


def test_start_restart_health_gated_and_idempotent(pm2d):
    port = free_port()
    script = pm2d.write_app("web")
    env = {"APP_PORT": str(port), "STRIPE_SECRET_KEY": SECRET}
    url = "http://127.0.0.1:%d/health" % port

    res = pm2_module(pm2d, name="web", script=script, env=env, max_memory_restart="200M",
                     health_url=url, min_uptime=1)
    assert res.get("failed") is not True, res.get("msg")
    assert res["changed"] is True and res["action"] == "started"
    assert res["health"]["passed"] is True and res["health"]["status_code"] == 200
    first = pm2d.proc("web")
    assert first["pm2_env"]["status"] == "online"
    assert first["pm2_env"]["max_memory_restart"] == 200 * 1024 * 1024
    assert res["pids"] == [first["pid"]]
    assert health(port) == (200, {"status": "healthy", "pid": first["pid"]})

    # idempotent: an online app with the same limit is left alone
    again = pm2_module(pm2d, name="web", script=script, env=env, max_memory_restart="200M")
    assert again["changed"] is False and again["action"] == "none"
    assert pm2d.proc("web")["pid"] == first["pid"]

    # check mode: would restart, does not
    check = pm2_module(pm2d, check=True, name="web", state="restarted")
    assert check["changed"] is True and check["action"] == "restarted"
    assert pm2d.proc("web")["pid"] == first["pid"]

    # restart: a new pid, online, serving, with a moved restart count
    res = pm2_module(pm2d, name="web", state="restarted", health_url=url, min_uptime=1)
    assert res.get("failed") is not True, res.get("msg")
    assert res["changed"] is True and res["pids_before"] == [first["pid"]]
    after = pm2d.proc("web")
    assert after["pid"] != first["pid"] and res["pids"] == [after["pid"]]
    assert after["pm2_env"]["status"] == "online"
    assert after["pm2_env"]["restart_time"] == first["pm2_env"]["restart_time"] + 1
    assert health(port) == (200, {"status": "healthy", "pid": after["pid"]})
    # never the environment, not even the app's secret
    assert SECRET not in json.dumps(res)

    # pm2_info: the fields, and no environment either
    info = pm2_module(pm2d, module="saasops.maintenance.pm2_info", name="web")
    assert info["changed"] is False and info["total"] == 1 and info["online"] == 1
    proc = info["processes"][0]
    assert proc["pid"] == after["pid"] and proc["status"] == "online"
    assert proc["restarts"] == after["pm2_env"]["restart_time"]
    assert proc["memory"] > 1024 * 1024 and proc["uptime"] >= 1
    assert proc["max_memory_restart"] == 200 * 1024 * 1024
    assert SECRET not in json.dumps(info) and "env" not in proc

    # reload (fork mode: a restart) is gated too
    res = pm2_module(pm2d, name="web", state="reloaded", health_url=url, min_uptime=1)
    assert res.get("failed") is not True, res.get("msg")
    assert pm2d.proc("web")["pid"] not in (after["pid"], None)


def test_crash_loop_fails_the_health_gate_with_error_lines(pm2d):
    port = free_port()
    script = pm2d.write_app("worker")
    res = pm2_module(pm2d, name="worker", script=script, env={"APP_PORT": str(port)}, min_uptime=1)
    assert res.get("failed") is not True, res.get("msg")
    # a bad deploy: the new environment makes the app exit at once, PM2 restarts it in a loop
    res = pm2_module(pm2d, name="worker", state="restarted", update_env=True, min_uptime=2, health_timeout=30,
                     env={"APP_PORT": str(port), "APP_BROKEN": "1"}, health_url="http://127.0.0.1:%d/health" % port)
    assert res.get("failed") is True
    assert "worker failed the health gate" in res["msg"]
    assert "FATAL: cannot connect to database at db.internal:5432" in res["msg"]
    assert any("FATAL: cannot connect" in line for line in res["error_log"])
    proc = pm2d.proc("worker")
    assert proc["pm2_env"]["restart_time"] >= 2


def test_ecosystem_stop_flush_delete_and_errors(pm2d):
    port = free_port()
    ecosystem = os.path.join(pm2d.apps, "ecosystem.json")
    with open(ecosystem, "w") as handle:
        json.dump({"apps": [{"name": "jobs", "script": pm2d.write_app("jobs"), "env": {"APP_PORT": str(port)},
                             "env_production": {"APP_PORT": str(port), "NODE_ENV": "production"}},
                            {"name": "other", "script": pm2d.write_app("other")}]}, handle)
    res = pm2_module(pm2d, name="jobs", ecosystem=ecosystem, ecosystem_env="production", min_uptime=1,
                     health_url="http://127.0.0.1:%d/health" % port)
    assert res.get("failed") is not True, res.get("msg")
    assert res["action"] == "started" and res["health"]["status_code"] == 200
    assert [p["name"] for p in pm2d.jlist() if p["name"] in ("jobs", "other")] == ["jobs"]
    assert pm2d.proc("jobs")["pm2_env"]["env"]["NODE_ENV"] == "production"
    out_log = pm2d.proc("jobs")["pm2_env"]["pm_out_log_path"]

    res = pm2_module(pm2d, name="jobs", state="stopped", flush_logs=True)
    assert res["changed"] is True and res["action"] == "stopped" and res["flushed_logs"] is True
    assert pm2d.proc("jobs")["pm2_env"]["status"] == "stopped"
    with open(out_log) as handle:
        assert handle.read() == ""
    res = pm2_module(pm2d, name="jobs", state="stopped", flush_logs=True)
    assert res["changed"] is False and res["flushed_logs"] is False

    res = pm2_module(pm2d, name="jobs", state="absent")
    assert res["changed"] is True and res["action"] == "deleted"
    assert [p for p in pm2d.jlist() if p["name"] == "jobs"] == []
    assert pm2_module(pm2d, name="jobs", state="absent")["changed"] is False

    res = pm2_module(pm2d, name="nosuch", state="restarted")
    assert res.get("failed") is True and "has no app named nosuch" in res["msg"]
    res = pm2_module(pm2d, module="saasops.maintenance.pm2_info", name="nosuch")
    assert res.get("failed") is True and "has no app named nosuch" in res["msg"]
    res = pm2_module(pm2d, name="web", pm2_path="/nonexistent/pm2")
    assert res.get("failed") is True and "pm2 not found at /nonexistent/pm2" in res["msg"]


def test_app_of_another_user_runs_as_that_user():
    """user=nobody: every pm2 call goes through runuser, the daemon and the app run as nobody."""
    daemon = Pm2Daemon()
    try:
        os.chmod(daemon.base, 0o755)
        os.chmod(daemon.apps, 0o755)
        os.makedirs(daemon.home)
        shutil.chown(daemon.home, "nobody", "nogroup")
        port = free_port()
        script = daemon.write_app("solo")
        os.chmod(script, 0o644)
        res = pm2_module(daemon, name="solo", user="nobody", script=script, env={"APP_PORT": str(port)},
                         min_uptime=1, health_url="http://127.0.0.1:%d/health" % port)
        assert res.get("failed") is not True, res.get("msg")
        assert res["commands"][0][:4] == ["runuser", "-u", "nobody", "--"]
        (pid,) = res["pids"]
        assert os.stat("/proc/%d" % pid).st_uid == pwd.getpwnam("nobody").pw_uid
        assert os.stat("/proc/%d" % daemon.daemon_pid()).st_uid == pwd.getpwnam("nobody").pw_uid
        assert health(port)[1]["pid"] == pid
    finally:
        daemon.stop()
