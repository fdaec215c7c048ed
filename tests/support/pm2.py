"""A private PM2 daemon for the tests (PM2_HOME in a temp dir) and tiny node apps."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PM2_BIN = os.path.join(ROOT, "build", "npm", "bin", "pm2")

# A node http server with /health; when APP_BROKEN is set it logs a fatal error and exits,
# so PM2 restarts it over and over (a crash loop).
APP_JS = r"""
const http = require('http');
const port = Number(process.env.APP_PORT);
if (process.env.APP_BROKEN) {
  console.error('FATAL: cannot connect to database at db.internal:5432 (ECONNREFUSED)');
  setTimeout(() => process.exit(1), 100);
} else {
  http.createServer((req, res) => {
    if (req.url === '/health') {
      res.writeHead(200, {'Content-Type': 'application/json'});
      res.end(JSON.stringify({status: 'healthy', pid: process.pid}));
    } else {
      res.writeHead(404);
      res.end();
    }
  }).listen(port, '127.0.0.1', () => console.log('listening on ' + port));
}
"""


class Pm2Daemon:
    """PM2 with its own PM2_HOME; ``stop()`` kills the daemon this run started."""

    def __init__(self):
        self.base = tempfile.mkdtemp(prefix="saasops-pm2-")
        self.home = os.path.join(self.base, "home")
        self.apps = os.path.join(self.base, "apps")
        os.makedirs(self.apps)

    def env(self):
        env = dict(os.environ)
        env["PM2_HOME"] = self.home
        return env

    def run(self, *args, check=True):
        return subprocess.run([PM2_BIN] + list(args), env=self.env(), capture_output=True, text=True, check=check)

    def jlist(self):
        self.run("ping")
        out = self.run("jlist").stdout
        return json.loads(out[out.index("["):])

    def proc(self, name):
        found = [p for p in self.jlist() if p["name"] == name]
        assert len(found) == 1, found
        return found[0]

    def write_app(self, name):
        path = os.path.join(self.apps, name + ".js")
        with open(path, "w") as handle:
            handle.write(APP_JS)
        return path

    def daemon_pid(self):
        try:
            with open(os.path.join(self.home, "pm2.pid")) as handle:
                return int(handle.read().strip())
        except (OSError, ValueError):
            return None

    def stop(self):
        pid = self.daemon_pid()
        if pid:
            self.run("kill", check=False)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and os.path.exists("/proc/%d" % pid):
                time.sleep(0.1)
            if os.path.exists("/proc/%d" % pid):
                os.kill(pid, signal.SIGKILL)
        shutil.rmtree(self.base, ignore_errors=True)
