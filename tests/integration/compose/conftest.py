"""A docker-compose project from a locally built image: db (PostgreSQL 15), web (an HTTP app with a
healthcheck, on the host network) and worker (a service that crashes on start, restart: "no")."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time

import pytest

from tests.support.docker import DockerEngine

PASSWORD = "c0mpose-S3cret"

COMPOSE_FILE = """\
version: "3.7"
services:
  db:
    image: %(image)s
    network_mode: none
    environment:
      POSTGRES_PASSWORD: %(password)s
  web:
    image: %(image)s
    network_mode: host
    working_dir: /usr/share/doc
    command: [python3, -m, http.server, --bind, 127.0.0.1, "%(port)d"]
    healthcheck:
      test: [CMD, python3, -c, "import urllib.request; urllib.request.urlopen('http://127.0.0.1:%(port)d/', timeout=2)"]
      interval: 1s
      timeout: 3s
      retries: 3
  worker:
    image: %(image)s
    network_mode: none
    restart: "no"
    command: [sh, -c, "echo worker starting; sleep 1; echo worker lost its queue >&2; exit 3"]
"""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ComposeProject:
    def __init__(self, engine, folder, image):
        self.engine = engine
        self.folder = str(folder)
        self.file = os.path.join(self.folder, "docker-compose.yml")
        self.name = "saasops7"
        self.web_port = free_port()
        with open(self.file, "w", encoding="utf-8") as handle:
            handle.write(COMPOSE_FILE % dict(image=image, password=PASSWORD, port=self.web_port))

    @property
    def health_url(self):
        return "http://127.0.0.1:%d/" % self.web_port

    def prefix(self):
        return ["docker-compose", "-p", self.name, "-f", self.file]

    def db_exec(self):
        """The exec_prefix of the PostgreSQL modules: the tools of the db service, PGPASSWORD and PGUSER by name."""
        return self.prefix() + ["exec", "-T", "-e", "PGPASSWORD", "-e", "PGUSER", "db"]

    def compose(self, *args, input_data=None, env=None, check=True):
        full_env = self.engine.env()
        full_env.update(env or {})
        proc = subprocess.run(self.prefix() + list(args), input=input_data, env=full_env, capture_output=True,
                              check=False)
        if check and proc.returncode != 0:
            raise AssertionError("docker-compose %s: %s" % (args, proc.stderr.decode(errors="replace")))
        return proc

    def psql(self, sql, db="postgres"):
        return self.compose("exec", "-T", "-e", "PGPASSWORD", "db", "psql", "-X", "-q", "-At", "-U", "postgres",
                            "-v", "ON_ERROR_STOP=1", "-d", db, input_data=sql.encode(),
                            env={"PGPASSWORD": PASSWORD}).stdout.decode().strip()

    def up(self):
        self.compose("up", "-d", "db", "web")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.compose("exec", "-T", "db", "pg_isready", "-q", check=False).returncode == 0:
                return self
            time.sleep(0.5)
        raise AssertionError("the db service did not get ready: %s" % self.compose("logs", "db").stdout.decode())

    def down(self):
        # throwaway data: no graceful shutdown needed
        self.compose("kill", check=False)
        self.compose("down", "-v", check=False)


# one engine and project for every compose test module (starting them costs ~15 s)
@pytest.fixture(scope="session")
def compose(tmp_path_factory):
    engine = DockerEngine().start()
    try:
        image = engine.import_image()
        project = ComposeProject(engine, tmp_path_factory.mktemp("compose"), image)
        try:
            yield project.up()
        finally:
            project.down()
    finally:
        engine.stop()


@pytest.fixture(scope="session")
def no_pg_env(compose, tmp_path_factory):
    """DOCKER_HOST of the engine and a PATH with the system's tools but no psql, pg_dump or pg_restore."""
    bindir = tmp_path_factory.mktemp("bin")
    for folder in ("/usr/local/bin", "/usr/bin"):
        for name in os.listdir(folder):
            if not (name.startswith(("pg_", "psql")) or os.path.lexists(str(bindir / name))):
                os.symlink(os.path.join(folder, name), str(bindir / name))
    assert shutil.which("pg_restore", path=str(bindir)) is None and shutil.which("docker", path=str(bindir))
    return {"DOCKER_HOST": compose.engine.env()["DOCKER_HOST"], "PATH": str(bindir)}
