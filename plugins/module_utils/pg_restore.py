# -*- coding: utf-8 -*-
# Copyright: (c) 2026, saasops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Restore a verified backup without ever losing the current database.

The backup is always loaded into a side database ``<db>_restore_<stamp>``.
Only when that database matches the manifest (same tables; same row counts
when the manifest's counts are exact) is it swapped in: connections to the
current database are blocked and terminated, the current database is renamed
to ``<db>_before_<stamp>`` (kept) and the side database takes its name, all
renames in one transaction. Any failure before the swap drops the side
database only; the current database is never dropped or written to.

Directory dumps whose table data was compressed with zstd (``<id>.dat.zst``,
which pg_restore 15 cannot read) are fed through named pipes: a scratch copy
of the dump directory holds ``toc.dat``, links to the plain files and one
FIFO ``<id>.dat`` per compressed file, and a ``zstd -dc`` writer starts when
pg_restore opens that FIFO. Decompression so runs inside the parallel
restore, on the jobs' spare CPU, with no extra disk space and no extra pass
over the data; decompressing to a scratch directory first would write (and
then read back) the whole uncompressed dump before the load could start.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading

from ansible_collections.saasops.maintenance.plugins.module_utils.common import (
    MaintenanceError, Stopwatch, stamp, utcnow,
)
from ansible_collections.saasops.maintenance.plugins.module_utils.compress import terminate
from ansible_collections.saasops.maintenance.plugins.module_utils.postgres import classify, conninfo_db
from ansible_collections.saasops.maintenance.plugins.module_utils.restore import (
    SharedLock, backup_facts, check_files, find_backup,
)
from ansible_collections.saasops.maintenance.plugins.module_utils.runner import first_error, tail

__metaclass__ = type

NAMEDATALEN = 63

DB_INFO_SQL = r"""
SELECT coalesce((SELECT json_build_object(
         'name', d.datname, 'owner', pg_get_userbyid(d.datdba), 'encoding', pg_encoding_to_char(d.encoding),
         'collate', d.datcollate, 'ctype', d.datctype, 'allow_connections', d.datallowconn)
       FROM pg_database d WHERE d.datname = :'db'), 'null'::json);
"""

# The tables of the restored database, with exact row counts when asked.
# format('%I') quotes the names on the server: no name is ever put into SQL text here.
VERIFY_SQL = r"""
SELECT coalesce(json_agg(json_build_object(
         'schema', n.nspname, 'name', c.relname,
         'rows', CASE WHEN :'exact' = 'yes' THEN
                   (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I.%I', n.nspname, c.relname),
                                                          false, true, '')))[1]::text::bigint END)
       ORDER BY n.nspname, c.relname), '[]')
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r'
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\_toast%'
  AND n.nspname NOT LIKE 'pg\_temp%';
"""

# Only psql variables are interpolated; the clauses are chosen, never formatted.
CREATE_SQL = 'CREATE DATABASE :"side" TEMPLATE template0'
CREATE_OWNER = ' OWNER :"owner"'
CREATE_LIKE = " ENCODING :'encoding' LC_COLLATE :'collate' LC_CTYPE :'ctype'"
CREATE_TABLESPACE = ' TABLESPACE :"tablespace"'
DROP_SQL = 'DROP DATABASE IF EXISTS :"side" WITH (FORCE);\n'

# Block new connections (committed at once), end the current ones (waiting up
# to 5 s for each to go), then both renames and the re-allows in one transaction.
SWAP_SQL = """
ALTER DATABASE :"db" ALLOW_CONNECTIONS false;
SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity WHERE datname = :'db' AND pid <> pg_backend_pid();
BEGIN;
ALTER DATABASE :"db" RENAME TO :"before";
ALTER DATABASE :"side" RENAME TO :"db";
ALTER DATABASE :"db" ALLOW_CONNECTIONS true;
ALTER DATABASE :"before" ALLOW_CONNECTIONS true;
COMMIT;
"""
RENAME_SQL = 'ALTER DATABASE :"side" RENAME TO :"db";\n'
REALLOW_SQL = 'ALTER DATABASE :"db" ALLOW_CONNECTIONS true;\n'
REASSIGN_SQL = 'REASSIGN OWNED BY :"old" TO :"new";\n'
ROLES_SQL = "SELECT coalesce(json_agg(rolname), '[]') FROM pg_roles;\n"
TABLESPACES_SQL = "SELECT coalesce(json_agg(spcname), '[]') FROM pg_tablespace;\n"

GLOBALS_RE = re.compile(r'^(CREATE|ALTER) (ROLE|TABLESPACE) ("(?:[^"]|"")*"|[^\s;]+)')


def pg_name(base, suffix):
    """``base + suffix`` cut to PostgreSQL's 63 bytes without splitting a character."""
    room = NAMEDATALEN - len(suffix.encode("utf-8"))
    raw = base.encode("utf-8")[:room]
    return raw.decode("utf-8", "ignore") + suffix


def unquote_ident(text):
    if text.startswith('"') and text.endswith('"'):
        return text[1:-1].replace('""', '"')
    return text


def filter_globals(sql, roles, tablespaces):
    """globals.sql without the statements that would change existing roles or tablespaces.

    pg_dumpall writes one ``CREATE ROLE x;`` and one ``ALTER ROLE x WITH ...
    PASSWORD ...`` line per role: replaying those for a role that exists would
    reset its attributes and password to the backup's. Existing roles and
    tablespaces are left as they are; missing ones are created, and the
    memberships and settings are applied.
    """
    kept, skipped = [], []
    for line in sql.splitlines():
        match = GLOBALS_RE.match(line)
        if match:
            name = unquote_ident(match.group(3))
            existing = roles if match.group(2) == "ROLE" else tablespaces
            if name in existing and (match.group(1) == "CREATE" or " WITH " in line or match.group(2) == "TABLESPACE"):
                skipped.append(name)
                continue
        kept.append(line)
    return "\n".join(kept) + "\n", sorted(set(skipped))


class FifoFeeder:
    """Serve the ``.dat.zst`` files of a directory dump to pg_restore as plain ``.dat`` FIFOs."""

    def __init__(self, runner, source, scratch, zstd="zstd"):
        self.runner = runner
        self.source = source
        self.scratch = scratch
        self.zstd = zstd
        self.names = []
        self.threads = []
        self.results = {}
        self.procs = []
        self.stopping = False
        self.lock = threading.Lock()

    def prepare(self):
        for name in sorted(os.listdir(self.source)):
            src = os.path.join(self.source, name)
            if name.endswith(".dat.zst"):
                os.mkfifo(os.path.join(self.scratch, name[:-4]), 0o600)
                self.names.append(name)
            else:
                os.symlink(src, os.path.join(self.scratch, name))
        return len(self.names)

    def start(self):
        for name in self.names:
            thread = threading.Thread(target=self._feed, args=(name,), daemon=True)
            self.threads.append(thread)
            thread.start()

    def _feed(self, name):
        fifo = os.path.join(self.scratch, name[:-4])
        try:
            fd = os.open(fifo, os.O_WRONLY)  # blocks until pg_restore opens the table's data
        except OSError as err:
            self.results[name] = (None, "cannot open %s: %s" % (fifo, err.strerror))
            return
        try:
            if self.stopping:
                self.results[name] = (None, "not read")
                return
            errlog = tempfile.TemporaryFile()
            with self.lock:
                proc = self.runner.popen([self.zstd, "-q", "-d", "-c", os.path.join(self.source, name)],
                                         stdin=subprocess.DEVNULL, stdout=fd, stderr=errlog)
                self.procs.append(proc)
            os.close(fd)
            fd = -1
            rc = proc.wait()
            errlog.seek(0)
            self.results[name] = (rc, errlog.read().decode("utf-8", "replace"))
            errlog.close()
        except MaintenanceError as err:
            self.results[name] = (None, str(err))
        finally:
            if fd >= 0:
                os.close(fd)

    def finish(self):
        """After pg_restore exited: release writers whose FIFO was never opened, wait for all."""
        self.stopping = True
        for thread, name in zip(self.threads, self.names):
            if thread.is_alive() and name not in self.results:
                try:
                    fd = os.open(os.path.join(self.scratch, name[:-4]), os.O_RDONLY | os.O_NONBLOCK)
                    os.close(fd)
                except OSError:
                    pass
        for thread in self.threads:
            thread.join(10)
        with self.lock:
            terminate(self.procs)

    def failures(self):
        """(name, message) of every writer that did not decompress its whole file."""
        out = []
        for name in self.names:
            rc, err = self.results.get(name, (None, "not read"))
            if rc != 0:
                if rc is not None and rc < 0:
                    err = "killed by signal %d" % -rc
                out.append((name, first_error(err) or err or "rc=%s" % rc))
        return out


class PgRestore:
    def __init__(self, pg, params, check_mode=False):
        self.pg = pg
        self.p = params
        self.check_mode = check_mode
        self.mode = params.get("mode") or "replace"
        self.jobs = params.get("jobs") or os.cpu_count() or 1
        self.zstd = params.get("zstd_path") or "zstd"
        self.tmp_dir = params.get("tmp_dir") or tempfile.gettempdir()
        options = ["-c maintenance_work_mem=%s" % (params.get("maintenance_work_mem") or "512MB"),
                   "-c synchronous_commit=off"]
        if pg.env.get("PGOPTIONS"):
            options.insert(0, pg.env["PGOPTIONS"])
        self.load_env = {"PGOPTIONS": " ".join(options)}
        self.db = None
        self.entry = None
        self._procs = []

    # ------------------------------------------------------------------
    def run(self):
        clock = Stopwatch()
        phases = {}
        entry = find_backup(self.p.get("backup"), self.p.get("store"), self.p.get("series"), kind="postgresql")
        self.entry = entry
        man = entry.manifest
        self.db = self.p.get("db") or self.pg.default_db or man.get("database")
        if not self.db:
            raise MaintenanceError("no target database given: set db")
        with SharedLock(entry.store.path):
            watch = Stopwatch()
            files = check_files(entry, workers=min(4, self.jobs))
            phases["checksums"] = watch.elapsed()
            current = self.pg.psql_json(DB_INFO_SQL, db="postgres", variables={"db": self.db},
                                        what="looking up database %s" % self.db)
            if self.mode == "new" and current:
                raise MaintenanceError("database %s already exists: mode=new restores only into a database that does "
                                       "not exist (use mode=replace to swap it, keeping the current one)" % self.db)
            now = utcnow()
            side = pg_name(self.db, "_restore_" + stamp(now))
            before = pg_name(self.db, "_before_" + stamp(now)) if (self.mode == "replace" and current) else None
            result = dict(backup_facts(entry), database=self.db, mode=self.mode, format=man.get("format"),
                          compression=man.get("compression"), side_database=side, previous_database=before,
                          checked_files=files)
            if self.check_mode:
                result.update(changed=self.mode != "drill", msg=self._plan(current, side, before))
                return result
            taken = self.pg.psql_json(DB_INFO_SQL, db="postgres", variables={"db": side}, what="checking %s" % side)
            if taken:
                raise MaintenanceError("database %s already exists (another restore in the same second?)" % side)
            previous_handler = signal.signal(signal.SIGTERM, _interrupted)
            created = False
            try:
                watch = Stopwatch()
                self._create(side, current)
                created = True
                phases["create"] = watch.elapsed()
                if self.p.get("globals"):
                    watch = Stopwatch()
                    result["globals_skipped"] = self._globals(entry)
                    phases["globals"] = watch.elapsed()
                watch = Stopwatch()
                result["loader"] = self._load(entry, side)
                phases["load"] = watch.elapsed()
                for old, new in sorted((self.p.get("role_map") or {}).items()):
                    self.pg.psql(REASSIGN_SQL, db=side, variables={"old": old, "new": new},
                                 what="reassigning the objects of role %s to %s" % (old, new))
                if self.p.get("analyze", True):
                    watch = Stopwatch()
                    self._analyze(side)
                    phases["analyze"] = watch.elapsed()
                watch = Stopwatch()
                result.update(self._verify(side, man))
                phases["verify"] = watch.elapsed()
                if self.mode == "drill":
                    watch = Stopwatch()
                    self._drop(side)
                    created = False
                    phases["drop"] = watch.elapsed()
                else:
                    watch = Stopwatch()
                    self._swap(side, before)
                    created = False
                    phases["swap"] = watch.elapsed()
            except BaseException as err:
                self._fail(err, side, created)
                raise
            finally:
                signal.signal(signal.SIGTERM, previous_handler)
        result.update(changed=self.mode != "drill", phases=phases, duration=clock.elapsed(), jobs=self.jobs,
                      msg=self._done(side, before))
        if self.mode == "drill":
            result["side_database"] = None
        return result

    def _plan(self, current, side, before):
        if self.mode == "drill":
            return "would restore %s into a scratch database %s, verify it and drop it" % (self.entry.name, side)
        if before:
            return "would restore %s into %s, verify it, then rename %s to %s and %s to %s" % (
                self.entry.name, side, self.db, before, side, self.db)
        return "would restore %s into %s, verify it and rename it to %s" % (self.entry.name, side, self.db)

    def _done(self, side, before):
        if self.mode == "drill":
            return "backup %s restored into a scratch database, verified against its manifest and dropped" % self.entry.name
        if before:
            return "backup %s restored as %s; the previous database is kept as %s" % (self.entry.name, self.db, before)
        return "backup %s restored as %s" % (self.entry.name, self.db)

    # ------------------------------------------------------------------
    def _create(self, side, current):
        owner = self.p.get("owner") or (current or {}).get("owner")
        sql, variables = CREATE_SQL, dict(side=side)
        if owner:
            sql += CREATE_OWNER
            variables["owner"] = owner
        if current:
            sql += CREATE_LIKE
            variables.update(encoding=current["encoding"], collate=current["collate"], ctype=current["ctype"])
        if self.p.get("tablespace"):
            sql += CREATE_TABLESPACE
            variables["tablespace"] = self.p["tablespace"]
        self.pg.psql(sql + ";\n", db="postgres", variables=variables, what="creating the side database %s" % side)

    def _drop(self, side):
        self.pg.psql(DROP_SQL, db="postgres", variables={"side": side}, what="dropping the side database %s" % side)

    def _fail(self, err, side, created):
        """Drop the side database; say in the error that the current database was not changed."""
        note = "the current database %s was not changed" % self.db
        if created:
            try:
                self._drop(side)
                note += " and the side database %s was dropped" % side
            except MaintenanceError as drop_err:
                note += "; the side database %s could not be dropped (%s): drop it when the server is back" % (
                    side, drop_err)
        if isinstance(err, MaintenanceError):
            err.args = ("%s; %s" % (err.msg, note),)
            err.msg = err.args[0]
            err.details.setdefault("side_database", side)

    def _globals(self, entry):
        path = os.path.join(entry.path, entry.manifest.get("globals") or "globals.sql")
        if not os.path.isfile(path):
            raise MaintenanceError("globals requested but backup %s has no globals.sql" % entry.path)
        with open(path, encoding="utf-8") as handle:
            sql = handle.read()
        roles = set(self.pg.psql_json(ROLES_SQL, db="postgres", what="listing roles"))
        spaces = set(self.pg.psql_json(TABLESPACES_SQL, db="postgres", what="listing tablespaces"))
        sql, skipped = filter_globals(sql, roles, spaces)
        self.pg.psql(sql, db="postgres", what="applying globals.sql (roles, memberships)")
        return skipped

    # ------------------------------------------------------------------
    def _restore_argv(self, side, source=None):
        argv = self.pg.cmd("pg_restore", "--exit-on-error", "--no-password", "--dbname=%s" % conninfo_db(side))
        if self.p.get("no_owner"):
            argv.append("--no-owner")
        if self.p.get("no_acl"):
            argv.append("--no-acl")
        if source is not None and self.jobs > 1:
            argv.append("--jobs=%d" % self.jobs)
        if source is not None:
            argv.append(source)
        return argv

    def _load(self, entry, side):
        man = entry.manifest
        fmt = man.get("format")
        data = os.path.join(entry.path, man.get("data") or "data")
        comp = man.get("compression") or "none"
        if fmt == "directory":
            if self.pg.exec_prefix:
                raise MaintenanceError("a directory dump cannot be restored through exec_prefix "
                                       "(pg_restore would not see its files)")
            return self._load_directory(data, side)
        if fmt == "custom":
            if comp == "zstd":
                if self.jobs > 1 and not self.pg.exec_prefix:
                    return self._load_custom_tempfile(data, side)
                self._pipeline([self.zstd, "-q", "-d", "-c"], self._restore_argv(side), data, "pg_restore")
                return "zstd -dc | pg_restore"
            if self.pg.exec_prefix:
                self._pipeline(None, self._restore_argv(side), data, "pg_restore")
                return "pg_restore < file"
            self._pipeline(None, self._restore_argv(side, data), None, "pg_restore")
            return "pg_restore --jobs=%d" % self.jobs
        if fmt == "plain":
            psql = self.pg.cmd("psql", "--no-psqlrc", "--quiet", "--set", "ON_ERROR_STOP=1",
                               "--dbname", conninfo_db(side))
            dec = {"zstd": [self.zstd, "-q", "-d", "-c"], "gzip": ["gzip", "-d", "-c"]}.get(comp)
            self._pipeline(dec, psql, data, "psql")
            return "%spsql" % ((dec[0] + " -dc | ") if dec else "")
        raise MaintenanceError("backup %s has an unknown format %r" % (entry.path, fmt))

    def _load_directory(self, data, side):
        if not any(name.endswith(".dat.zst") for name in os.listdir(data)):
            self._pipeline(None, self._restore_argv(side, data), None, "pg_restore")
            return "pg_restore --jobs=%d" % self.jobs
        scratch = self._scratch()
        feeder = FifoFeeder(self.pg.runner, data, scratch, self.zstd)
        try:
            fifos = feeder.prepare()
            feeder.start()
            try:
                self._pipeline(None, self._restore_argv(side, scratch), None, "pg_restore")
            except MaintenanceError as err:
                feeder.finish()
                # pg_restore's error may only be the echo of a damaged file: name the file too.
                broken = [f for f in feeder.failures() if f[1] != "not read" and "Broken pipe" not in f[1]]
                if broken:
                    err.args = ("%s; decompressing %s failed: %s" % (err.msg, broken[0][0], broken[0][1]),)
                    err.msg = err.args[0]
                raise
            finally:
                feeder.finish()
            failures = feeder.failures()
            if failures:
                name, msg = failures[0]
                raise MaintenanceError("decompressing %s of the backup failed: %s" % (name, msg),
                                       failures=["%s: %s" % f for f in failures[:10]])
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        return "pg_restore --jobs=%d with %d zstd FIFOs" % (self.jobs, fifos)

    def _load_custom_tempfile(self, data, side):
        scratch = self._scratch()
        try:
            target = os.path.join(scratch, "data.dump")
            res = self.pg.runner.run([self.zstd, "-q", "-d", "-f", "-o", target, data], check=False)
            if res.rc != 0:
                cause = classify(res.err) or first_error(res.err) or "rc=%s" % res.rc
                raise MaintenanceError("decompressing %s into tmp_dir %s failed: %s (set tmp_dir to a larger file "
                                       "system, or jobs=1 to stream it without a temporary file)"
                                       % (os.path.basename(data), self.tmp_dir, cause), rc=res.rc, stderr=tail(res.err))
            self._pipeline(None, self._restore_argv(side, target), None, "pg_restore")
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        return "zstd -d to a temporary file, pg_restore --jobs=%d" % self.jobs

    def _scratch(self):
        try:
            return tempfile.mkdtemp(prefix="saasops-restore-", dir=self.tmp_dir)
        except OSError as err:
            raise MaintenanceError("cannot create a scratch directory in %s: %s" % (self.tmp_dir, err.strerror))

    def _pipeline(self, producer, consumer, source, what):
        """Run ``producer < source | consumer`` (or ``consumer < source``, or ``consumer``)."""
        cerr = tempfile.TemporaryFile()
        perr = tempfile.TemporaryFile()
        procs = []
        src = open(source, "rb") if source else None
        try:
            prod = None
            stdin = src if src is not None else subprocess.DEVNULL
            if producer:
                prod = self.pg.runner.popen(producer, stdin=src, stdout=subprocess.PIPE, stderr=perr)
                procs.append(prod)
                stdin = prod.stdout
            cons = self.pg.runner.popen(consumer, stdin=stdin, stdout=subprocess.DEVNULL, stderr=cerr,
                                        env=self.load_env)
            procs.append(cons)
            if prod is not None:
                prod.stdout.close()
            crc = cons.wait()
            prc = prod.wait() if prod is not None else 0
        except BaseException:
            terminate(procs)
            raise
        finally:
            if src is not None:
                src.close()
        cerr.seek(0)
        err = cerr.read().decode("utf-8", "replace")
        perr.seek(0)
        zerr = perr.read().decode("utf-8", "replace")
        cerr.close()
        perr.close()
        if crc != 0:
            if crc < 0:
                cause = "%s was killed by signal %d" % (what, -crc)
            else:
                cause = classify(err) or first_error(err) or "rc=%d" % crc
                if prc != 0 and zerr.strip():
                    cause = "%s (the decompressor said: %s)" % (cause, first_error(zerr) or zerr.strip())
            raise MaintenanceError("restore of backup %s into the side database failed: %s" % (self.entry.name, cause),
                                   rc=crc, stderr=tail(err))
        if prc != 0:
            raise MaintenanceError("restore of backup %s failed: decompressing %s failed: %s" % (
                self.entry.name, os.path.basename(source or ""), first_error(zerr) or "rc=%d" % prc),
                rc=prc, stderr=tail(zerr))

    # ------------------------------------------------------------------
    def _analyze(self, side):
        """ANALYZE the restored tables, ``jobs`` tables at a time (vacuumdb --analyze-only --jobs)."""
        argv = self.pg.cmd("vacuumdb", "--analyze-only", "--quiet", "--jobs=%d" % self.jobs,
                           "--dbname=%s" % conninfo_db(side))
        res = self.pg.runner.run(argv, check=False)
        if res.rc != 0:
            raise self.pg.error("analyzing the restored database %s" % side, res)

    def _verify(self, side, man):
        exact = man.get("row_counts") == "exact"
        rows = self.pg.psql_json(VERIFY_SQL, db=side, variables={"exact": "yes" if exact else "no"},
                                 what="verifying the restored database %s" % side) or []
        got = {(t["schema"], t["name"]): t["rows"] for t in rows}
        expected = {(t["schema"], t["name"]): t.get("rows") for t in man.get("tables") or []}
        missing = sorted(set(expected) - set(got))
        extra = sorted(set(got) - set(expected))
        if missing or extra:
            raise MaintenanceError("the restored database does not match the manifest of %s: %s" % (
                self.entry.name, "; ".join(filter(None, [
                    "missing tables %s" % ", ".join("%s.%s" % t for t in missing[:5]) if missing else "",
                    "unexpected tables %s" % ", ".join("%s.%s" % t for t in extra[:5]) if extra else ""]))))
        if exact:
            wrong = [(k, expected[k], got[k]) for k in sorted(expected) if expected[k] != got[k]]
            if wrong:
                raise MaintenanceError("the restored database does not match the manifest of %s: %s" % (
                    self.entry.name, "; ".join("%s.%s has %s rows, the manifest says %s" % (k[0], k[1], g, e)
                                               for k, e, g in wrong[:5])))
        total = sum(v for v in (got.values() if exact else expected.values()) if v is not None)
        return dict(tables=len(got), rows=total, row_counts="exact" if exact else "estimated")

    def _swap(self, side, before):
        if not before:
            self.pg.psql(RENAME_SQL, db="postgres", variables={"side": side, "db": self.db},
                         what="renaming %s to %s" % (side, self.db))
            return
        variables = dict(db=self.db, side=side, before=before)
        last = None
        for _attempt in range(3):
            try:
                self.pg.psql(SWAP_SQL, db="postgres", variables=variables,
                             what="swapping %s in for %s" % (side, self.db))
                return
            except MaintenanceError as err:
                last = err
                if "being accessed by other users" not in (err.details.get("stderr") or ""):
                    break
        # The renames were rolled back together: let the current database take connections again.
        try:
            self.pg.psql(REALLOW_SQL, db="postgres", variables={"db": self.db},
                         what="re-allowing connections to %s" % self.db)
        except MaintenanceError:
            pass
        raise last


def _interrupted(signum, _frame):
    raise MaintenanceError("restore interrupted by signal %d" % signum)
