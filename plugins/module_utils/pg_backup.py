# -*- coding: utf-8 -*-
# Copyright: (c) 2026, saasops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Verified PostgreSQL backups into a backup store (logic of pg_backup)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import tempfile
import threading

from ansible_collections.saasops.maintenance.plugins.module_utils.common import (
    MaintenanceError, Stopwatch, iso, safe_name, stamp, utcnow,
)
from ansible_collections.saasops.maintenance.plugins.module_utils.compress import DatCompressor, terminate
from ansible_collections.saasops.maintenance.plugins.module_utils.pgarchive import data_ids, first_entry
from ansible_collections.saasops.maintenance.plugins.module_utils.postgres import classify, conninfo_db
from ansible_collections.saasops.maintenance.plugins.module_utils.runner import first_error, tail
from ansible_collections.saasops.maintenance.plugins.module_utils.store import MANIFEST_SCHEMA, Store, file_list

__metaclass__ = type

PLAIN_TRAILER = b"-- PostgreSQL database dump complete"
PROBE_BYTES = 1 << 20  # the probe's first TOC entry comes within its first few hundred bytes
PROBE_WAIT = 2.0  # seconds the dump waits for the probe when no earlier backup knows the names

# Catalog only: no relation locks, so a preflight never waits behind a lock
# that pg_dump itself would wait for (bytes are estimated from relpages).
TABLES_SQL = r"""
SELECT json_build_object(
  'tables', (SELECT coalesce(json_agg(json_build_object(
               'oid', c.oid::bigint, 'schema', n.nspname, 'name', c.relname,
               'rows', CASE WHEN c.reltuples >= 0 THEN c.reltuples::bigint ELSE coalesce(s.n_live_tup, 0) END,
               'bytes', c.relpages::bigint * current_setting('block_size')::bigint)
             ORDER BY n.nspname, c.relname), '[]')
             FROM pg_class c
             JOIN pg_namespace n ON n.oid = c.relnamespace
             LEFT JOIN pg_stat_all_tables s ON s.relid = c.oid
             WHERE c.relkind = 'r'
               AND n.nspname NOT IN ('pg_catalog', 'information_schema')
               AND n.nspname NOT LIKE 'pg\_toast%'
               AND n.nspname NOT LIKE 'pg\_temp%'),
  -- each table, sequence and materialized view gets one data object in pg_dump (pgarchive)
  'relations', (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE c.relkind IN ('r', 'S', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
                  AND n.nspname NOT LIKE 'pg\_temp%'));
"""

TOC_DATA_RE = re.compile(r"^(\d+); (\d+) (\d+) TABLE DATA ")

# zstd 2: on the bench data (docs/performance.md) the smallest level whose output is not
# bigger than gzip -6's (level 1 is 2 % bigger), for about 3/4 of level 3's CPU.
DEFAULT_LEVELS = {"zstd": 2, "gzip": 6, "none": 0}


def previous_data_ids(previous):
    """The table data dump ids recorded in a previous backup's manifest (ints only)."""
    ids = ((previous.manifest or {}).get("data_ids") if previous is not None else None) or []
    return [i for i in ids if isinstance(i, int) and not isinstance(i, bool) and i > 0] if isinstance(ids, list) else []


def data_name(fmt, compression):
    """File (or directory) name of the dump inside a backup."""
    if fmt == "directory":
        return "data"
    base = "data.dump" if fmt == "custom" else "data.sql"
    return base + {"zstd": ".zst", "gzip": ".gz", "none": ""}[compression]


class PgBackup:
    def __init__(self, pg, params, check_mode=False):
        self.pg = pg
        self.p = params
        self.check_mode = check_mode
        self.db = params.get("db") or pg.default_db
        if not self.db:
            raise MaintenanceError("no database given: set db (or a database in uri)")
        self.fmt = params.get("format") or "directory"
        self.compression = params.get("compression") or "zstd"
        self.level = params.get("compression_level")
        if self.level is None:
            self.level = DEFAULT_LEVELS[self.compression]
        self.jobs = params.get("jobs") or os.cpu_count() or 1
        self.store = Store(params["dest"])
        self.series = params.get("name") or safe_name(self.db)
        if self.fmt == "directory" and pg.exec_prefix:
            raise MaintenanceError("format=directory writes its files where pg_dump runs; "
                                   "with exec_prefix use format=custom or format=plain")
        if self.compression == "zstd" and not 1 <= self.level <= 19:
            raise MaintenanceError("compression_level for zstd must be between 1 and 19")
        if self.compression == "gzip" and not 1 <= self.level <= 9:
            raise MaintenanceError("compression_level for gzip must be between 1 and 9")
        self.zstd = params.get("zstd_path") or "zstd"
        self._stderr = []
        self._digests = {}
        self._relations = 0
        self._streamed = []

    # ------------------------------------------------------------------
    def run(self):
        clock = Stopwatch()
        started = utcnow()
        name = "%s-%s" % (self.series, stamp(started))
        # Preflight: reach the server and the database (clear errors for
        # wrong password, server down, database missing) before writing.
        server_version = self.pg.server_version(self.db)
        listing = self.pg.psql_json(TABLES_SQL, db=self.db, what="listing the tables of %s" % self.db) or {}
        tables = listing.get("tables") or []
        self._relations = listing.get("relations") or 0
        if self.check_mode:
            return dict(changed=True, name=name, series=self.series, backup=os.path.join(self.store.path, name),
                        msg="would back up database %s into %s" % (self.db, self.store.path),
                        tables=len(tables))
        client_version = self.pg.client_version("pg_dump")
        self.store.ensure()
        os.umask(0o077)  # pg_dump, zstd and pg_dumpall inherit it: backup files are private
        with self.store.attempt(name, self.series, "postgresql", started) as tmp:
            previous = self.store.newest_verified(self.series)
            rows, phases = self._dump(tmp, tables, previous)
            if self.p.get("globals"):
                self._globals(tmp)
            step = Stopwatch()
            files = file_list(tmp, workers=min(4, self.jobs), known=self._digests)
            size = sum(f["size"] for f in files)
            phases["checksums"] = step.elapsed()
            step = Stopwatch()
            checks = self._verify(tmp, tables, rows, size, previous)
            phases["verify"] = step.elapsed()
            ended = utcnow()
            manifest = self._manifest(name, started, ended, clock.elapsed(), files, size, tables, rows,
                                      server_version, client_version, checks, dict(phases))
            step = Stopwatch()
            path = self.store.commit(tmp, name, manifest)
            phases["commit"] = step.elapsed()
        return dict(
            changed=True, name=name, series=self.series, backup=path, manifest=os.path.join(path, "manifest.json"),
            size=size, duration=clock.elapsed(), database=self.db, format=self.fmt,
            compression=self.compression, tables=len(tables), streamed_tables=len(self._streamed),
            rows=sum(t["rows"] for t in manifest["tables"] if t.get("rows") is not None),
            row_counts=manifest["row_counts"], verification=checks, phases=phases,
        )

    # ------------------------------------------------------------------
    def _dump_argv(self, tmp):
        fmt_flag = {"directory": "d", "custom": "c", "plain": "p"}[self.fmt]
        argv = self.pg.cmd("pg_dump", "--format=%s" % fmt_flag, "--no-sync")
        native = self.compression == "gzip"
        argv.append("--compress=%d" % (self.level if native else 0))
        if self.fmt == "directory":
            argv += ["--jobs=%d" % self.jobs, "--file=%s" % os.path.join(tmp, "data")]
        elif self._writes_file():
            argv.append("--file=%s" % os.path.join(tmp, data_name(self.fmt, self.compression)))
        argv.append("--dbname=%s" % conninfo_db(self.db))
        return argv

    def _writes_file(self):
        """pg_dump writes (and gzip-compresses) a single-file dump itself."""
        return self.fmt != "directory" and self.compression == "gzip" and not self.pg.exec_prefix

    def _dump(self, tmp, tables, previous=None):
        clock = Stopwatch()
        argv = self._dump_argv(tmp)
        errlog = tempfile.TemporaryFile()
        rows = {}
        phases = {}
        procs = []
        try:
            if self.fmt == "directory":
                counter = DatCompressor(self.pg.runner, os.path.join(tmp, "data"),
                                        level=self.level if self.compression == "zstd" else None, zstd=self.zstd)
                probe = None
                if self.compression != "gzip":
                    counter.start()
                    if self.compression == "zstd":
                        # the names of the last backup's table data: right unless the schema changed
                        # since (then some tables are written as files, and the next backup knows)
                        known = previous_data_ids(previous)
                        if known:
                            counter.expect(known)
                        else:
                            # the first backup of a series asks a probe (about 0.1 s), before pg_dump
                            # opens its first tables and without a connection more beside it
                            probe = self._probe(counter)
                            if probe:
                                procs.append(probe[0])
                                probe[1].join(PROBE_WAIT)
                                phases["probe"] = clock.elapsed()
                dump = self.pg.runner.popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=errlog)
                procs.append(dump)
                rc = dump.wait()
                phases["pg_dump"] = clock.elapsed()
                self._end_probe(probe)
                if self.compression != "gzip":
                    counter.finish(failed=rc != 0)
                    cause = counter.first_error() if rc != 0 else None
                    if cause is not None:
                        raise cause  # e.g. zstd out of space: pg_dump only saw its pipe close
                    rows = counter.row_counts()
                    self._digests = counter.digests()
                    self._streamed = counter.streamed()
                self._check_rc("pg_dump", rc, errlog)
            elif self._writes_file():
                dump = self.pg.runner.popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=errlog)
                procs.append(dump)
                self._check_rc("pg_dump", dump.wait(), errlog)
            else:
                out_path = os.path.join(tmp, data_name(self.fmt, self.compression))
                fd = os.open(out_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as out:
                    if self.compression == "zstd":
                        dump = self.pg.runner.popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=errlog)
                        procs.append(dump)
                        zerr = tempfile.TemporaryFile()
                        comp = self.pg.runner.popen([self.zstd, "-q", "-%d" % self.level, "-T%d" % self.jobs, "-c"],
                                                    stdin=dump.stdout, stdout=out, stderr=zerr)
                        procs.append(comp)
                        dump.stdout.close()
                        rc = dump.wait()
                        crc = comp.wait()
                        self._check_rc("pg_dump", rc, errlog)
                        self._check_rc("zstd", crc, zerr)
                    else:
                        dump = self.pg.runner.popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=errlog)
                        procs.append(dump)
                        self._check_rc("pg_dump", dump.wait(), errlog)
        except BaseException:
            terminate(procs)
            raise
        finally:
            errlog.close()
        phases["dump"] = clock.elapsed()
        return rows, phases

    def _probe(self, counter):
        """Start a data-less ``pg_dump -Fc`` of the same database.

        Its first TOC entry tells the dump ids the real dump gives its table data
        (pgarchive), so named pipes can wait under those names (DatCompressor.expect).
        Best effort: when it fails or is late, pg_dump writes files, which are followed."""
        argv = self.pg.cmd("pg_dump", "--format=c", "--compress=0", "--exclude-table-data=*.*", "--no-blobs",
                           "--dbname=%s" % conninfo_db(self.db))
        try:
            proc = self.pg.runner.popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL)
        except (OSError, MaintenanceError):
            return None

        def read():
            head = b""
            try:
                while len(head) < PROBE_BYTES and first_entry(head) is None:
                    chunk = os.read(proc.stdout.fileno(), 65536)
                    if not chunk:
                        break
                    head += chunk
                ids = data_ids(head, self._relations)
                if ids:
                    counter.expect(ids)
            except (OSError, ValueError):
                pass  # not an archive we know: no pipes, files as before

        thread = threading.Thread(target=read, daemon=True)
        thread.start()
        return proc, thread

    @staticmethod
    def _end_probe(probe):
        if probe is None:
            return
        proc, thread = probe
        terminate([proc])  # it may still wait for a lock the real dump got
        thread.join(5)
        proc.stdout.close()

    def _check_rc(self, what, rc, errfile):
        errfile.seek(0)
        err = errfile.read().decode("utf-8", "replace")
        self._stderr.append(err)
        if rc == 0:
            return
        if rc < 0:
            cause = "%s was killed by signal %d" % (what, -rc)
        else:
            cause = classify(err) or first_error(err) or "rc=%d" % rc
        raise MaintenanceError("backup of database %s failed: %s" % (self.db, cause),
                               rc=rc, stderr=tail(err))

    def _globals(self, tmp):
        path = os.path.join(tmp, "globals.sql")
        errlog = tempfile.TemporaryFile()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            proc = self.pg.runner.popen(self.pg.cmd("pg_dumpall", "--globals-only"),
                                        stdin=subprocess.DEVNULL, stdout=out, stderr=errlog)
            self._check_rc("pg_dumpall --globals-only", proc.wait(), errlog)
        errlog.close()

    # ------------------------------------------------------------------
    def _verify(self, tmp, tables, rows, size, previous):
        checks = {"checksums": True}
        data = os.path.join(tmp, data_name(self.fmt, self.compression))
        if self.fmt in ("directory", "custom"):
            toc = self._toc(data)
            checks["toc_entries"] = len(toc)
            checks["pg_restore_list"] = True
            if self.fmt == "directory":
                missing = []
                for dump_id in toc:
                    if not any(os.path.exists(os.path.join(data, "%s.dat%s" % (dump_id, ext))) for ext in ("", ".gz", ".zst")):
                        missing.append(dump_id)
                if missing:
                    raise MaintenanceError("verification of the backup of %s failed: table data files missing for dump ids %s"
                                           % (self.db, ", ".join(missing[:10])))
                if rows:
                    incomplete = [i for i in toc if rows.get(i, 0) is None]
                    if incomplete:
                        raise MaintenanceError("verification of the backup of %s failed: table data of dump ids %s "
                                               "ends without the COPY terminator" % (self.db, ", ".join(incomplete[:10])))
                checks["table_data_files"] = len(toc)
        else:
            checks["plain_trailer"] = self._plain_trailer(data)
            if not checks["plain_trailer"]:
                raise MaintenanceError("verification of the backup of %s failed: the SQL dump does not end with "
                                       "pg_dump's completion line (truncated?)" % self.db)
        if size <= 0:
            raise MaintenanceError("verification of the backup of %s failed: the dump is empty" % self.db)
        ratio = self.p.get("min_size_ratio")
        if ratio is None:
            ratio = 0.5
        if previous is not None and ratio > 0:
            prev = (previous.manifest or {}).get("size") or 0
            if prev and size < prev * ratio:
                raise MaintenanceError(
                    "verification of the backup of %s failed: it is %d bytes, less than %s of the previous "
                    "verified backup %s (%d bytes); set min_size_ratio lower if the data really shrank"
                    % (self.db, size, ratio, previous.name, prev))
            checks["previous_size"] = prev
        checks["min_size_ratio"] = ratio
        return checks

    def _toc(self, data):
        """Dump ids of the TABLE DATA entries, via pg_restore --list.

        A custom archive is streamed to pg_restore's stdin (through zstd -d when zstd-compressed), so with
        exec_prefix the pg_restore of the container reads it: the target need not have the client tools."""
        if self.fmt == "custom":
            zerr = tempfile.TemporaryFile()
            with open(data, "rb") as src:
                dec = None
                if self.compression == "zstd":
                    dec = self.pg.runner.popen([self.zstd, "-q", "-d", "-c"], stdin=src, stdout=subprocess.PIPE,
                                               stderr=zerr)
                lst = self.pg.runner.popen(self.pg.cmd("pg_restore", "--list"), stdin=dec.stdout if dec else src,
                                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                if dec:
                    dec.stdout.close()
                out, err = lst.communicate()
                if dec:
                    dec.wait()
            zerr.close()
            rc = lst.returncode
            out = out.decode("utf-8", "replace")
            err = err.decode("utf-8", "replace")
        else:
            res = self.pg.runner.run([self.pg.tool("pg_restore"), "--list", data], check=False)
            rc, out, err = res.rc, res.out, res.err
        if rc != 0:
            raise MaintenanceError("verification of the backup of %s failed: pg_restore --list: %s"
                                   % (self.db, first_error(err) or "rc=%s" % rc), rc=rc, stderr=tail(err))
        ids = {}
        for line in out.splitlines():
            match = TOC_DATA_RE.match(line)
            if match:
                ids[match.group(1)] = match.group(3)
        self._toc_oids = ids
        return ids

    def _plain_trailer(self, path):
        if self.compression == "none":
            with open(path, "rb") as handle:
                handle.seek(max(0, os.path.getsize(path) - 4096))
                return PLAIN_TRAILER in handle.read()
        tool = [self.zstd, "-q", "-d", "-c"] if self.compression == "zstd" else ["gzip", "-d", "-c"]
        with open(path, "rb") as src:
            proc = self.pg.runner.popen(tool, stdin=src, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            last = b""
            while True:
                chunk = proc.stdout.read(1 << 20)
                if not chunk:
                    break
                last = (last + chunk)[-4096:]
            proc.stderr.read()
            rc = proc.wait()
        return rc == 0 and PLAIN_TRAILER in last

    # ------------------------------------------------------------------
    def _manifest(self, name, started, ended, duration, files, size, tables, rows,
                  server_version, client_version, checks, phases):
        oid_rows = {}
        for dump_id, oid in getattr(self, "_toc_oids", {}).items():
            if dump_id in rows and rows[dump_id] is not None:
                oid_rows[str(oid)] = rows[dump_id]
        exact = bool(tables) and all(str(t["oid"]) in oid_rows for t in tables)
        table_list = []
        for t in tables:
            count = oid_rows.get(str(t["oid"])) if exact else t["rows"]
            table_list.append(dict(schema=t["schema"], name=t["name"], rows=count, bytes=t["bytes"]))
        return dict(
            schema=MANIFEST_SCHEMA, kind="postgresql", series=self.series, name=name,
            database=self.db, format=self.fmt, compression=self.compression,
            compression_level=self.level if self.compression != "none" else None,
            data=data_name(self.fmt, self.compression),
            globals="globals.sql" if self.p.get("globals") else None,
            server_version=server_version, client_version=client_version,
            host=socket.gethostname(), start=iso(started), end=iso(ended), duration=duration,
            phases=phases, size=size, files=files, tables=table_list, streamed_tables=len(self._streamed),
            data_ids=sorted(int(i) for i in getattr(self, "_toc_oids", {})),
            row_counts="exact" if exact else "estimated",
            verified=True, verification=checks,
        )
