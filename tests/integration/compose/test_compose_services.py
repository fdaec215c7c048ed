"""compose_info and compose_service against a real docker-compose 1.29 project (docker-compose ps / restart web)."""

from __future__ import annotations

import json

from tests.support.ansible import run_module, run_playbook


def project_args(compose):
    return dict(files=[compose.file], project_name=compose.name)


def engine_env(compose):
    return {"DOCKER_HOST": compose.engine.env()["DOCKER_HOST"]}


def by_name(result):
    return dict((s["name"], s) for s in result["services"])


def test_info_is_docker_compose_ps(compose):
    res, _play = run_module("saasops.maintenance.compose_info", dict(project_args(compose), log_lines=5), env=engine_env(compose))
    assert res.get("failed") is not True, res.get("msg")
    services = by_name(res)
    assert set(services) == {"db", "web", "worker"}
    assert services["db"]["state"] == "running" and services["worker"]["state"] == "absent"
    assert services["db"]["containers"][0]["container"] == "saasops7_db_1"
    assert res["running"] == ["db", "web"] and res["not_running"] == ["worker"]
    # the environment of the container (POSTGRES_PASSWORD) never leaves the module
    assert "c0mpose-S3cret" not in json.dumps(res)


def test_restart_web_is_health_gated_and_started_is_idempotent(compose):
    before, _play = run_module("saasops.maintenance.compose_info", dict(project_args(compose), services=["web"]),
                               env=engine_env(compose))
    old_start = before["services"][0]["containers"][0]["started_at"]
    res, _play = run_module("saasops.maintenance.compose_service",
                            dict(project_args(compose), services=["web"], state="restarted", health_url=compose.health_url,
                                 min_uptime=1, health_timeout=60), env=engine_env(compose))
    assert res.get("failed") is not True, res.get("msg")
    assert res["changed"] is True and res["actions"] == {"web": "restarted"}
    assert res["health"]["passed"] is True and res["health"]["status_code"] == 200
    web = res["services"][0]["containers"][0]
    assert web["running"] and web["health"] == "healthy" and web["started_at"] != old_start
    assert ["restart", "web"] in [c[-2:] for c in res["commands"]]
    # a running service: started changes nothing (check mode and for real)
    for check in (True, False):
        again, _play = run_module("saasops.maintenance.compose_service",
                                  dict(project_args(compose), services=["web", "db"], state="started"),
                                  check=check, env=engine_env(compose))
        assert again.get("failed") is not True, again.get("msg")
        assert again["changed"] is False and again["actions"] == {}


def test_stop_then_start_web(compose):
    stopped, _play = run_module("saasops.maintenance.compose_service",
                                dict(project_args(compose), services=["web"], state="stopped"), env=engine_env(compose))
    assert stopped["changed"] is True and by_name(stopped)["web"]["state"] == "stopped"
    checked, _play = run_module("saasops.maintenance.compose_service",
                                dict(project_args(compose), services=["web"], state="started"), check=True,
                                env=engine_env(compose))
    assert checked["changed"] is True and checked["actions"] == {"web": "started"}
    assert by_name(checked)["web"]["state"] == "stopped"  # check mode started nothing
    started, _play = run_module("saasops.maintenance.compose_service",
                                dict(project_args(compose), services=["web"], state="started", health_url=compose.health_url,
                                     min_uptime=1), env=engine_env(compose))
    assert started.get("failed") is not True, started.get("msg")
    assert started["actions"] == {"web": "started"} and started["health"]["status_code"] == 200


def test_crashing_service_fails_the_gate_with_its_logs(compose):
    res, _play = run_module("saasops.maintenance.compose_service",
                            dict(project_args(compose), services=["worker"], state="started", min_uptime=3,
                                 health_timeout=30), env=engine_env(compose))
    assert res["failed"] is True
    assert "compose service worker failed the health gate" in res["msg"]
    assert "exited with code 3" in res["msg"]
    assert any("worker lost its queue" in line for line in res["logs"])


def test_unknown_service_is_one_clear_error(compose):
    res, _play = run_module("saasops.maintenance.compose_service",
                            dict(project_args(compose), services=["wbe"], state="restarted"), env=engine_env(compose))
    assert res["failed"] is True
    assert res["msg"].startswith("the compose project has no service wbe (it has: db, web, worker)")


def test_app_control_and_compose_services_roles(compose, tmp_path):
    """app_control (kind compose) stops and starts web; compose_services restarts it health-gated and reports."""
    play = tmp_path / "play.yml"
    play.write_text(json.dumps([{
        "hosts": "localhost", "gather_facts": False,
        "vars": {"app_control_kind": "compose", "app_control_compose_files": [compose.file],
                 "app_control_compose_project_name": compose.name,
                 "app_control_compose_health_url": compose.health_url, "app_control_pm2_min_uptime": 1,
                 "compose_services_files": [compose.file], "compose_services_project_name": compose.name,
                 "compose_services_restart": ["web"], "compose_services_health_url": compose.health_url,
                 "compose_services_min_uptime": 1},
        "tasks": [
            {"name": "stop", "ansible.builtin.include_role": {"name": "saasops.maintenance.app_control"},
             "vars": {"app_control_state": "stopped"}},
            {"name": "start", "ansible.builtin.include_role": {"name": "saasops.maintenance.app_control"},
             "vars": {"app_control_state": "started"}},
            {"name": "restart and report", "ansible.builtin.include_role": {"name": "saasops.maintenance.compose_services"}},
            {"name": "keep", "ansible.builtin.copy": {"content": "{{ compose_services_report | to_json }}",
                                                      "dest": str(tmp_path / "report.json"), "mode": "0600"}},
        ]}]))
    res = run_playbook(str(play), env=engine_env(compose))
    assert res.rc == 0, res.stdout[-3000:]
    assert "changed=4" in res.stdout  # stop, start, restart, the copy
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["services"]["web"] == "running" and report["services"]["db"] == "running"
    assert report["services"]["worker"] in ("stopped", "absent")
    assert any(item.startswith("compose service not running: worker") for item in report["at_risk"])
    if report["services"]["worker"] == "stopped":
        assert any("worker lost its queue" in line for line in report["logs"]["worker"])
