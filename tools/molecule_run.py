"""make molecule: run every Molecule scenario of extensions/molecule against one set of services.

Starts, once: a PostgreSQL 15 (tests/support/services.py), the offsite SSH host in a network
namespace (tests/support/sshhost.py), a PM2 daemon with its own PM2_HOME (tests/support/pm2.py),
an HTTPS endpoint with a test CA and the Pebble ACME server (tests/support/acme.py), a deployed
Django project with its dev server (tests/support/django_app.py; origin one version ahead), and writes
the fake mongodump / mongorestore (tests/support/fake_mongo.py: no MongoDB tools exist here);
writes their connection to build/molecule/saasops.yml (mode 0600; the password stays out of the
environment and out of argv: the scenarios get the file as extra vars, psql a PGPASSFILE), exports
MOLECULE_SAASOPS_VARS / _PYTHON / _COLLECTIONS, runs `molecule test -s NAME` for each
scenario (or those named on the command line), and stops the services by their pids.

    python tools/molecule_run.py [scenario ...]
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tests.support.acme import Pebble, TlsServer, make_test_ca  # noqa: E402
from tests.support.django_app import FILES_V2, DjangoSite  # noqa: E402
from tests.support.docker import DockerEngine  # noqa: E402
from tests.support.fake_mongo import write_fake_tools  # noqa: E402
from tests.support.pm2 import PM2_BIN, Pm2Daemon  # noqa: E402
from tests.support.services import PostgresServer, free_port  # noqa: E402
from tests.support.sshhost import SshHost  # noqa: E402

SCENARIOS = os.path.join(ROOT, "extensions", "molecule")
WORK = os.path.join(ROOT, "build", "molecule")


def write_vars(pg, ssh, pm2, tls, pebble, site):
    passfile = os.path.join(WORK, "pgpass")
    with open(os.open(passfile, os.O_WRONLY | os.O_CREAT, 0o600), "w") as handle:
        handle.write("%s:%d:*:%s:%s\n" % (pg.host, pg.port, pg.user, pg.password))
    data = {
        "saasops_pg": {"host": pg.host, "port": pg.port, "user": pg.user, "password": pg.password,
                       "passfile": passfile},
        "saasops_ssh": {"address": ssh.address, "port": ssh.port, "key": ssh.key, "known_hosts": ssh.known_hosts},
        "saasops_pm2": {"home": pm2.home, "bin": PM2_BIN, "script": pm2.write_app("molecule-api"),
                        "port": free_port()},
        "saasops_tls": {"port": tls.port, "ca": tls.ca},
        "saasops_acme": {"url": pebble.url, "ca": pebble.ca, "http_port": pebble.http_port},
        "saasops_mongo": dict(write_fake_tools(os.path.join(WORK, "fakebin")), log=os.path.join(WORK, "mongo.jsonl")),
        "saasops_django": dict(site.role_vars(os.path.join(WORK, "django_backups")), author=site.author,
                               origin=site.origin, cache_dir=site.cache_dir, port=site.port),
        "saasops_compose_port": free_port(),
        "saasops_work": WORK,
    }
    # the django_update_* variables as an inventory would hold them, for the playbook scenarios' include_vars
    with open(os.open(os.path.join(WORK, "django_vars.yml"), os.O_WRONLY | os.O_CREAT, 0o600), "w") as handle:
        json.dump(site.role_vars(os.path.join(WORK, "django_backups"), django_update_health_delay=1), handle, indent=1)
    path = os.path.join(WORK, "saasops.yml")
    with open(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600), "w") as handle:
        json.dump(data, handle, indent=1)  # JSON is YAML
    return path


# scenarios with the docker driver: they get a private docker engine (tests/support/docker.py) with the
# image of the scenario, and community.docker (from the ansible package of build/awx-venv) for the driver
DOCKER_SCENARIOS = ("compose_services", "multihost_docker")
AWX_COLLECTIONS = os.path.join(ROOT, "build", "awx-venv", "lib", "python%d.%d" % sys.version_info[:2], "site-packages")


def run_scenario(name, env):
    start = time.monotonic()
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), "molecule"), "test", "-s", name],
                          cwd=ROOT, env=env, stdin=subprocess.DEVNULL, check=False)
    return name, proc.returncode, time.monotonic() - start


def run_docker_scenarios(names, env):
    engine = DockerEngine().start()
    try:
        engine.import_multihost_image()
        docker_env = dict(env, DOCKER_HOST=engine.env()["DOCKER_HOST"],
                          MOLECULE_SAASOPS_COLLECTIONS=env["MOLECULE_SAASOPS_COLLECTIONS"] + os.pathsep + AWX_COLLECTIONS)
        return [run_scenario(name, docker_env) for name in names]
    finally:
        engine.stop()


def main(argv):
    names = argv or sorted(n for n in os.listdir(SCENARIOS) if os.path.exists(os.path.join(SCENARIOS, n, "molecule.yml"))
                           and not os.path.exists(os.path.join(SCENARIOS, n, "MANUAL")))
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(os.path.join(WORK, "fakebin"))
    tls_dir = os.path.join(WORK, "tls")
    os.makedirs(tls_dir)
    ca, cert, key = make_test_ca(tls_dir)
    pg = ssh = pm2 = tls = pebble = site = None
    results = []
    try:
        pg = PostgresServer().start()
        ssh = SshHost().start()
        pm2 = Pm2Daemon()
        tls = TlsServer(cert, key).start()
        tls.ca = ca
        pebble = Pebble().start()
        # a deployed Django project (v1, serving) whose origin already has v2 with a migration
        site = DjangoSite(os.path.join(WORK, "django"), pg, "molecule_shop", free_port())
        os.makedirs(site.base)
        site.setup()
        site.commit("v2: prices", FILES_V2)
        env = dict(os.environ)
        for name in ("PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE"):
            env.pop(name, None)
        env.update(
            MOLECULE_SAASOPS_VARS=write_vars(pg, ssh, pm2, tls, pebble, site),
            FAKE_MONGO_LOG=os.path.join(WORK, "mongo.jsonl"),
            MOLECULE_SAASOPS_PYTHON=sys.executable,
            MOLECULE_SAASOPS_COLLECTIONS=os.path.join(ROOT, "build", "collections"),
            ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, "build", "collections"),
            SAASOPS_REPORT_DIR=os.path.join(WORK, "reports"),
            PATH=os.path.dirname(sys.executable) + os.pathsep + env["PATH"],
            ANSIBLE_FORCE_COLOR="0", PY_COLORS="0", NO_COLOR="1",
        )
        results += [run_scenario(name, env) for name in names if name not in DOCKER_SCENARIOS]
        docker = [name for name in names if name in DOCKER_SCENARIOS]
        if docker:
            results += run_docker_scenarios(docker, env)
    finally:
        if tls is not None:
            tls.proc.terminate()
            tls.proc.wait(10)
        for service, stop in ((site, "stop"), (pebble, "destroy"), (pm2, "stop"), (ssh, "stop"), (pg, "destroy")):
            if service is not None:
                getattr(service, stop)()
    print("\nmolecule scenarios:")
    for name, rc, seconds in results:
        print("  %-14s %-6s %5.1f s" % (name, "ok" if rc == 0 else "FAILED", seconds))
    return 1 if any(rc for _n, rc, _s in results) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
