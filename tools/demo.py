"""make demo: start a local sandbox and run the maintenance job against it.

The sandbox (all under build/demo, all stopped at the end):
- PostgreSQL 15 with a small SaaS database (users, coaches, subscriptions, orders),
- application files (uploads, .env),
- an offsite backup host: sshd in a network namespace of its own,
- further services as the roles that use them land (PM2 app, certificates, logs).

Then it runs the daily, weekly, monthly and disaster-recovery playbooks that exist,
prints where each report is and a short summary. Running it twice works: the
backup store is kept between runs, everything else is made anew.
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

from tests.support.acme import Certbot, Pebble, TlsServer  # noqa: E402
from tests.support.pm2 import PM2_BIN, Pm2Daemon  # noqa: E402
from tests.support.services import PostgresServer, free_port  # noqa: E402
from tests.support.sshhost import SshHost  # noqa: E402

DEMO = os.path.join(ROOT, "build", "demo")
REPORTS = os.path.join(ROOT, "build", "reports")
RUNS = ["daily", "weekly", "monthly", "quarterly", "disaster_recovery"]

SAAS_SQL = r"""
CREATE TABLE "Users" (id serial PRIMARY KEY, email text UNIQUE NOT NULL, role text NOT NULL DEFAULT 'user',
                      "createdAt" timestamptz NOT NULL DEFAULT now());
CREATE TABLE "Coaches" (id serial PRIMARY KEY, "userId" int REFERENCES "Users"(id),
                        "subscriptionExpiry" timestamptz);
CREATE TABLE "EventOrders" (id bigserial PRIMARY KEY, "userId" int REFERENCES "Users"(id),
                            "paymentStatus" text NOT NULL, amount numeric(10,2), payload jsonb,
                            "createdAt" timestamptz NOT NULL DEFAULT now());
INSERT INTO "Users" (email, role, "createdAt")
  SELECT 'user' || g || '@example.com', CASE WHEN g % 50 = 0 THEN 'admin' ELSE 'user' END,
         now() - (g % 60) * interval '1 day'
  FROM generate_series(1, 5000) g;
INSERT INTO "Coaches" ("userId", "subscriptionExpiry")
  SELECT g, now() + ((g % 40) - 5) * interval '1 day' FROM generate_series(1, 800) g;
INSERT INTO "EventOrders" ("userId", "paymentStatus", amount, payload, "createdAt")
  SELECT 1 + g % 5000, CASE WHEN g % 23 = 0 THEN 'FAILED' ELSE 'PAID' END, (g % 200) + 0.99,
         jsonb_build_object('event', 'race-' || (g % 90), 'note', md5(g::text)),
         now() - (g % 30) * interval '1 day'
  FROM generate_series(1, 60000) g;
ANALYZE;
"""


def log(msg):
    print("demo: %s" % msg, flush=True)


def start_sandbox(stack):
    os.makedirs(DEMO, exist_ok=True)
    pg = PostgresServer(base=DEMO).start()
    stack.append(pg.destroy)
    pg.createdb("saas_app")
    pg.psql(SAAS_SQL, db="saas_app")
    log("PostgreSQL 15 on 127.0.0.1:%d with database saas_app" % pg.port)

    app = os.path.join(DEMO, "app")
    shutil.rmtree(app, ignore_errors=True)
    os.makedirs(os.path.join(app, "uploads", "certificates"))
    os.makedirs(os.path.join(app, "uploads", "temp"))
    for i in range(20):
        with open(os.path.join(app, "uploads", "certificates", "cert-%03d.pdf" % i), "wb") as handle:
            handle.write(os.urandom(20000))
    with open(os.path.join(app, ".env"), "w") as handle:
        handle.write("DATABASE_URL=postgresql://app@localhost/saas_app\n")
    os.chmod(os.path.join(app, ".env"), 0o600)

    logs = os.path.join(app, "logs")
    os.makedirs(logs)
    with open(os.path.join(logs, "error.log"), "w") as handle:
        for i in range(14):
            handle.write("2026-11-24T01:%02d:00Z ERROR payment webhook failed: timeout\n" % i)
    with open(os.path.join(logs, "access.log"), "w") as handle:
        for i in range(200):
            status = 500 if i % 40 == 0 else (404 if i % 9 == 0 else 200)
            handle.write('127.0.0.1 - - [24/Nov/2026:01:00:%02d +0000] "GET /api/x HTTP/1.1" %d 12 "-" "curl"\n'
                         % (i % 60, status))
    old = time.time() - 400 * 86400
    for i in range(3):
        path = os.path.join(app, "uploads", "certificates", "old-%d.pdf" % i)
        with open(path, "wb") as handle:
            handle.write(b"%PDF old")
        os.utime(path, (old, old))
    with open(os.path.join(app, "package.json"), "w") as handle:
        json.dump({"name": "saas-app", "version": "1.0.0", "dependencies": {"is-number": "6.0.0"}}, handle)
    subprocess.run(["npm", "install", "--package-lock-only", "--no-audit", "--no-fund", "--silent"], cwd=app,
                   check=False, capture_output=True)

    pm2 = Pm2Daemon()
    stack.append(pm2.stop)
    app_port = free_port()
    script = pm2.write_app("saas-app")
    subprocess.run([PM2_BIN, "start", script, "--name", "saas-app"], env=dict(pm2.env(), APP_PORT=str(app_port)),
                   check=True, capture_output=True)
    log("PM2 app saas-app on 127.0.0.1:%d (PM2_HOME %s)" % (app_port, pm2.home))

    pebble = Pebble().start()
    stack.append(pebble.destroy)
    certbot = Certbot(pebble)
    stack.append(certbot.destroy)
    live = certbot.issue("saas-app", ["localhost"])
    web = TlsServer(os.path.join(live, "fullchain.pem"), os.path.join(live, "privkey.pem")).start()
    stack.append(web.stop)
    log("certificate for localhost from Pebble (ACME on %s), served by a TLS server on 127.0.0.1:%d"
        % (pebble.url, web.port))

    offsite = SshHost().start()
    stack.append(offsite.stop)
    log("offsite backup host: sshd at %s:%d in network namespace %s" % (offsite.address, offsite.port, offsite.netns))

    sandbox = dict(
        root=DEMO, pg_host=pg.host, pg_port=pg.port, pg_user="postgres", pg_password=pg.password, pg_db="saas_app",
        app=app, app_port=app_port, app_script=script, pm2_home=pm2.home, pm2_path=PM2_BIN,
        certbot=certbot.module_args(), acme_server=pebble.url, web_port=web.port, web_reload=web.reload_command,
    )
    extra = dict(
        sandbox=sandbox,
        offsite_sync_host=offsite.address, offsite_sync_port=offsite.port, offsite_sync_user="root",
        offsite_sync_ssh_key=offsite.key, offsite_sync_known_hosts=offsite.known_hosts,
    )
    path = os.path.join(DEMO, "sandbox.json")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(extra, handle, indent=2)
    return path


def run_playbook(name, vars_file):
    playbook = os.path.join(ROOT, "playbooks", name + ".yml")
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), SAASOPS_REPORT_DIR=REPORTS,
               ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, "build", "collections"), ANSIBLE_FORCE_COLOR="0")
    argv = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i",
            os.path.join(ROOT, "inventories", "demo", "hosts.yml"), "-e", "@" + vars_file, playbook]
    if name == "disaster_recovery":
        argv += ["-e", "disaster_recovery_confirm=true", "-e", "disaster_recovery_hosts=postgres_servers"]
    started = time.monotonic()
    out_path = os.path.join(DEMO, "%s.log" % name)
    with open(out_path, "w") as out:
        proc = subprocess.run(argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                              check=False)
    return proc.returncode, time.monotonic() - started, out_path


def summary(name):
    path = os.path.join(REPORTS, "latest-%s.json" % name)
    if not os.path.exists(path):
        return None, None
    with open(path) as handle:
        report = json.load(handle)
    return report, os.path.realpath(os.path.join(REPORTS, "latest-%s.md" % name))


def main():
    stack = []
    failed = []
    try:
        vars_file = start_sandbox(stack)
        for name in RUNS:
            if not os.path.exists(os.path.join(ROOT, "playbooks", name + ".yml")):
                continue
            rc, seconds, out = run_playbook(name, vars_file)
            report, md = summary(name)
            state = "ok" if rc == 0 else "FAILED (rc=%d, log %s)" % (rc, out)
            log("%-18s %s in %.0f s" % (name, state, seconds))
            if report:
                log("  report: %s" % md)
                for host, data in report["hosts"].items():
                    counts = data["counts"]
                    log("  %s: %d changed, %d failed, %d ok" % (host, counts["changed"], counts["failed"], counts["ok"]))
                for item in report["at_risk"]:
                    log("  at risk on %s: %s %s" % (item.get("host"), item.get("what"), item.get("value", "")))
            if rc != 0:
                failed.append(name)
    finally:
        for stop in reversed(stack):
            stop()
        log("sandbox stopped")
    if failed:
        log("failed runs: %s" % ", ".join(failed))
        sys.exit(1)
    log("all runs succeeded; reports in %s" % REPORTS)


if __name__ == "__main__":
    main()
