"""``make bench``: pg_backup against the runbooks' own commands, in one run.

Starts its own PostgreSQL 15 (tuned for a fast load), generates a SaaS-like
database of about BENCH_SIZE_MB megabytes (users, orders with a jsonb payload,
events, an audit log; random text, jsonb and indexes) server-side, then times
each case on the same data in the same run and prints seconds, output sizes
and the ratios against the bars of the issues. Results go to
build/bench/results.json and build/bench/results.md.

Not a test: slowness never fails it; it reports whether each limit is met.

Environment:
  BENCH_SIZE_MB   database size to generate (default 1024; 100 for a quick run)
  BENCH_REPEAT    rounds of every case (default 1); the fastest round counts
  BENCH_JOBS      parallel jobs for the -j cases and zstd threads (default: cores)
  BENCH_KEEP      1 keeps the dumps under build/bench/work after the run

Adding cases (e.g. the restore figures of issue 3): append a ``Case`` to
``CASES`` (group "restore", as the three restore cases do; its function may read the outputs of the backup
cases from ``ctx.outputs``) and a ``Ratio`` to ``RATIOS``. Cases run in list
order within a round; every ratio is computed from figures of the same run.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tests.support.services import PG_BIN, PostgresServer  # noqa: E402  pylint: disable=wrong-import-position

BUILD = os.path.join(ROOT, "build", "bench")
WORK = os.path.join(BUILD, "work")
COLLECTIONS = os.path.join(ROOT, "build", "collections")
DB = "saas"
PG_CONF = (
    "shared_buffers=512MB", "maintenance_work_mem=512MB", "work_mem=64MB",
    "wal_level=minimal", "max_wal_senders=0", "synchronous_commit=off",
    "checkpoint_timeout=30min", "max_wal_size=8GB", "autovacuum=off",
    "max_parallel_maintenance_workers=2", "max_parallel_workers_per_gather=2",
)


def log(msg):
    sys.stdout.write("[bench %s] %s\n" % (time.strftime("%H:%M:%S"), msg))
    sys.stdout.flush()


# --- the database -------------------------------------------------------------

WORDS = ("account billing invoice order customer product shipping payment refund plan upgrade "
         "trial team member project task comment file upload report export import webhook api "
         "token session login logout password reset email notification alert dashboard metric "
         "event page view click search filter sort cart checkout coupon discount tax price "
         "currency subscription renewal cancel support ticket reply status pending paid failed "
         "shipped delivered returned archived active inactive admin owner viewer editor the a "
         "of to and in for with on at from by is was are be this that new old first last next "
         "quick brown fox jumps over lazy dog lorem ipsum dolor sit amet consectetur").split()


def words(n):
    """SQL expression of n random words from the WORDS array ``w``."""
    return " || ' ' || ".join("w[1 + (random() * %d)::int]" % (len(WORDS) - 1) for _i in range(n))


def table_sql(size_mb):
    """CREATE TABLE ... AS statements (run in parallel) and the index statements."""
    scale = size_mb / 1024.0
    n_users = max(1000, int(200000 * scale))
    n_orders = max(1000, int(450000 * scale))
    n_events = max(1000, int(1800000 * scale))
    n_audit = max(1000, int(500000 * scale))
    arr = "ARRAY[%s]" % ",".join("'%s'" % w for w in WORDS)
    head = "WITH c AS (SELECT %s AS w) " % arr  # goes after "CREATE TABLE x AS"
    creates = [
        "CREATE TABLE events AS " + head + """
        SELECT g::bigint AS id, (1 + random() * %(users)d)::bigint AS user_id,
               (ARRAY['page_view','click','search','login','api_call','export','upload'])[1 + (g %% 7)] AS kind,
               now() - random() * interval '365 days' AS ts,
               jsonb_build_object('path', '/' || w[1 + (random() * 20)::int] || '/' || (random() * 1e6)::int,
                                  'ua', md5(g::text), 'ms', (random() * 900)::int,
                                  'q', %(w4)s) AS props
        FROM c, generate_series(1, %(events)d) g""" % dict(users=n_users, events=n_events, w4=words(4)),
        "CREATE TABLE orders AS " + head + """
        SELECT g::bigint AS id, (1 + random() * %(users)d)::bigint AS user_id,
               (ARRAY['pending','paid','shipped','delivered','refunded'])[1 + (g %% 5)] AS status,
               round((random() * 500)::numeric, 2) AS total, 'EUR'::text AS currency,
               now() - random() * interval '730 days' AS created_at,
               jsonb_build_object(
                 'items', jsonb_build_array(
                    jsonb_build_object('sku', md5((g * 3)::text), 'qty', (1 + random() * 5)::int,
                                       'price', round((random() * 100)::numeric, 2), 'name', %(w3)s),
                    jsonb_build_object('sku', md5((g * 3 + 1)::text), 'qty', (1 + random() * 5)::int,
                                       'price', round((random() * 100)::numeric, 2), 'name', %(w3)s)),
                 'shipping', jsonb_build_object('city', w[1 + (random() * 40)::int], 'zip', (10000 + random() * 89999)::int,
                                                'street', %(w3)s),
                 'note', %(w8)s) AS payload
        FROM c, generate_series(1, %(orders)d) g""" % dict(users=n_users, orders=n_orders, w3=words(3), w8=words(8)),
        "CREATE TABLE audit_log AS " + head + """
        SELECT g::bigint AS id, 'user' || (1 + (random() * %(users)d)::int) || '@example.com' AS actor,
               (ARRAY['update','create','delete','login','grant','revoke'])[1 + (g %% 6)] AS action,
               w[1 + (random() * 30)::int] || ':' || (random() * 1e7)::int AS target,
               now() - random() * interval '365 days' AS at,
               %(w12)s || ' ' || md5(random()::text) AS detail
        FROM c, generate_series(1, %(audit)d) g""" % dict(users=n_users, audit=n_audit, w12=words(12)),
        "CREATE TABLE users AS " + head + """
        SELECT g::bigint AS id, 'user' || g || '@' || (ARRAY['example.com','mail.test','corp.example'])[1 + g %% 3] AS email,
               initcap(w[1 + (random() * 90)::int]) || ' ' || initcap(w[1 + (random() * 90)::int]) AS name,
               (ARRAY['free','team','business','enterprise'])[1 + (g %% 4)] AS plan,
               now() - random() * interval '1000 days' AS created_at,
               md5(random()::text) AS password_hash,
               jsonb_build_object('theme', (ARRAY['dark','light'])[1 + g %% 2], 'lang', 'en',
                                  'bio', %(w10)s, 'flags', jsonb_build_array(g %% 2 = 0, g %% 3 = 0)) AS settings
        FROM c, generate_series(1, %(users)d) g""" % dict(users=n_users, w10=words(10)),
    ]
    indexes = [
        "ALTER TABLE events ADD PRIMARY KEY (id); CREATE INDEX ON events (user_id, ts);",
        "ALTER TABLE orders ADD PRIMARY KEY (id); CREATE INDEX ON orders (user_id); "
        "CREATE INDEX ON orders (created_at); CREATE INDEX ON orders ((payload->>'note'));",
        "ALTER TABLE audit_log ADD PRIMARY KEY (id); CREATE INDEX ON audit_log (at);",
        "ALTER TABLE users ADD PRIMARY KEY (id); CREATE UNIQUE INDEX ON users (email); "
        "CREATE INDEX ON users USING gin (settings jsonb_path_ops);",
    ]
    return creates, indexes


def psql_proc(server, sql, db=DB):
    proc = subprocess.Popen(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db], stdin=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=server.env(), text=True)
    proc.stdin.write(sql)
    proc.stdin.close()
    return proc


def run_parallel(server, statements, jobs):
    """Run SQL statements, ``jobs`` at a time, each in its own session."""
    pending = list(statements)
    running = []
    while pending or running:
        while pending and len(running) < jobs:
            proc = psql_proc(server, pending.pop(0))
            running.append(proc)
        proc = running.pop(0)
        err = proc.stderr.read()
        if proc.wait() != 0:
            raise RuntimeError("SQL failed: %s" % err)


def generate(server, size_mb, jobs):
    server.createdb(DB)
    creates, indexes = table_sql(size_mb)
    t0 = time.monotonic()
    # CREATE TABLE AS with wal_level=minimal writes no WAL
    run_parallel(server, creates, jobs)
    run_parallel(server, indexes, jobs)
    server.psql("VACUUM ANALYZE;", db=DB)
    info = json.loads(server.psql(
        "SELECT json_build_object('bytes', pg_database_size(current_database()), 'tables', "
        "(SELECT json_object_agg(relname, json_build_object('rows', reltuples::bigint, 'bytes', "
        "pg_total_relation_size(oid))) FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace))",
        db=DB))
    info["seconds"] = round(time.monotonic() - t0, 1)
    return info


# --- running and measuring ------------------------------------------------------

def tree_bytes(path):
    if os.path.isfile(path):
        return os.path.getsize(path)
    total = 0
    for dirpath, _dirs, files in os.walk(path):
        for name in files:
            total += os.path.getsize(os.path.join(dirpath, name))
    return total


def cpu_children():
    usage = os.times()
    return usage.children_user + usage.children_system


def server_cpu(server):
    """CPU seconds of the server's exited backends (the postmaster reaps them: cutime + cstime)."""
    try:
        with open(os.path.join(server.data, "postmaster.pid"), encoding="utf-8") as handle:
            pid = int(handle.readline())
        with open("/proc/%d/stat" % pid, encoding="utf-8") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except (OSError, ValueError):
        return 0.0
    # fields[0] is field 3 (state) of proc(5): cutime and cstime are fields 16 and 17
    return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")


def pipeline(argvs, out_path, env):
    """argvs[0] | argvs[1] | ... > out_path; raises when any stage fails."""
    procs = []
    with open(out_path, "wb") as out:
        prev = None
        for i, argv in enumerate(argvs):
            last = i == len(argvs) - 1
            proc = subprocess.Popen(argv, stdin=prev.stdout if prev else subprocess.DEVNULL,
                                    stdout=out if last else subprocess.PIPE, env=env)
            if prev is not None:
                prev.stdout.close()
            procs.append(proc)
            prev = proc
        codes = [p.wait() for p in procs]
    if any(codes):
        raise RuntimeError("pipeline %s failed: %s" % (" | ".join(a[0] for a in argvs), codes))


def run(argv, env, **kw):
    proc = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False, **kw)
    if proc.returncode != 0:
        raise RuntimeError("%s failed (rc=%d): %s%s" % (argv[0], proc.returncode, proc.stdout[-2000:], proc.stderr[-2000:]))
    return proc


class Case:
    """One timed command. ``fn(ctx, out)`` does the work, returns extra facts."""

    def __init__(self, key, group, label, fn, output=None):
        self.key = key
        self.group = group
        self.label = label
        self.fn = fn
        self.output = output


class Ratio:
    """``num / den`` of two cases' seconds, checked against a limit."""

    def __init__(self, key, num, den, op, limit, what, field="seconds", num_field=None):
        self.key = key
        self.num_field = num_field or field
        self.num = num
        self.den = den
        self.op = op
        self.limit = limit
        self.what = what
        self.field = field

    def evaluate(self, best):
        if self.num not in best or self.den not in best:
            return None
        value = best[self.num][self.num_field] / max(best[self.den][self.field], 1e-9)
        if self.limit is None:  # for information: no bar
            met = None
        else:
            met = value >= self.limit if self.op == ">=" else value <= self.limit
        return dict(key=self.key, what=self.what, value=round(value, 2), op=self.op, limit=self.limit, met=met)


class Context:
    def __init__(self, server, jobs):
        self.server = server
        self.jobs = jobs
        self.env = server.env()
        self.outputs = {}  # case key -> its output path (restore cases read the backups from here)

    def fresh_db(self, name):
        """An empty database ``name`` (dropped first if a previous round left it)."""
        self.server.dropdb(name)
        self.server.createdb(name)
        return name


def c_runbook(ctx, out):
    pipeline([["pg_dump", DB], ["gzip"]], out, ctx.env)


def c_read_one(ctx, out):
    with open(os.devnull, "wb") as sink:
        proc = subprocess.run(["pg_dump", DB], env=ctx.env, stdout=sink, check=False)
    if proc.returncode:
        raise RuntimeError("pg_dump failed")


def c_read_bound(ctx, out):
    run(["pg_dump", "-Fd", "-j%d" % ctx.jobs, "-Z0", "--no-sync", "-f", out, DB], ctx.env)


def c_zstd_pipe(ctx, out):
    pipeline([["pg_dump", DB], ["zstd", "-q", "-T%d" % ctx.jobs, "-3"]], out, ctx.env)


PLAY = """- name: Bench pg_backup
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Back up the bench database
      saasops.maintenance.pg_backup:
        login_host: 127.0.0.1
        port: {port}
        login_user: postgres
        login_password: "{{{{ lookup('ansible.builtin.env', 'BENCH_PGPASSWORD') }}}}"
        db: {db}
        dest: {dest}
      check_mode: {check}
      register: bench_out
    - name: Show the result
      ansible.builtin.debug:
        msg: "BENCH_RESULT {{{{ bench_out | to_json }}}}"
"""


def run_play(ctx, out, text):
    """Run a one-module play through ansible-playbook; the module's result (printed as BENCH_RESULT)."""
    play = out + ".play.yml"
    with open(play, "w", encoding="utf-8") as handle:
        handle.write(text)
    env = dict(os.environ)
    for key in ("PGHOST", "PGPORT", "PGUSER", "PGPASSWORD"):
        env.pop(key, None)
    env.update(ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_PYTHON_INTERPRETER=sys.executable,
               ANSIBLE_LOCAL_TEMP=os.path.join(ROOT, "build", "ansible-tmp"), ANSIBLE_NOCOWS="1",
               BENCH_PGPASSWORD=ctx.server.password)
    playbook = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    try:
        proc = run([playbook, "-i", "localhost,", play], env, cwd=ROOT)
    finally:
        os.unlink(play)
    marker = '"BENCH_RESULT '
    text = proc.stdout[proc.stdout.index(marker) + len(marker):]
    return json.JSONDecoder().raw_decode(json.loads('"' + text.split('"\n', 1)[0] + '"'))[0]


def c_pg_backup(ctx, out, check=False):
    """The module with default options, through ansible-playbook (Ansible start-up included)."""
    res = run_play(ctx, out, PLAY.format(port=ctx.server.port, db=DB, dest=out, check="true" if check else "false"))
    if check:
        return dict(size_bytes=None)
    return dict(module_seconds=res["duration"], phases=res.get("phases"), rows=res.get("rows"),
                size_bytes=res["size"], row_counts=res.get("row_counts"), streamed_tables=res.get("streamed_tables"))


def c_pg_backup_check(ctx, out):
    return c_pg_backup(ctx, out, check=True)


RESTORE_PLAY = """- name: Bench pg_restore
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Restore the newest backup of the bench store into a new database
      saasops.maintenance.pg_restore:
        login_host: 127.0.0.1
        port: {port}
        login_user: postgres
        login_password: "{{{{ lookup('ansible.builtin.env', 'BENCH_PGPASSWORD') }}}}"
        store: {store}
        db: {db}
        mode: new
      register: bench_out
    - name: Show the result
      ansible.builtin.debug:
        msg: "BENCH_RESULT {{{{ bench_out | to_json }}}}"
"""

TUNED = "-c maintenance_work_mem=1GB -c synchronous_commit=off"


def c_restore_runbook(ctx, out):
    """The runbooks' restore: gunzip -c backup.sql.gz | psql (into a new database)."""
    target = ctx.fresh_db("r_runbook")
    pipeline([["gunzip", "-c", ctx.outputs["runbook"]],
              ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-o", os.devnull, "-d", target]], out, ctx.env)
    ctx.server.dropdb(target)


def c_restore_tuned(ctx, out):
    """The best hand-tuned restore: pg_restore -j of the uncompressed directory dump, tuned session."""
    target = ctx.fresh_db("r_tuned")
    run(["pg_restore", "-j%d" % ctx.jobs, "-d", target, ctx.outputs["read_bound"]],
        dict(ctx.env, PGOPTIONS=TUNED))
    ctx.server.dropdb(target)


def c_pg_restore(ctx, out):
    """pg_restore (the module) of pg_backup's backup through ansible-playbook, checks and ANALYZE included."""
    ctx.server.dropdb("r_module")
    try:
        res = run_play(ctx, out, RESTORE_PLAY.format(port=ctx.server.port, store=ctx.outputs["pg_backup"],
                                                     db="r_module"))
    finally:
        ctx.server.dropdb("r_module")
    return dict(module_seconds=res.get("duration"), phases=res.get("phases"))


CASES = [
    Case("fixed", "backup", "`pg_backup` in check mode via ansible-playbook (fixed cost: Ansible, preflight)",
         c_pg_backup_check),
    Case("read_one", "backup", "`pg_dump db > /dev/null` (one stream, reference only)", c_read_one),
    Case("runbook", "backup", "`pg_dump db | gzip > f.sql.gz` (the runbooks)", c_runbook, "f.sql.gz"),
    Case("read_bound", "backup", "`pg_dump -Fd -j{jobs} -Z0` (the read bound)", c_read_bound, "readbound"),
    Case("zstd_pipe", "backup", "`pg_dump db | zstd -T{jobs} -3`", c_zstd_pipe, "f.sql.zst"),
    Case("pg_backup", "backup", "`pg_backup` via ansible-playbook (defaults)", c_pg_backup, "store"),
    Case("restore_runbook", "restore", "`gunzip -c f.sql.gz | psql` into a new database (the runbooks)",
         c_restore_runbook),
    Case("restore_tuned", "restore", "`pg_restore -j{jobs}` from `-Fd -Z0`, PGOPTIONS " + TUNED + " (hand-tuned best)",
         c_restore_tuned),
    Case("pg_restore", "restore", "`pg_restore` module via ansible-playbook (mode new, verify and ANALYZE included)",
         c_pg_restore),
]

RATIOS = [
    Ratio("speedup", "runbook", "pg_backup", ">=", 4.0, "runbook seconds / pg_backup seconds"),
    Ratio("read_bound", "pg_backup", "read_bound", "<=", 1.3, "pg_backup seconds / read bound seconds"),
    Ratio("read_bound_module", "pg_backup", "read_bound", "<=", 1.3,
          "pg_backup module duration (no Ansible start-up) / read bound seconds", num_field="module_seconds"),
    Ratio("cpu_speedup", "runbook", "pg_backup", "", None, "runbook CPU seconds / pg_backup CPU seconds", field="cpu"),
    Ratio("cpu_read_bound", "pg_backup", "read_bound", "", None, "pg_backup CPU seconds / read bound CPU seconds",
          field="cpu"),
    Ratio("size", "pg_backup", "runbook", "<=", 1.0, "pg_backup bytes / runbook (gzip) bytes", field="bytes"),
    Ratio("restore_speedup", "restore_runbook", "pg_restore", ">=", 1.5,
          "runbook restore seconds / pg_restore module seconds"),
    Ratio("restore_tuned", "pg_restore", "restore_tuned", "<=", 1.15,
          "pg_restore module seconds / hand-tuned pg_restore -j seconds"),
    Ratio("restore_tuned_module", "pg_restore", "restore_tuned", "<=", 1.15,
          "pg_restore module duration (no Ansible start-up) / hand-tuned seconds", num_field="module_seconds"),
]


def run_case(ctx, case):
    out = os.path.join(WORK, case.output or case.key)
    for path in (out, out + ".result.json"):
        if os.path.isdir(path):
            shutil.rmtree(path)
        elif os.path.exists(path):
            os.unlink(path)
    cpu0 = cpu_children()
    srv0 = server_cpu(ctx.server)
    t0 = time.monotonic()
    extra = case.fn(ctx, out) or {}
    seconds = time.monotonic() - t0
    time.sleep(0.3)  # let the postmaster reap the backends of the case
    row = dict(key=case.key, group=case.group, label=case.label.format(jobs=ctx.jobs),
               seconds=round(seconds, 2), client_cpu=round(cpu_children() - cpu0, 2),
               server_cpu=round(server_cpu(ctx.server) - srv0, 2),
               # CPU includes the client tools, the server backends and the Ansible start-up
               # (not other processes): the load-independent half of the picture
               bytes=extra.pop("size_bytes", None))
    if row["bytes"] is None and case.output:
        row["bytes"] = tree_bytes(out)
    row.update(extra)
    row["cpu"] = round(row["client_cpu"] + row["server_cpu"], 2)
    ctx.outputs[case.key] = out
    return row


def machine():
    model = ""
    with open("/proc/cpuinfo", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo", encoding="utf-8") as handle:
        mem = int(handle.readline().split()[1]) // 1024
    zstd = subprocess.run(["zstd", "--version"], capture_output=True, text=True, check=False).stdout.strip()
    pg = subprocess.run([PG_BIN + "/pg_dump", "--version"], capture_output=True, text=True, check=False).stdout.strip()
    return dict(cpu=model, cores=os.cpu_count(), memory_mb=mem, kernel=platform.release(), python=platform.python_version(),
                pg_dump=pg, zstd=zstd, load_before=round(os.getloadavg()[0], 2))


def mb(n):
    return "%.1f MB" % (n / 1e6) if n is not None else ""


def markdown(report):
    db = report["database"]
    tables = ", ".join("%s %d rows %.0f MB" % (name, t["rows"], t["bytes"] / 1e6) for name, t in sorted(db["tables"].items()))
    lines = [
        "# make bench: %s" % report["date"], "",
        "Machine: %(cpu)s, %(cores)d cores, %(memory_mb)d MB RAM, kernel %(kernel)s; %(pg_dump)s; %(zstd)s."
        % report["machine"],
        "Database: %.0f MB (%s), generated in %.0f s." % (db["bytes"] / 1e6, tables, db["seconds"]),
        "Jobs: %d. Rounds: %d (the fastest of each case counts). Load average before/after: %s / %s."
        % (report["jobs"], report["repeat"], report["machine"]["load_before"], report["load_after"]),
        "", "| case | seconds | output | client CPU s | server CPU s |", "|---|---:|---:|---:|---:|",
    ]
    for row in report["best"].values():
        lines.append("| %s | %.1f | %s | %.1f | %.1f |"
                     % (row["label"].replace("|", "\\|"), row["seconds"], mb(row["bytes"]), row["client_cpu"], row["server_cpu"]))
    pgb = report["best"].get("pg_backup")
    if pgb:
        phases = ", ".join("%s %.1f s" % item for item in (pgb.get("phases") or {}).items())
        lines += ["", "pg_backup module duration (without Ansible start-up): %.1f s; phases: %s; row counts: %s; "
                  "table data files streamed through named pipes: %s."
                  % (pgb["module_seconds"], phases, pgb.get("row_counts"), pgb.get("streamed_tables"))]
    rounds = report.get("round_ratios") or []
    lines += ["", "| ratio | fastest figures | %s | limit | met (fastest) |"
              % " | ".join("round %d" % (i + 1) for i in range(len(rounds))),
              "|---|---:|%s---:|---|" % ("---:|" * len(rounds))]
    for rat in report["ratios"]:
        per_round = " | ".join("%.2f" % rnd[rat["key"]] if rat["key"] in rnd else "" for rnd in rounds)
        if rat["limit"] is None:
            limit, met = "(information)", ""
        else:
            limit, met = "%s %s" % (rat["op"], rat["limit"]), "yes" if rat["met"] else "NO"
        lines.append("| %s | %.2f | %s | %s | %s |" % (rat["what"], rat["value"], per_round, limit, met))
    return "\n".join(lines) + "\n"


def summarize(report):
    """Fastest figure of each case, the ratios on them and within each round."""
    for rnd in report["rounds"]:
        for row in rnd.values():
            row.setdefault("cpu", round(row["client_cpu"] + row["server_cpu"], 2))
    best = {}
    for case in CASES:
        runs = [r[case.key] for r in report["rounds"] if case.key in r]
        if runs:
            best[case.key] = min(runs, key=lambda r: r["seconds"])
    report["best"] = best
    report["ratios"] = [r for r in (rat.evaluate(best) for rat in RATIOS) if r]
    # the same ratios within each round (cases run back to back: least exposed to the machine's load)
    report["round_ratios"] = [{r["key"]: r["value"] for r in (rat.evaluate(rnd) for rat in RATIOS) if r}
                              for rnd in report["rounds"]]


def main():
    if sys.argv[1:] == ["--report"]:
        # render the last results again (e.g. after changing the report)
        with open(os.path.join(BUILD, "results.json"), encoding="utf-8") as handle:
            report = json.load(handle)
        summarize(report)
        sys.stdout.write(markdown(report))
        return 0
    size_mb = int(os.environ.get("BENCH_SIZE_MB", "1024"))
    repeat = max(1, int(os.environ.get("BENCH_REPEAT", "1")))
    jobs = int(os.environ.get("BENCH_JOBS", "0")) or os.cpu_count() or 1
    free = shutil.disk_usage(ROOT).free
    if free < size_mb * 1e6 * 4:
        log("only %.1f GB free under %s: the dumps need about 4x the database size" % (free / 1e9, ROOT))
        return 1
    os.makedirs(WORK, exist_ok=True)
    report = dict(date=datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                  machine=machine(), jobs=jobs, repeat=repeat, size_mb=size_mb, rounds=[])
    server = PostgresServer(base=tempfile.gettempdir(), extra_conf=PG_CONF)
    try:
        log("starting PostgreSQL 15 on port %d" % server.port)
        server.start()
        log("generating a database of about %d MB" % size_mb)
        report["database"] = generate(server, size_mb, jobs)
        log("database: %.0f MB in %.0f s" % (report["database"]["bytes"] / 1e6, report["database"]["seconds"]))
        ctx = Context(server, jobs)
        for rnd in range(repeat):
            rows = {}
            for case in CASES:
                log("round %d: %s" % (rnd + 1, case.label.format(jobs=jobs)))
                rows[case.key] = run_case(ctx, case)
                log("  %.1f s, %s" % (rows[case.key]["seconds"], mb(rows[case.key]["bytes"])))
            report["rounds"].append(rows)
    finally:
        log("stopping PostgreSQL (pid from its postmaster.pid) and removing its data dir")
        server.destroy()
        if os.environ.get("BENCH_KEEP") != "1":
            shutil.rmtree(WORK, ignore_errors=True)
    report["load_after"] = round(os.getloadavg()[0], 2)
    summarize(report)
    with open(os.path.join(BUILD, "results.json"), "w", encoding="utf-8") as handle:
        json.dump(report, handle, indent=2)
    text = markdown(report)
    with open(os.path.join(BUILD, "results.md"), "w", encoding="utf-8") as handle:
        handle.write(text)
    sys.stdout.write("\n" + text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
