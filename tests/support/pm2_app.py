"""A local PM2 with a tiny node HTTP app, in its own PM2_HOME (never ~/.pm2)."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
import urllib.request

from tests.support.services import free_port

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NPM_PREFIX = os.path.join(ROOT, "build", "npm")
PM2 = os.path.join(NPM_PREFIX, "bin", "pm2")

APP_JS = """
const http = require('http');
http.createServer((req, res) => { res.writeHead(200, {'Content-Type': 'text/plain'}); res.end('ok\\n'); })
  .listen(Number(process.env.PORT), '127.0.0.1');
"""


def ensure_pm2():
    """pm2 from the npm registry into build/npm (what `make pm2` does)."""
    if not os.path.exists(PM2):
        subprocess.run(["npm", "install", "--global", "--prefix", NPM_PREFIX, "--no-audit", "--no-fund", "pm2"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return PM2


class Pm2App:
    def __init__(self, name="dr-app"):
        self.pm2 = ensure_pm2()
        self.name = name
        self.base = tempfile.mkdtemp(prefix="saasops-pm2-")
        self.home = os.path.join(self.base, "pm2home")
        self.port = free_port()
        self.script = os.path.join(self.base, "app.js")
        with open(self.script, "w") as handle:
            handle.write(APP_JS)
        self.daemon_pid = None

    def env(self):
        env = dict(os.environ)
        env["PM2_HOME"] = self.home
        env["PORT"] = str(self.port)
        return env

    def run(self, *args):
        return subprocess.run([self.pm2] + list(args), env=self.env(), capture_output=True, text=True, check=False)

    def start(self):
        self.run("ping")
        with open(os.path.join(self.home, "pm2.pid")) as handle:
            self.daemon_pid = int(handle.read().strip())
        proc = self.run("start", self.script, "--name", self.name)
        assert proc.returncode == 0, proc.stderr
        self.wait_http()
        return self

    def status(self):
        self.run("ping")
        out = self.run("jlist").stdout
        apps = json.loads(out[out.index("["):])
        return {app["name"]: (app["pm2_env"]["status"], app.get("pid")) for app in apps}

    def url(self):
        return "http://127.0.0.1:%d/" % self.port

    def http_ok(self):
        try:
            with urllib.request.urlopen(self.url(), timeout=2) as resp:
                return resp.status == 200
        except OSError:
            return False

    def wait_http(self, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.http_ok():
                return
            time.sleep(0.2)
        raise AssertionError("the PM2 app does not answer on %s" % self.url())

    def destroy(self):
        """Stop the daemon we started (pm2 kill stops its apps too), by its own PM2_HOME, then check its pid."""
        self.run("kill")
        if self.daemon_pid:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                try:
                    os.kill(self.daemon_pid, 0)
                except OSError:
                    break
                time.sleep(0.1)
        subprocess.run(["rm", "-rf", self.base], check=False)
