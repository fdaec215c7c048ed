"""Compare the ways of restoring a zstd directory dump (pg_restore 15 cannot read .dat.zst).

    python tools/restore_fifo_bench.py [rows]

Starts a throwaway PostgreSQL, makes a database, backs it up with pg_backup
(directory format, table data compressed by zstd) and restores it three ways,
each into a new database, in one run (wall seconds of the whole call):

  fifo        what pg_restore does: named pipes fed by zstd -dc, pg_restore --jobs
  scratch     zstd -d of every file into a scratch copy first, then pg_restore --jobs
  plain       pg_dump -Fd -Z0 of the same database, pg_restore --jobs (the bound)

Prints seconds per way. Ratios, not a timed test.
"""

from __future__ import annotations

import concurrent.futures
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "build", "collections"))
sys.path.insert(0, ROOT)

from ansible_collections.saasops.maintenance.plugins.module_utils.pg_backup import PgBackup  # noqa: E402
from ansible_collections.saasops.maintenance.plugins.module_utils.pg_restore import PgRestore  # noqa: E402
from ansible_collections.saasops.maintenance.plugins.module_utils.postgres import Postgres  # noqa: E402
from tests.support.services import PostgresServer  # noqa: E402


class Module:
    """The part of AnsibleModule the runner uses."""

    def run_command(self, args, data=None, environ_update=None, check_rc=False, binary_data=False):
        env = dict(os.environ)
        env.update(environ_update or {})
        proc = subprocess.run(args, input=data.encode() if isinstance(data, str) else data, capture_output=True,
                              env=env, check=False)
        return proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace")


def timed(func):
    start = time.monotonic()
    func()
    return round(time.monotonic() - start, 2)


def main():
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 2000000
    jobs = os.cpu_count() or 2
    server = PostgresServer().start()
    work = tempfile.mkdtemp(prefix="saasops-bench-")
    try:
        server.createdb("bench")
        server.psql("CREATE TABLE a (id bigint PRIMARY KEY, t text, j jsonb);"
                    "INSERT INTO a SELECT g, md5(g::text) || repeat('x', 80), jsonb_build_object('n', g) "
                    "FROM generate_series(1, %d) g;"
                    "CREATE TABLE b AS SELECT * FROM a WHERE id %% 2 = 0; ALTER TABLE b ADD PRIMARY KEY (id);"
                    "CREATE INDEX a_t ON a (t); ANALYZE;" % rows, db="bench")
        pg = Postgres(Module(), {"PGHOST": server.host, "PGPORT": str(server.port), "PGUSER": server.user,
                                 "PGPASSWORD": server.password})
        zst = PgBackup(pg, dict(db="bench", dest=os.path.join(work, "store"), jobs=jobs)).run()
        env = server.env()
        raw_dir = os.path.join(work, "raw")
        subprocess.run(["pg_dump", "-Fd", "-Z0", "-j", str(jobs), "-f", raw_dir, "-d", "bench"], env=env, check=True)
        size = int(server.psql("SELECT pg_database_size('bench')"))
        raw_size = sum(os.path.getsize(os.path.join(raw_dir, n)) for n in os.listdir(raw_dir))
        sizes = (size / 1e6, zst["size"] / 1e6, raw_size / 1e6)
        print("database %.0f MB, zstd dump %.0f MB, uncompressed dump %.0f MB" % sizes)
        env["PGOPTIONS"] = "-c maintenance_work_mem=512MB -c synchronous_commit=off"

        loads = {}

        def fifo():
            res = PgRestore(pg, dict(backup=zst["backup"], db="r_fifo", mode="new", jobs=jobs, analyze=False)).run()
            loads.update(res["phases"])

        def scratch():
            copy = os.path.join(work, "scratch")
            os.makedirs(copy)
            data = os.path.join(zst["backup"], "data")
            names = os.listdir(data)
            for name in names:
                if not name.endswith(".zst"):
                    shutil.copy(os.path.join(data, name), copy)
            with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
                list(pool.map(lambda n: subprocess.run(["zstd", "-q", "-d", "-o", os.path.join(copy, n[:-4]),
                                                        os.path.join(data, n)], check=True),
                              [n for n in names if n.endswith(".zst")]))
            server.createdb("r_scratch")
            subprocess.run(["pg_restore", "--exit-on-error", "-j", str(jobs), "-d", "r_scratch", copy], env=env, check=True)
            shutil.rmtree(copy)

        def plain():
            server.createdb("r_plain")
            subprocess.run(["pg_restore", "--exit-on-error", "-j", str(jobs), "-d", "r_plain", raw_dir],
                           env=env, check=True)

        for label, func in (("fifo", fifo), ("scratch", scratch), ("plain", plain)):
            print("%-8s %6.2f s" % (label, timed(func)))
        print("fifo phases (the module also re-checks checksums and counts rows): %s" % loads)
    finally:
        server.destroy()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
