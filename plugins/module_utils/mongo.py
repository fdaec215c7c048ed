# -*- coding: utf-8 -*-
# Copyright: (c) 2026, saasops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""MongoDB (Atlas) backups and restores with mongodump / mongorestore.

The connection string holds the password, so it never goes on a command
line: it is written to a YAML config file (mode 0600, in a private temporary
directory) passed with ``--config`` and removed as soon as the tool exits.
Archives are ``mongodump --archive=<file> --gzip`` written into the same
backup store as PostgreSQL backups (see store.py), with a manifest of
``kind: mongodb``, so backup_info and backup_prune handle them alike.

NOTE: no MongoDB server or database tools can be installed on the machines
this collection is developed on; this code was tested with a fake
mongodump/mongorestore that records its argv and writes an archive, never
against a real server.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import socket
import tempfile
import zlib
from urllib.parse import unquote, urlsplit

from ansible_collections.saasops.maintenance.plugins.module_utils.common import (
    MaintenanceError, Stopwatch, iso, safe_name, stamp, utcnow,
)
from ansible_collections.saasops.maintenance.plugins.module_utils.runner import Runner, first_error, tail
from ansible_collections.saasops.maintenance.plugins.module_utils.store import (
    MANIFEST, MANIFEST_SCHEMA, Store, file_list, verify_files,
)

__metaclass__ = type

ARCHIVE = "data.archive.gz"
# First four bytes of every mongodump archive (little-endian 0x8199e26d).
ARCHIVE_MAGIC = b"\x6d\xe2\x99\x81"
REDACTED = "********"

DUMPED_RE = re.compile(r"done dumping (\S+) \((\d+) documents?\)")
RESTORED_RE = re.compile(r"(\d+) documents?(?:\(s\))? restored successfully\. (\d+) documents?(?:\(s\))? failed to restore")


def mongo_argument_spec():
    """Connection options shared by mongo_backup and mongo_restore."""
    return dict(
        uri=dict(type="str", required=True, no_log=True),
        login_password=dict(type="str", no_log=True),
    )


def parse_mongo_uri(uri):
    """(host list, database, password) of a mongodb:// or mongodb+srv:// URI."""
    parts = urlsplit(uri)
    if parts.scheme not in ("mongodb", "mongodb+srv"):
        raise MaintenanceError("uri must start with mongodb:// or mongodb+srv://")
    netloc = parts.netloc
    password = None
    if "@" in netloc:
        creds, netloc = netloc.rsplit("@", 1)
        if ":" in creds:
            password = unquote(creds.split(":", 1)[1])
    if not netloc:
        raise MaintenanceError("uri names no host")
    database = unquote(parts.path.lstrip("/")) or None
    return netloc, database, password


def redact_uri(uri):
    """The URI with its password replaced, safe for results and logs."""
    parts = urlsplit(uri)
    netloc = parts.netloc
    if "@" in netloc:
        creds, host = netloc.rsplit("@", 1)
        if ":" in creds:
            creds = creds.split(":", 1)[0] + ":" + REDACTED
        netloc = creds + "@" + host
    return parts._replace(netloc=netloc, query="").geturl()


class MongoConnection:
    """How to reach one MongoDB deployment; owns the secret config file."""

    def __init__(self, module, uri, password=None):
        self.uri = uri
        self.hosts, self.database, uri_password = parse_mongo_uri(uri)
        self.password = password
        self.secrets = [s for s in (uri, uri_password, password) if s]
        if uri_password:
            self.secrets.append(uri_password.replace("@", "%40"))
        self.runner = Runner(module)
        self.target = redact_uri(uri)

    def redact(self, text):
        text = text or ""
        for secret in sorted(self.secrets, key=len, reverse=True):
            text = text.replace(secret, REDACTED)
        return text

    def run(self, tool, args, what):
        """Run a database tool with --config=<private file holding the URI>."""
        folder = tempfile.mkdtemp(prefix="saasops-mongo-")
        try:
            os.chmod(folder, 0o700)
            config = os.path.join(folder, "config.yml")
            fd = os.open(config, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                # JSON strings are YAML strings: any character of the URI is safe.
                handle.write("uri: %s\n" % json.dumps(self.uri))
                if self.password:
                    handle.write("password: %s\n" % json.dumps(self.password))
            argv = [tool, "--config=%s" % config] + list(args)
            result = self.runner.run(argv, check=False)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        result.out = self.redact(result.out)
        result.err = self.redact(result.err)
        result.argv = self.redact_argv(result.argv)
        if result.rc != 0:
            cause = first_error(result.err) or tail(result.out, 3) or "rc=%s" % result.rc
            raise MaintenanceError("%s on %s failed: %s" % (what, self.target, cause),
                                   rc=result.rc, stderr=tail(result.err), cmd=result.argv)
        return result

    def redact_argv(self, argv):
        return [self.redact(a) for a in argv]

    def tool_version(self, tool, option):
        found = shutil.which(tool)
        if not found:
            raise MaintenanceError("%s not found: install the MongoDB database tools or set %s" % (tool, option))
        result = self.runner.run([found, "--version"], check=False)
        if result.rc != 0:
            raise MaintenanceError("%s is not available: %s" % (tool, first_error(result.err) or "rc=%s" % result.rc),
                                   rc=result.rc, cmd=[tool, "--version"])
        match = re.search(r"version:?\s*r?(\d+(?:\.\d+)+)", result.out)
        return match.group(1) if match else (result.out.strip().splitlines() or [""])[0]


def check_archive(path):
    """Problems of a gzipped mongodump archive (empty, not gzip, truncated, no magic)."""
    if not os.path.isfile(path):
        return "the archive %s was not written" % os.path.basename(path)
    if os.path.getsize(path) == 0:
        return "the archive is empty"
    try:
        with gzip.open(path, "rb") as handle:
            head = handle.read(4)
            while handle.read(1 << 20):
                pass
    except (OSError, EOFError, zlib.error) as err:
        return "the archive is not a complete gzip stream (%s)" % err
    if head != ARCHIVE_MAGIC:
        return "the archive does not start with the mongodump archive header"
    return None


def dumped_collections(log):
    """[{name, documents}] from mongodump's 'done dumping db.coll (N documents)' lines."""
    found = {}
    for match in DUMPED_RE.finditer(log or ""):
        found[match.group(1)] = int(match.group(2))
    return [dict(name=name, documents=count) for name, count in sorted(found.items())]


class MongoBackup:
    def __init__(self, conn, params, check_mode=False):
        self.conn = conn
        self.p = params
        self.check_mode = check_mode
        self.tool = params.get("mongodump_path") or "mongodump"
        self.db = params.get("db") or conn.database
        self.store = Store(params["dest"])
        self.series = params.get("name") or safe_name(self.db or "mongodb", fallback="mongodb")

    def argv(self, tmp):
        args = ["--archive=%s" % os.path.join(tmp, ARCHIVE), "--gzip"]
        if self.p.get("db"):
            args.append("--db=%s" % self.p["db"])
        for coll in self.p.get("exclude_collections") or []:
            args.append("--excludeCollection=%s" % coll)
        if self.p.get("oplog"):
            args.append("--oplog")
        if self.p.get("read_preference"):
            args.append("--readPreference=%s" % self.p["read_preference"])
        return args

    def run(self):
        clock = Stopwatch()
        started = utcnow()
        name = "%s-%s" % (self.series, stamp(started))
        if self.p.get("oplog") and self.p.get("db"):
            raise MaintenanceError("oplog captures a whole deployment: it cannot be combined with db")
        if self.check_mode:
            self.store.ensure(check_mode=True)
            return dict(changed=True, name=name, series=self.series, backup=os.path.join(self.store.path, name),
                        target=self.conn.target,
                        msg="would back up %s into %s" % (self.db or "every database", self.store.path))
        version = self.conn.tool_version(self.tool, "mongodump_path")
        self.store.ensure()
        os.umask(0o077)
        with self.store.attempt(name, self.series, "mongodb", started, redact=self.conn.redact) as tmp:
            previous = self.store.newest_verified(self.series)
            dump_clock = Stopwatch()
            result = self.conn.run(self.tool, self.argv(tmp), "mongodump of %s" % (self.db or "every database"))
            phases = {"dump": dump_clock.elapsed()}
            problem = check_archive(os.path.join(tmp, ARCHIVE))
            if problem:
                raise MaintenanceError("verification of the backup of %s failed: %s"
                                       % (self.db or "every database", problem), stderr=tail(result.err))
            files = file_list(tmp)
            size = sum(f["size"] for f in files)
            checks = self._verify(size, previous)
            collections = dumped_collections(result.err + "\n" + result.out)
            ended = utcnow()
            manifest = dict(
                schema=MANIFEST_SCHEMA, kind="mongodb", series=self.series, name=name,
                database=self.db, format="archive", compression="gzip", data=ARCHIVE,
                target=self.conn.target, client_version=version, host=socket.gethostname(),
                start=iso(started), end=iso(ended), duration=clock.elapsed(), phases=phases,
                size=size, files=files, collections=collections,
                documents=sum(c["documents"] for c in collections),
                oplog=bool(self.p.get("oplog")), verified=True, verification=checks,
            )
            path = self.store.commit(tmp, name, manifest)
        return dict(
            changed=True, name=name, series=self.series, backup=path, manifest=os.path.join(path, MANIFEST), size=size,
            duration=manifest["duration"], database=self.db, target=self.conn.target,
            collections=len(collections), documents=manifest["documents"], verification=checks, phases=phases,
        )

    def _verify(self, size, previous):
        checks = {"checksums": True, "gzip_stream": True, "archive_header": True}
        ratio = self.p.get("min_size_ratio")
        if ratio is None:
            ratio = 0.5
        if previous is not None and ratio > 0:
            prev = (previous.manifest or {}).get("size") or 0
            if prev and size < prev * ratio:
                raise MaintenanceError(
                    "verification of the backup of %s failed: it is %d bytes, less than %s of the previous "
                    "verified backup %s (%d bytes); set min_size_ratio lower if the data really shrank"
                    % (self.db or "every database", size, ratio, previous.name, prev))
            checks["previous_size"] = prev
        checks["min_size_ratio"] = ratio
        return checks


class MongoRestore:
    def __init__(self, conn, params, check_mode=False):
        self.conn = conn
        self.p = params
        self.check_mode = check_mode
        self.tool = params.get("mongorestore_path") or "mongorestore"
        self.backup = os.path.abspath(params["backup"])

    def _manifest(self):
        path = os.path.join(self.backup, MANIFEST)
        try:
            with open(path, encoding="utf-8") as handle:
                manifest = json.load(handle)
        except (OSError, ValueError) as err:
            raise MaintenanceError("backup %s has no readable manifest: %s"
                                   % (self.backup, getattr(err, "strerror", None) or err))
        if manifest.get("kind") != "mongodb":
            raise MaintenanceError("backup %s is a %s backup, not a MongoDB one"
                                   % (self.backup, manifest.get("kind") or "unknown"))
        if not manifest.get("verified"):
            raise MaintenanceError("backup %s was never verified; refusing to restore it" % self.backup)
        return manifest

    def argv(self, manifest):
        args = ["--archive=%s" % os.path.join(self.backup, manifest.get("data") or ARCHIVE), "--gzip",
                "--stopOnError"]
        if self.p.get("drop"):
            args.append("--drop")
        for ns in self.p.get("ns_include") or []:
            args.append("--nsInclude=%s" % ns)
        if self.p.get("ns_from"):
            args += ["--nsFrom=%s" % self.p["ns_from"], "--nsTo=%s" % self.p["ns_to"]]
        if manifest.get("oplog") and self.p.get("oplog_replay"):
            args.append("--oplogReplay")
        return args

    def run(self):
        clock = Stopwatch()
        manifest = self._manifest()
        problems = verify_files(self.backup, manifest)
        if problems:
            raise MaintenanceError("backup %s is damaged: %s" % (self.backup, "; ".join(problems[:5])),
                                   problems=problems)
        problem = check_archive(os.path.join(self.backup, manifest.get("data") or ARCHIVE))
        if problem:
            raise MaintenanceError("backup %s is damaged: %s" % (self.backup, problem))
        result = dict(backup=self.backup, name=manifest.get("name"), database=manifest.get("database"),
                      target=self.conn.target, verified=True)
        if self.check_mode:
            result.update(changed=True, msg="would restore %s into %s" % (manifest.get("name"), self.conn.target))
            return result
        self.conn.tool_version(self.tool, "mongorestore_path")
        run = self.conn.run(self.tool, self.argv(manifest), "mongorestore of %s" % manifest.get("name"))
        log = run.err + "\n" + run.out
        match = None
        for match in RESTORED_RE.finditer(log):
            pass
        restored = int(match.group(1)) if match else None
        failed = int(match.group(2)) if match else None
        if failed:
            raise MaintenanceError("mongorestore of %s on %s: %s documents failed to restore"
                                   % (manifest.get("name"), self.conn.target, failed),
                                   restored_documents=restored, failed_documents=failed, stderr=tail(run.err))
        result.update(changed=True, restored_documents=restored, failed_documents=failed, duration=clock.elapsed(),
                      expected_documents=manifest.get("documents"))
        return result
