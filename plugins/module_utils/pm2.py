# -*- coding: utf-8 -*-
# Copyright: (c) 2026, saasops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PM2 process management: state changes, a health gate after (re)starts, a safe inventory.

Every ``pm2`` call gets ``PM2_HOME`` explicitly (never the caller's ``~/.pm2`` by
accident) and, when the app belongs to another user, runs through ``runuser``.
``pm2 jlist`` exposes the whole process environment (``pm2_env.env`` and copies
of every variable at the top of ``pm2_env``): only whitelisted fields leave here.
"""

from __future__ import annotations

import json
import os
import pwd
import re
import shutil
import time

from ansible_collections.saasops.maintenance.plugins.module_utils.common import MaintenanceError
from ansible_collections.saasops.maintenance.plugins.module_utils.endpoints import UrlGate
from ansible_collections.saasops.maintenance.plugins.module_utils.runner import Runner, first_error, tail

__metaclass__ = type

_UNITS = {"": 1, "B": 1, "K": 1024, "M": 1024 ** 2, "G": 1024 ** 3}


def memory_bytes(value):
    """``500M`` / ``1G`` / ``200K`` / ``123456`` -> bytes (PM2 counts in powers of 1024)."""
    if value is None:
        return None
    match = re.match(r"^\s*(\d+)\s*([KMGB]?)\s*$", str(value), re.I)
    if not match:
        raise MaintenanceError("max_memory_restart %r is not a size such as 500M, 1G or 200K" % (value,))
    return int(match.group(1)) * _UNITS[match.group(2).upper()]


def parse_jlist(text):
    """The JSON array of ``pm2 jlist``; a cold daemon may print a banner before it."""
    text = text or ""
    start = None
    for match in re.finditer(r"^\[\s*[{\]]", text, re.M):
        start = match.start()
        break
    if start is None:
        raise MaintenanceError("pm2 jlist printed no process list: %s" % (first_error(text) or tail(text, 3)))
    try:
        data = json.loads(text[start:])
    except ValueError as err:
        raise MaintenanceError("pm2 jlist printed invalid JSON: %s" % err)
    if not isinstance(data, list):
        raise MaintenanceError("pm2 jlist did not print a list")
    return data


def summarize(proc, now=None):
    """The public view of one ``pm2 jlist`` entry: never the environment."""
    now = time.time() if now is None else now
    env = proc.get("pm2_env") or {}
    monit = proc.get("monit") or {}
    status = env.get("status")
    started_ms = env.get("pm_uptime")
    uptime = 0.0
    if status == "online" and isinstance(started_ms, (int, float)):
        uptime = round(max(0.0, now - started_ms / 1000.0), 1)
    exec_mode = str(env.get("exec_mode") or "fork_mode").replace("_mode", "")
    return {
        "name": proc.get("name"),
        "pm_id": proc.get("pm_id"),
        "pid": proc.get("pid") or None,
        "status": status,
        "restarts": int(env.get("restart_time") or 0),
        "unstable_restarts": int(env.get("unstable_restarts") or 0),
        "uptime": uptime,
        "memory": int(monit.get("memory") or 0),
        "cpu": monit.get("cpu") or 0,
        "exec_mode": exec_mode,
        "instances": env.get("instances"),
        "max_memory_restart": env.get("max_memory_restart"),
        "script": env.get("pm_exec_path"),
        "cwd": env.get("pm_cwd"),
        "out_log": env.get("pm_out_log_path"),
        "err_log": env.get("pm_err_log_path"),
        "namespace": env.get("namespace"),
        "version": env.get("version"),
    }


def read_tail(path, lines=20):
    """Last lines of a (log) file, or [] when unreadable."""
    if not path:
        return []
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - 64 * 1024))
            text = handle.read().decode("utf-8", "replace")
    except OSError:
        return []
    return [line for line in text.splitlines() if line.strip()][-lines:]


def default_home(user=None, environ=None):
    environ = os.environ if environ is None else environ
    if user:
        try:
            return os.path.join(pwd.getpwnam(user).pw_dir, ".pm2")
        except KeyError:
            raise MaintenanceError("user %r does not exist on this host" % user)
    return environ.get("PM2_HOME") or os.path.join(os.path.expanduser("~"), ".pm2")


def find_pm2(path=None):
    if path:
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
        raise MaintenanceError("pm2 not found at %s (pm2_path): install it with 'npm install -g pm2' or fix the path" % path)
    found = shutil.which("pm2")
    if not found:
        raise MaintenanceError("pm2 was not found in PATH: install it with 'npm install -g pm2' or set pm2_path")
    return found


class Pm2:
    """One PM2 daemon: a PM2_HOME, the user it runs as and the pm2 program."""

    def __init__(self, module, pm2_path=None, pm2_home=None, user=None, env=None, runner=None, clock=None,
                 sleep=None, which=find_pm2, current_user=None):
        self.pm2 = which(pm2_path)
        self.home = pm2_home or default_home(user)
        if current_user is None:
            current_user = pwd.getpwuid(os.geteuid()).pw_name
        self.prefix = []
        if user and user != current_user:
            self.prefix = ["runuser", "-u", user, "--"]
        self.user = user or current_user
        self.runner = runner or Runner(module, dict(env or {}, PM2_HOME=self.home))
        self.clock = clock or time.time
        self.sleep = sleep or time.sleep
        self.pinged = False

    def argv(self, *args):
        return self.prefix + [self.pm2] + [str(a) for a in args]

    def run(self, *args, **kw):
        what = kw.pop("what", None) or "pm2 %s" % args[0]
        result = self.runner.run(self.argv(*args), check=False, **kw)
        if result.rc != 0:
            text = (result.err or "") + "\n" + (result.out or "")
            if "not found" in text and ("Process or Namespace" in text or "process name not found" in text.lower()):
                raise MaintenanceError("%s failed: PM2 (PM2_HOME=%s) has no app named %s"
                                       % (what, self.home, args[1] if len(args) > 1 else "?"),
                                       rc=result.rc, stderr=tail(result.err), cmd=result.argv)
            raise MaintenanceError("%s failed (rc=%s, PM2_HOME=%s): %s"
                                   % (what, result.rc, self.home, first_error(text) or "no output"),
                                   rc=result.rc, stderr=tail(result.err), cmd=result.argv)
        return result

    def daemon_alive(self):
        try:
            with open(os.path.join(self.home, "pm2.pid")) as handle:
                pid = int(handle.read().strip())
        except (OSError, ValueError):
            return False
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    def ping(self):
        """Start the daemon if needed (a cold ``jlist`` prints a banner first)."""
        if not self.pinged:
            self.run("ping", what="pm2 ping")
            self.pinged = True

    def jlist(self, spawn=True):
        """All processes (raw entries). Without ``spawn``, a stopped daemon means no processes."""
        if not spawn and not self.pinged and not self.daemon_alive():
            return []
        self.ping()
        return parse_jlist(self.run("jlist", what="pm2 jlist").out)

    def processes(self, name=None, spawn=True):
        procs = self.jlist(spawn=spawn)
        if name is not None:
            procs = [p for p in procs if p.get("name") == name]
        return procs

    def summaries(self, name=None, spawn=True):
        now = self.clock()
        return [summarize(p, now) for p in self.processes(name, spawn=spawn)]


class HealthGate(UrlGate):
    """Wait until every process of an app is online, old enough, not restarting and healthy."""

    def __init__(self, pm2, name, **settings):
        UrlGate.__init__(self, **settings)
        self.pm2 = pm2
        self.name = name

    def wait(self):
        start = self.pm2.clock()
        deadline = start + self.timeout
        baseline = None
        problem = "not checked yet"
        procs = []
        http = None
        while True:
            procs = self.pm2.summaries(self.name)
            if not procs:
                self.fail("the app disappeared from PM2", procs)
            counts = dict((p["pm_id"], p["restarts"]) for p in procs)
            if baseline is None:
                baseline = counts
            crashed = [p for p in procs if p["restarts"] > baseline.get(p["pm_id"], p["restarts"])]
            errored = [p for p in procs if p["status"] == "errored"]
            if errored:
                self.fail("PM2 gave up on it (status errored after %s restarts)" % errored[0]["restarts"], procs)
            if crashed:
                self.fail("it crashed and was restarted by PM2 %s time(s) while waiting (restart count %s -> %s)"
                          % (crashed[0]["restarts"] - baseline[crashed[0]["pm_id"]],
                             baseline[crashed[0]["pm_id"]], crashed[0]["restarts"]), procs)
            not_online = [p for p in procs if p["status"] != "online"]
            young = [p for p in procs if p["uptime"] < self.min_uptime]
            if not_online:
                problem = "status %s" % not_online[0]["status"]
            elif young:
                problem = "uptime %ss is below %ss" % (young[0]["uptime"], self.min_uptime)
            else:
                if not self.health_url:
                    return self.passed(self.pm2.clock() - start, None, restarts=[p["restarts"] for p in procs])
                ok, http, problem = self.probe_url()
                if ok:
                    return self.passed(self.pm2.clock() - start, http, restarts=[p["restarts"] for p in procs])
            if self.pm2.clock() >= deadline:
                self.fail("not healthy after %ss: %s" % (self.timeout, problem), procs, http)
            self.pm2.sleep(self.interval)

    def fail(self, why, procs, http=None):
        logs = []
        for proc in procs or self.last_known():
            logs.extend(read_tail(proc.get("err_log"), self.log_lines))
        msg = "PM2 app %s failed the health gate: %s" % (self.name, why)
        if logs:
            msg += ". Last error-log lines:\n" + "\n".join(logs[-self.log_lines:])
        else:
            msg += " (its error log is empty)"
        details = {"processes": procs, "error_log": logs[-self.log_lines:]}
        if http:
            details["health"] = http
        raise MaintenanceError(msg, **details)

    def last_known(self):
        try:
            return self.pm2.summaries(self.name)
        except MaintenanceError:
            return []


# Internal actions: "created" starts a new app, "resumed" restarts a stopped or errored one; both are reported
# as "started". Every action that starts processes passes the health gate.
STARTS = ("created", "resumed")
GATED = ("created", "resumed", "restarted", "reloaded")


class Pm2Process:
    """Bring one PM2 app to a state (module ``pm2_process``)."""

    def __init__(self, pm2, params, check_mode=False, gate_factory=HealthGate):
        self.pm2 = pm2
        self.p = params
        self.check_mode = check_mode
        self.gate_factory = gate_factory
        self.commands = []

    def run(self):
        name = self.p["name"]
        state = self.p["state"]
        before = self.pm2.summaries(name, spawn=not self.check_mode)
        action = self.plan(before)
        result = {"changed": False, "name": name, "action": "started" if action in STARTS else action,
                  "pm2_home": self.pm2.home,
                  "pids_before": [p["pid"] for p in before if p["pid"]]}
        if action != "none":
            result["changed"] = True
            if not self.check_mode:
                self.apply(action)
        if self.p.get("flush_logs") and state != "absent":
            flushed = [p for p in before if self.log_size(p)]
            if flushed:
                result["changed"] = True
                if not self.check_mode:
                    self.pm2.run("flush", name, what="pm2 flush %s" % name)
            result["flushed_logs"] = bool(flushed)
        after = before if self.check_mode else self.pm2.summaries(name, spawn=False)
        if action in GATED and not self.check_mode:
            result["health"] = self.gate_factory(
                self.pm2, name, timeout=self.p.get("health_timeout", 60), min_uptime=self.p.get("min_uptime", 5),
                health_url=self.p.get("health_url"), http_timeout=self.p.get("health_http_timeout", 5),
                validate_certs=self.p.get("validate_certs", True)).wait()
            after = self.pm2.summaries(name)
        result["processes"] = after
        result["pids"] = [p["pid"] for p in after if p["pid"]]
        result["status"] = sorted(set(p["status"] for p in after)) if after else ["absent"]
        result["commands"] = self.commands
        result["diff"] = {"before": {"status": sorted(set(p["status"] for p in before)) or ["absent"]},
                          "after": {"status": self.expected_status(action, before)}}
        return result

    def expected_status(self, action, before):
        if action in GATED:
            return ["online"]
        if action == "stopped":
            return ["stopped"]
        if action == "deleted":
            return ["absent"]
        return sorted(set(p["status"] for p in before)) or ["absent"]

    def can_create(self):
        return bool(self.p.get("script") or self.p.get("ecosystem"))

    def unknown(self):
        return MaintenanceError("PM2 (PM2_HOME=%s, user %s) has no app named %s; give script or ecosystem to start it"
                                % (self.pm2.home, self.pm2.user, self.p["name"]))

    def memory_differs(self, procs):
        wanted = memory_bytes(self.p.get("max_memory_restart"))
        return wanted is not None and any(p.get("max_memory_restart") != wanted for p in procs)

    def plan(self, procs):
        state = self.p["state"]
        if state == "absent":
            return "deleted" if procs else "none"
        if not procs:
            if state == "stopped":
                raise self.unknown()
            if not self.can_create():
                raise self.unknown()
            return "created"
        if state == "stopped":
            return "none" if all(p["status"] == "stopped" for p in procs) else "stopped"
        if state == "started":
            if any(p["status"] != "online" for p in procs):
                return "resumed"
            return "restarted" if self.memory_differs(procs) else "none"
        return state  # restarted / reloaded

    def cmd(self, *args):
        self.commands.append(self.pm2.argv(*args))
        return self.pm2.run(*args, env=self.p.get("env") or None)

    def common_flags(self):
        flags = []
        if self.p.get("max_memory_restart"):
            flags += ["--max-memory-restart", self.p["max_memory_restart"]]
        return flags

    def apply(self, action):
        name = self.p["name"]
        update = ["--update-env"] if self.p.get("update_env") else []
        if action == "created":
            self.start_new()
        elif action == "deleted":
            self.cmd("delete", name)
        elif action == "stopped":
            self.cmd("stop", name)
        elif action == "reloaded":
            self.cmd("reload", name, *update)
        elif action in ("restarted", "resumed"):
            self.cmd("restart", name, *(update + self.common_flags()))

    def start_new(self):
        name = self.p["name"]
        if self.p.get("ecosystem"):
            argv = ["start", self.p["ecosystem"], "--only", name]
            if self.p.get("ecosystem_env"):
                argv += ["--env", self.p["ecosystem_env"]]
            self.cmd(*(argv + self.common_flags()))
            return
        argv = ["start", self.p["script"], "--name", name]
        if self.p.get("cwd"):
            argv += ["--cwd", self.p["cwd"]]
        if self.p.get("interpreter"):
            argv += ["--interpreter", self.p["interpreter"]]
        if self.p.get("instances"):
            argv += ["--instances", self.p["instances"]]
        argv += self.common_flags()
        if self.p.get("args"):
            argv += ["--"] + list(self.p["args"])
        self.cmd(*argv)

    def log_size(self, proc):
        total = 0
        for key in ("out_log", "err_log"):
            try:
                total += os.path.getsize(proc.get(key) or "")
            except OSError:
                pass
        return total


def pm2_info(pm2, name=None):
    procs = pm2.summaries(name, spawn=False)
    if name is not None and not procs:
        why = "" if pm2.pinged else " (no PM2 daemon runs for it)"
        raise MaintenanceError("PM2 (PM2_HOME=%s)%s has no app named %s" % (pm2.home, why, name))
    return {"changed": False, "pm2_home": pm2.home, "daemon_running": pm2.daemon_alive() or pm2.pinged,
            "processes": procs, "online": len([p for p in procs if p["status"] == "online"]),
            "total": len(procs)}
