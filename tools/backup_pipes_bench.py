"""pg_backup with the table data through named pipes against through files, alternating.

    python tools/backup_pipes_bench.py [rounds]

Starts a throwaway PostgreSQL 15 with make bench's settings, generates make bench's
database (BENCH_SIZE_MB, default 1024) and runs pg_backup in-process (no Ansible),
zstd directory format, ``rounds`` times each way, alternating:

  files   the pipes disabled: pg_dump writes the .dat files, followers read them back
  pipes   the default: pg_dump writes into named pipes planted under the predicted names

Prints wall seconds and the CPU seconds of the child processes (pg_dump, zstd) and of
this process (the followers). Figures for docs/performance.md, not a timed test.
"""

from __future__ import annotations

import os
import resource
import shutil
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "build", "collections"))
sys.path.insert(0, ROOT)

from ansible_collections.saasops.maintenance.plugins.module_utils import compress  # noqa: E402
from ansible_collections.saasops.maintenance.plugins.module_utils.pg_backup import PgBackup  # noqa: E402
from ansible_collections.saasops.maintenance.plugins.module_utils.postgres import Postgres  # noqa: E402
from tests.support.services import PostgresServer  # noqa: E402
from tools import bench  # noqa: E402
from tools.restore_fifo_bench import Module  # noqa: E402


def backup(pg, store, pipes):
    expect = compress.DatCompressor.expect
    if not pipes:
        compress.DatCompressor.expect = lambda self, ids: None
    try:
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        own = resource.getrusage(resource.RUSAGE_SELF)
        start = time.monotonic()
        res = PgBackup(pg, dict(db=bench.DB, dest=store, jobs=os.cpu_count() or 2)).run()
        wall = time.monotonic() - start
        children2 = resource.getrusage(resource.RUSAGE_CHILDREN)
        own2 = resource.getrusage(resource.RUSAGE_SELF)
    finally:
        compress.DatCompressor.expect = expect
        shutil.rmtree(store, ignore_errors=True)
    return ("%-5s %6.2f s  children user %.2f sys %.2f  followers user %.2f sys %.2f  streamed %d  %.1f MB"
            % ("pipes" if pipes else "files", wall, children2.ru_utime - children.ru_utime,
               children2.ru_stime - children.ru_stime, own2.ru_utime - own.ru_utime, own2.ru_stime - own.ru_stime,
               res["streamed_tables"], res["size"] / 1e6))


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    server = PostgresServer(base=tempfile.gettempdir(), extra_conf=bench.PG_CONF)
    work = tempfile.mkdtemp(prefix="saasops-pipes-")
    try:
        server.start()
        info = bench.generate(server, int(os.environ.get("BENCH_SIZE_MB", "1024")), os.cpu_count() or 2)
        print("database %.0f MB" % (info["bytes"] / 1e6))
        pg = Postgres(Module(), {"PGHOST": server.host, "PGPORT": str(server.port), "PGUSER": server.user,
                                 "PGPASSWORD": server.password})
        for _round in range(rounds):
            for pipes in (False, True):
                print(backup(pg, os.path.join(work, "store"), pipes), flush=True)
    finally:
        server.destroy()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
