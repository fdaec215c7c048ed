"""Real services for the tests, each in its own temp dir on a free port.

Every service is started by the test run and stopped by its pid when the
run ends (see ../../shared/TESTBED.md for the verified commands).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time

PG_BIN = os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def as_postgres(argv, **kw):
    return subprocess.run(["runuser", "-u", "postgres", "--"] + argv, check=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, **kw)


class PostgresServer:
    """A throwaway PostgreSQL 15 cluster with password (scram) authentication."""

    def __init__(self, password="pg-Secret-7f3a", base=None, extra_conf=()):
        self.password = password
        self.base = tempfile.mkdtemp(prefix="saasops-pg-", dir=base)
        os.chmod(self.base, 0o755)
        self.data = os.path.join(self.base, "data")
        self.sock = os.path.join(self.base, "sock")
        self.log = os.path.join(self.sock, "postgres.log")
        self.port = free_port()
        self.extra_conf = list(extra_conf)
        self.host = "127.0.0.1"
        self.user = "postgres"

    def start(self):
        os.makedirs(self.sock)
        pwfile = os.path.join(self.base, "pw")
        with open(pwfile, "w") as handle:
            handle.write(self.password + "\n")
        shutil.chown(self.base, "postgres")
        shutil.chown(self.sock, "postgres")
        shutil.chown(pwfile, "postgres")
        as_postgres([PG_BIN + "/initdb", "-D", self.data, "-A", "scram-sha-256", "--pwfile", pwfile,
                     "-U", "postgres", "-E", "UTF8", "--locale", "C.UTF-8", "--no-sync"])
        os.unlink(pwfile)
        conf = ["-p", str(self.port), "-k", self.sock, "-c", "listen_addresses=127.0.0.1",
                "-c", "fsync=off", "-c", "full_page_writes=off", "-c", "max_connections=60"]
        for item in self.extra_conf:
            conf += ["-c", item]
        self._ctl("start", "-l", self.log, "-w", "-t", "60", "-o", " ".join(conf))
        return self

    def _ctl(self, *args):
        return as_postgres([PG_BIN + "/pg_ctl", "-D", self.data] + list(args))

    def stop(self, mode="fast"):
        if os.path.exists(os.path.join(self.data, "postmaster.pid")):
            subprocess.run(["runuser", "-u", "postgres", "--", PG_BIN + "/pg_ctl", "-D", self.data,
                            "-m", mode, "-w", "stop"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)

    def restart_if_down(self):
        if not os.path.exists(os.path.join(self.data, "postmaster.pid")):
            conf = ["-p", str(self.port), "-k", self.sock, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"]
            for item in self.extra_conf:
                conf += ["-c", item]
            self._ctl("start", "-l", self.log, "-w", "-t", "60", "-o", " ".join(conf))

    def destroy(self):
        self.stop("immediate")
        shutil.rmtree(self.base, ignore_errors=True)

    def env(self):
        env = dict(os.environ)
        env.update(PGHOST=self.host, PGPORT=str(self.port), PGUSER=self.user, PGPASSWORD=self.password)
        return env

    def conn_args(self):
        """Module connection options for this server."""
        return dict(login_host=self.host, port=self.port, login_user=self.user, login_password=self.password)

    def psql(self, sql, db="postgres", check=True):
        proc = subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", db],
                              input=sql, text=True, capture_output=True, env=self.env(), check=False)
        if check and proc.returncode != 0:
            raise AssertionError("psql failed: %s" % proc.stderr)
        return proc.stdout.strip()

    def createdb(self, name):
        self.psql('CREATE DATABASE "%s";' % name.replace('"', '""'))

    def dropdb(self, name):
        self.psql('DROP DATABASE IF EXISTS "%s" WITH (FORCE);' % name.replace('"', '""'))

    def wait_ready(self, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if subprocess.run([PG_BIN + "/pg_isready", "-h", self.host, "-p", str(self.port)],
                              stdout=subprocess.DEVNULL, check=False).returncode == 0:
                return
            time.sleep(0.2)
        raise AssertionError("postgres not ready")
