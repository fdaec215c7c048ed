"""The pm2 role: check mode, start, idempotence (second run changed=0), health-gated restart."""

from __future__ import annotations

from tests.support.ansible import run_playbook
from tests.support.edge import recap, role_play
from tests.support.pm2 import PM2_BIN
from tests.support.services import free_port


def test_role_check_mode_idempotence_and_restart(tmp_path, pm2d):
    port = free_port()
    app = {"name": "shop", "script": pm2d.write_app("shop"), "env": {"APP_PORT": str(port)},
           "max_memory_restart": "150M", "health_url": "http://127.0.0.1:%d/health" % port}
    variables = {"pm2_apps": [app], "pm2_home": pm2d.home, "pm2_path": PM2_BIN, "pm2_min_uptime": 1}
    play = role_play(tmp_path, "pm2", variables)

    res = run_playbook(play, check=True)
    assert recap(res.stdout)["changed"] == 1 and recap(res.stdout)["failed"] == 0, res.stdout[-3000:]
    assert [p for p in pm2d.jlist() if p["name"] == "shop"] == []

    res = run_playbook(play)
    assert recap(res.stdout)["changed"] == 1 and recap(res.stdout)["failed"] == 0, res.stdout[-3000:]
    first = pm2d.proc("shop")
    assert first["pm2_env"]["status"] == "online"
    # the app's environment is not in the output (no_log on the task that carries it)
    assert "APP_PORT" not in res.stdout

    res = run_playbook(play)
    assert recap(res.stdout) == {"ok": recap(res.stdout)["ok"], "changed": 0, "failed": 0}, res.stdout[-3000:]
    assert pm2d.proc("shop")["pid"] == first["pid"]

    variables["pm2_state"] = "restarted"
    res = run_playbook(role_play(tmp_path, "pm2", variables))
    assert recap(res.stdout)["changed"] == 1 and recap(res.stdout)["failed"] == 0, res.stdout[-3000:]
    after = pm2d.proc("shop")
    assert after["pid"] != first["pid"] and after["pm2_env"]["status"] == "online"
    assert "shop online pid=%d" % after["pid"] in res.stdout
