"""module_utils/compose.py with the runner replaced: argv, plans, the health gate, no container environment."""

from __future__ import annotations

import json

import pytest

from ansible_collections.saasops.maintenance.plugins.module_utils.common import MaintenanceError
from ansible_collections.saasops.maintenance.plugins.module_utils.compose import (
    Compose, ComposeService, HealthGate, compose_info, parse_started, summarize,
)
from tests.support.edge import FakeClock, FakeModule

STARTED = "2026-12-03T02:00:00.500000000Z"
T0 = parse_started(STARTED)


def entry(service, cid, running=True, status="running", restarts=0, health=None, started=STARTED, exit_code=0):
    state = {"Status": status, "Running": running, "Restarting": False, "ExitCode": exit_code, "StartedAt": started}
    if health:
        state["Health"] = {"Status": health}
    return {"Id": cid * 8, "Name": "/app_%s_1" % service, "State": state, "RestartCount": restarts,
            "Config": {"Labels": {"com.docker.compose.service": service}, "Env": ["SECRET_KEY=hunter2"]}}


class Project:
    """A fake project: `config --services`, `ps -a -q`, `docker inspect` answer from self.entries."""

    def __init__(self, services=("db", "web"), entries=()):
        self.services = list(services)
        self.entries = list(entries)
        self.module = FakeModule()
        self.module.on(lambda a: a[-2:] == ["config", "--services"], out="\n".join(self.services) + "\n")
        self.module.on(lambda a: a[-3:] == ["ps", "-a", "-q"], out="")
        self.module.on(lambda a: a[:2] == ["docker", "inspect"], out="[]")
        self.module.on(lambda a: "logs" in a, out="web | boom\nweb | Traceback\n")
        self.module.on(lambda a: True)  # up/start/stop/restart succeed
        self.module.run_command = self.answer(self.module.run_command)

    def answer(self, inner):
        def run(argv, **kw):
            if argv[-3:] == ["ps", "-a", "-q"]:
                self.module.calls.append({"argv": list(argv)})
                return 0, "\n".join(e["Id"] for e in self.entries) + "\n", ""
            if argv[:2] == ["docker", "inspect"]:
                self.module.calls.append({"argv": list(argv)})
                return 0, json.dumps([e for e in self.entries if e["Id"] in argv]), ""
            return inner(argv, **kw)
        return run


def make(project, clock=None):
    clock = clock or FakeClock(T0 + 100)
    return Compose(project.module, ["docker-compose"], ["/srv/app/docker-compose.yml"], "app", None,
                   clock=clock, sleep=clock.sleep)


PARAMS = dict(services=[], state="started", health_url=None, health_timeout=10, min_uptime=2,
              health_http_timeout=5, validate_certs=True, log_lines=30)


def test_parse_started_and_summary_without_environment():
    assert parse_started("0001-01-01T00:00:00Z") is None
    assert parse_started("2026-12-03T03:00:00.5+01:00") == T0
    info = summarize(entry("web", "a"), T0 + 10)
    assert info["service"] == "web" and info["container"] == "app_web_1" and info["uptime"] == 10.0
    assert "hunter2" not in json.dumps(info)


def test_info_groups_containers_by_service_and_addresses_the_project():
    project = Project(entries=[entry("db", "a"), entry("web", "b", running=False, status="exited", exit_code=1)])
    out = compose_info(make(project))
    assert out["running"] == ["db"] and out["not_running"] == ["web"]
    assert project.module.argvs()[0][:5] == ["docker-compose", "-p", "app", "-f", "/srv/app/docker-compose.yml"]


def test_plan_started_is_idempotent_restarted_always_acts():
    project = Project(services=("db", "web", "worker"),
                      entries=[entry("db", "a"), entry("web", "b", running=False, status="exited")])
    compose = make(project)
    plan = ComposeService(compose, dict(PARAMS), check_mode=True).run()
    assert plan["actions"] == {"web": "started", "worker": "created"} and plan["changed"] is True
    assert not [a for a in project.module.argvs() if "start" in a or "up" in a]  # check mode ran nothing
    restart = ComposeService(make(project), dict(PARAMS, state="restarted", services=["db"]), check_mode=True).run()
    assert restart["actions"] == {"db": "restarted"}
    stop = ComposeService(make(project), dict(PARAMS, state="stopped"), check_mode=True).run()
    assert stop["actions"] == {"db": "stopped"}


def test_gate_waits_for_healthy_and_min_uptime():
    clock = FakeClock(T0 + 0.5)
    project = Project(entries=[entry("web", "b", health="starting")])
    compose = make(project, clock)
    gate = HealthGate(compose, ["web"], timeout=10, min_uptime=2)
    original = clock.sleep

    def sleep(seconds):
        original(seconds)
        if clock.now > T0 + 1.5:
            project.entries = [entry("web", "b", health="healthy")]
    compose.sleep = sleep
    out = gate.wait()
    assert out["passed"] is True and clock.now >= T0 + 2


@pytest.mark.parametrize("change, why", [
    (dict(restarts=1), "restarted while waiting (restart count 0 -> 1)"),
    (dict(running=False, status="exited", exit_code=3), "exited with code 3"),
])
def test_gate_fails_fast_with_the_logs(change, why):
    clock = FakeClock(T0 + 0.5)
    project = Project(entries=[entry("web", "b")])
    compose = make(project, clock)

    def sleep(seconds):
        clock.now += seconds
        project.entries = [entry("web", "b", **change)]
    compose.sleep = sleep
    with pytest.raises(MaintenanceError) as err:
        HealthGate(compose, ["web"], timeout=30, min_uptime=5).wait()
    assert why in str(err.value) and "web | Traceback" in str(err.value)
    assert clock.now < T0 + 5  # did not wait for the timeout


def test_gate_times_out_naming_the_health_url():
    project = Project(entries=[entry("web", "b")])
    compose = make(project)
    gate = HealthGate(compose, ["web"], timeout=3, min_uptime=0, health_url="http://127.0.0.1:9/health",
                      probe=lambda url, **kw: {"url": url, "status": 503})
    with pytest.raises(MaintenanceError, match=r"not healthy after 3s: health URL http://127.0.0.1:9/health answered 503"):
        gate.wait()


def test_unknown_service_names_the_declared_ones():
    with pytest.raises(MaintenanceError, match=r"no service wbe \(it has: db, web\)"):
        make(Project()).services(["wbe"])
