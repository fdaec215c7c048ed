"""A docker-compose project whose db service runs PostgreSQL 15 from a locally built image."""

from __future__ import annotations

import os
import subprocess
import time

import pytest

from tests.support.docker import DockerEngine

PASSWORD = "c0mpose-S3cret"


class ComposeProject:
    def __init__(self, engine, folder, image):
        self.engine = engine
        self.folder = str(folder)
        self.file = os.path.join(self.folder, "docker-compose.yml")
        self.name = "saasops7"
        with open(self.file, "w", encoding="utf-8") as handle:
            handle.write("version: \"3.7\"\nservices:\n  db:\n    image: %s\n    network_mode: none\n"
                         "    environment:\n      POSTGRES_PASSWORD: %s\n" % (image, PASSWORD))

    def prefix(self):
        return ["docker-compose", "-p", self.name, "-f", self.file]

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
        self.compose("up", "-d")
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


@pytest.fixture(scope="module")
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
