"""make bench-runs: the daily playbook against 1, 10 and 20 hosts in one inventory.

Each host is a local connection with its own inventory name and its own backup stores
under build/bench/runs/<host>/, all backing up one small database of a PostgreSQL 15
started here (tests/support/services.py). Every run is timed as a whole; the per-host
cost and the effect of forks come from comparing the runs. Writes
build/bench/runs.json and build/bench/runs.md.

    python tools/bench_runs.py [--hosts 1,10,20] [--forks 5]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tests.support.services import PostgresServer  # noqa: E402

OUT = os.path.join(ROOT, "build", "bench")
WORK = os.path.join(OUT, "runs")


def inventory(count, pg, uploads):
    hosts = {}
    for index in range(1, count + 1):
        name = "app%02d" % index
        store = os.path.join(WORK, name)
        hosts[name] = {
            "ansible_connection": "local", "ansible_python_interpreter": sys.executable,
            "pg_backup_dest": os.path.join(store, "postgresql"),
            "files_backup_dest": os.path.join(store, "files"),
        }
    return {"all": {
        "hosts": hosts,
        "vars": {
            "pg_backup_databases": ["bench_runs"], "pg_backup_login_host": pg.host, "pg_backup_port": pg.port,
            "pg_backup_login_user": pg.user, "pg_backup_login_password": pg.password, "pg_backup_no_log": True,
            "files_backup_sets": [{"name": "uploads", "src": [uploads]}],
        },
        "children": {"postgres_servers": {"hosts": {name: None for name in hosts}}},
    }}


def run(count, forks, pg, uploads):
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    inv = os.path.join(OUT, "hosts-%d.json" % count)
    with open(os.open(inv, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as handle:
        json.dump(inventory(count, pg, uploads), handle)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, "build", "collections"),
               ANSIBLE_LOCAL_TEMP=os.path.join(ROOT, "build", "ansible-tmp"),
               SAASOPS_REPORT_DIR=os.path.join(OUT, "reports"), ANSIBLE_FORCE_COLOR="0")
    argv = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", inv, "--forks", str(forks),
            os.path.join(ROOT, "playbooks", "daily.yml")]
    start = time.monotonic()
    proc = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, check=False,
                          stdin=subprocess.DEVNULL)
    seconds = time.monotonic() - start
    if proc.returncode != 0:
        raise SystemExit("daily run on %d hosts failed:\n%s" % (count, proc.stdout[-4000:]))
    ok = sum(int(n) for n in re.findall(r"ok=(\d+)", proc.stdout))
    backups = sum(1 for _r, dirs, _f in os.walk(WORK) for d in dirs if re.match(r"(bench_runs|uploads)-", d))
    assert backups == 2 * count, "expected %d backups, found %d" % (2 * count, backups)
    return {"hosts": count, "forks": forks, "seconds": round(seconds, 2), "tasks_ok": ok, "backups": backups,
            "seconds_per_host": round(seconds / count, 2), "seconds_per_task": round(seconds * min(forks, count) / ok, 3)}


def markdown(results, cores):
    lines = ["# The daily playbook against 1, 10 and 20 hosts", "",
             "Local connections, one inventory; each host backs up the same small database and an",
             "upload folder into its own stores. %d CPU cores; one run each, wall time." % cores, "",
             "| hosts | forks | seconds | seconds per host | tasks ok | task-seconds per ok task |",
             "|---:|---:|---:|---:|---:|---:|"]
    for res in results:
        lines.append("| %(hosts)d | %(forks)d | %(seconds).1f | %(seconds_per_host).2f | %(tasks_ok)d | %(seconds_per_task).3f |"
                     % res)
    base = results[0]
    for res in results[1:]:
        if res["forks"] == base["forks"] and res["hosts"] > base["hosts"]:
            lines.append("")
            lines.append("From %d to %d hosts (forks %d): %.1fx the time for %dx the hosts; marginal cost %.2f s per host."
                         % (base["hosts"], res["hosts"], res["forks"], res["seconds"] / base["seconds"],
                            res["hosts"] // base["hosts"],
                            (res["seconds"] - base["seconds"]) / (res["hosts"] - base["hosts"])))
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--hosts", default="1,10,20")
    parser.add_argument("--forks", default="5", help="comma list; the largest host count is also run with each")
    args = parser.parse_args()
    counts = [int(x) for x in args.hosts.split(",")]
    forks = [int(x) for x in args.forks.split(",")]
    os.makedirs(OUT, exist_ok=True)
    pg = PostgresServer().start()
    results = []
    try:
        pg.createdb("bench_runs")
        pg.psql("CREATE TABLE accounts AS SELECT g AS id, md5(g::text) AS email FROM generate_series(1, 20000) g;",
                db="bench_runs")
        uploads = os.path.join(OUT, "uploads")
        os.makedirs(uploads, exist_ok=True)
        for index in range(20):
            with open(os.path.join(uploads, "file%02d.bin" % index), "wb") as handle:
                handle.write(os.urandom(16384))
        for count in counts:
            results.append(run(count, forks[0], pg, uploads))
            print(json.dumps(results[-1]), flush=True)
        for fork in forks[1:]:
            results.append(run(max(counts), fork, pg, uploads))
            print(json.dumps(results[-1]), flush=True)
    finally:
        pg.destroy()
        shutil.rmtree(WORK, ignore_errors=True)
    cores = os.cpu_count() or 1
    with open(os.path.join(OUT, "runs.json"), "w") as handle:
        json.dump({"cores": cores, "results": results}, handle, indent=1)
    text = markdown(results, cores)
    with open(os.path.join(OUT, "runs.md"), "w") as handle:
        handle.write(text)
    print(text)


if __name__ == "__main__":
    main()
