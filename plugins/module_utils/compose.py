# -*- coding: utf-8 -*-
# Copyright: (c) 2026, saasops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""docker-compose services: their state, start/stop/restart, a health gate after (re)starts.

The runbooks' ``docker-compose ps`` / ``restart web`` / ``logs web``. The project is
addressed the way the operator does (compose program, ``-f`` files, ``-p`` name);
containers are found with ``ps -a -q`` and read with ``docker inspect`` (their
compose labels name the service), which works the same with docker-compose 1.x and
``docker compose`` 2.x. Results carry no container environment (``inspect`` has it:
only whitelisted fields leave here).
"""

from __future__ import annotations

import json
import re
import time
from datetime import datetime, timezone

from ansible_collections.saasops.maintenance.plugins.module_utils.common import MaintenanceError
from ansible_collections.saasops.maintenance.plugins.module_utils.endpoints import UrlGate
from ansible_collections.saasops.maintenance.plugins.module_utils.runner import Runner, first_error, tail

__metaclass__ = type

SERVICE_LABEL = "com.docker.compose.service"
_TS_RE = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)?$")


def parse_started(text):
    """Docker's StartedAt (RFC 3339 with nanoseconds) as epoch seconds; None for the zero time."""
    match = _TS_RE.match(text or "")
    if not match or text.startswith("0001-"):
        return None
    base = datetime.strptime(match.group(1), "%Y-%m-%dT%H:%M:%S")
    zone = match.group(3) or "Z"
    offset = 0
    if zone != "Z":
        sign = -1 if zone[0] == "-" else 1
        offset = sign * (int(zone[1:3]) * 3600 + int(zone[4:6]) * 60)
    frac = float("0" + match.group(2)[:7]) if match.group(2) else 0.0
    return base.replace(tzinfo=timezone.utc).timestamp() - offset + frac


def summarize(entry, now):
    """The safe fields of one ``docker inspect`` entry."""
    state = entry.get("State") or {}
    health = (state.get("Health") or {}).get("Status")
    started = parse_started(state.get("StartedAt"))
    running = bool(state.get("Running"))
    return {
        "service": ((entry.get("Config") or {}).get("Labels") or {}).get(SERVICE_LABEL, ""),
        "container": (entry.get("Name") or "").lstrip("/"),
        "id": (entry.get("Id") or "")[:12],
        "status": state.get("Status") or "unknown",
        "running": running and not state.get("Restarting"),
        "health": health,
        "exit_code": state.get("ExitCode"),
        "restart_count": entry.get("RestartCount", 0),
        "started_at": state.get("StartedAt"),
        "uptime": round(now - started, 1) if running and started else 0,
    }


def service_state(containers):
    if not containers:
        return "absent"
    running = [c for c in containers if c["running"]]
    if len(running) == len(containers):
        return "running"
    return "stopped" if not running else "partial"


class Compose:
    """One compose project: its compose program and files, and the docker program to inspect containers."""

    def __init__(self, module, command=None, files=None, project_name=None, project_dir=None, docker=None,
                 runner=None, clock=None, sleep=None):
        self.command = list(command or ["docker-compose"])
        self.files = list(files or [])
        self.project_name = project_name
        self.project_dir = project_dir
        self.docker = list(docker or ["docker"])
        self.runner = runner or Runner(module)
        self.clock = clock or time.time
        self.sleep = sleep or time.sleep
        self.commands = []
        self._declared = None

    def argv(self, *args):
        argv = list(self.command)
        if self.project_name:
            argv += ["-p", self.project_name]
        for path in self.files:
            argv += ["-f", path]
        if self.project_dir:
            argv += ["--project-directory", self.project_dir]
        return argv + [str(a) for a in args]

    def run(self, *args, check=True):
        argv = self.argv(*args)
        self.commands.append(argv)
        result = self.runner.run(argv, check=False)
        if result.rc != 0 and check:
            what = " ".join(self.command + list(args[:1]))
            why = first_error(result.err) or tail(result.out, 3) or "no output"
            raise MaintenanceError("%s failed (rc=%s): %s" % (what, result.rc, why),
                                   rc=result.rc, stderr=tail(result.err), cmd=argv)
        return result

    def declared(self):
        """The services of the compose files (read once: they do not change while a module runs)."""
        if self._declared is None:
            self._declared = [s for s in self.run("config", "--services").out.split() if s]
        return self._declared

    def containers(self):
        ids = [i for i in self.run("ps", "-a", "-q").out.split() if i]
        if not ids:
            return []
        res = self.runner.run(self.docker + ["inspect"] + ids, check=False)
        if res.rc != 0:
            raise MaintenanceError("docker inspect failed (rc=%s): %s" % (res.rc, first_error(res.err) or "no output"),
                                   rc=res.rc, stderr=tail(res.err))
        try:
            entries = json.loads(res.out)
        except ValueError:
            raise MaintenanceError("docker inspect printed no JSON: %s" % tail(res.out, 3))
        now = self.clock()
        return sorted((summarize(e, now) for e in entries), key=lambda c: (c["service"], c["container"]))

    def services(self, wanted=None):
        """{service: [containers]} for the wanted services (all declared ones by default)."""
        declared = self.declared()
        names = list(wanted or declared)
        unknown = [n for n in names if n not in declared]
        if unknown:
            raise MaintenanceError("the compose project has no service %s (it has: %s)"
                                   % (", ".join(unknown), ", ".join(declared) or "none"))
        by_service = dict((n, []) for n in names)
        for container in self.containers():
            if container["service"] in by_service:
                by_service[container["service"]].append(container)
        return by_service

    def logs(self, service, lines=30):
        res = self.run("logs", "--no-color", "--tail", str(lines), service, check=False)
        return tail(res.out, lines).splitlines()


def describe(by_service):
    return [dict(name=name, state=service_state(conts), containers=conts) for name, conts in sorted(by_service.items())]


class HealthGate(UrlGate):
    """Wait until every container of the services runs, is healthy (when it has a healthcheck), has stayed up
    for min_uptime without a restart, and the health URL answers 2xx."""

    def __init__(self, compose, services, **settings):
        settings.setdefault("min_uptime", 2)
        settings.setdefault("log_lines", 30)
        UrlGate.__init__(self, **settings)
        self.compose = compose
        self.names = list(services)

    def wait(self):
        start = self.compose.clock()
        deadline = start + self.timeout
        baseline = None
        http = None
        while True:
            by_service = self.compose.services(self.names)
            conts = [c for n in self.names for c in by_service[n]]
            counts = dict((c["id"], c["restart_count"]) for c in conts)
            if baseline is None:
                baseline = counts
            missing = [n for n in self.names if not by_service[n]]
            crashed = [c for c in conts if c["restart_count"] > baseline.get(c["id"], c["restart_count"])]
            exited = [c for c in conts if c["status"] in ("exited", "dead")]
            if missing:
                self.fail(missing[0], "it has no container", by_service)
            if crashed:
                self.fail(crashed[0]["service"], "container %s restarted while waiting (restart count %s -> %s)"
                          % (crashed[0]["container"], baseline[crashed[0]["id"]], crashed[0]["restart_count"]),
                          by_service)
            if exited:
                self.fail(exited[0]["service"], "container %s exited with code %s"
                          % (exited[0]["container"], exited[0]["exit_code"]), by_service)
            problem = None
            for cont in conts:
                if not cont["running"]:
                    problem = (cont["service"], "container %s is %s" % (cont["container"], cont["status"]))
                elif cont["health"] not in (None, "healthy"):
                    problem = (cont["service"], "container %s healthcheck is %s" % (cont["container"], cont["health"]))
                elif cont["uptime"] < self.min_uptime:
                    problem = (cont["service"], "container %s uptime %ss is below %ss"
                               % (cont["container"], cont["uptime"], self.min_uptime))
                if problem:
                    break
            if problem is None:
                ok, http, why = self.probe_url() if self.health_url else (True, None, None)
                if ok:
                    return self.passed(self.compose.clock() - start, http,
                                       restart_counts=[c["restart_count"] for c in conts])
                problem = (self.names[0], why)
            if self.compose.clock() >= deadline:
                self.fail(problem[0], "not healthy after %ss: %s" % (self.timeout, problem[1]), by_service, http)
            self.compose.sleep(self.interval)

    def fail(self, service, why, by_service, http=None):
        logs = self.compose.logs(service, self.log_lines)
        msg = "compose service %s failed the health gate: %s" % (service, why)
        msg += (". Last log lines:\n" + "\n".join(logs)) if logs else " (no log lines)"
        details = {"services": describe(by_service), "logs": logs}
        if http:
            details["health"] = dict((k, http.get(k)) for k in ("url", "status", "error", "latency_ms"))
        raise MaintenanceError(msg, **details)


class ComposeService:
    """Bring services of a compose project to a state (module ``compose_service``)."""

    def __init__(self, compose, params, check_mode=False, gate_factory=HealthGate):
        self.compose = compose
        self.p = params
        self.check_mode = check_mode
        self.gate_factory = gate_factory

    def plan(self, by_service):
        state = self.p["state"]
        actions = {}
        for name, conts in by_service.items():
            current = service_state(conts)
            if state == "restarted":
                actions[name] = "restarted" if conts else "created"
            elif state == "started" and current != "running":
                actions[name] = "created" if current == "absent" else "started"
            elif state == "stopped" and any(c["running"] for c in conts):
                actions[name] = "stopped"
        return actions

    def run(self):
        before = self.compose.services(self.p.get("services"))
        actions = self.plan(before)
        described_before = describe(before)
        result = {"changed": bool(actions), "actions": actions, "services_before": described_before}
        if not self.check_mode:
            for verb, compose_args in (("created", ("up", "-d", "--no-recreate")), ("started", ("start",)),
                                       ("restarted", ("restart",)), ("stopped", ("stop",))):
                names = sorted(n for n, a in actions.items() if a == verb)
                if names:
                    self.compose.run(*(compose_args + tuple(names)))
            gated = sorted(n for n, a in actions.items() if a != "stopped")
            if gated:
                gate = self.gate_factory(self.compose, gated, timeout=self.p["health_timeout"],
                                         min_uptime=self.p["min_uptime"], health_url=self.p.get("health_url"),
                                         http_timeout=self.p["health_http_timeout"],
                                         validate_certs=self.p["validate_certs"], log_lines=self.p["log_lines"])
                result["health"] = gate.wait()
            described_after = describe(self.compose.services(self.p.get("services")))
        else:
            described_after = described_before
        result["services"] = described_after
        result["commands"] = self.compose.commands
        result["diff"] = {"before": dict((s["name"], s["state"]) for s in described_before),
                          "after": dict((s["name"], s["state"]) for s in described_after)}
        return result


def compose_info(compose, services=None, log_lines=0):
    by_service = compose.services(services)
    described = describe(by_service)
    if log_lines:
        for item in described:
            item["logs"] = compose.logs(item["name"], log_lines)
    return {
        "changed": False,
        "services": described,
        "running": [s["name"] for s in described if s["state"] == "running"],
        "not_running": [s["name"] for s in described if s["state"] != "running"],
        "unhealthy": sorted(set(c["service"] for s in described for c in s["containers"]
                                if c["health"] not in (None, "healthy"))),
        "restarts": sum(c["restart_count"] for s in described for c in s["containers"]),
    }


COMPOSE_ARGS = dict(
    files=dict(type="list", elements="path", default=[]),
    project_name=dict(type="str"),
    project_dir=dict(type="path"),
    compose_command=dict(type="list", elements="str", default=["docker-compose"]),
    docker_command=dict(type="list", elements="str", default=["docker"]),
)


def compose_from_params(module):
    p = module.params
    return Compose(module, p["compose_command"], p["files"], p["project_name"], p["project_dir"], p["docker_command"])
