# -*- coding: utf-8 -*-
# Copyright: (c) 2026, saasops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The backup store: a directory of verified backups, each with a manifest.

Layout of a store::

    <store>/.lock                       flock held while writing or pruning
    <store>/<series>-<stamp>/           one committed backup
        manifest.json                   what it holds, checksums, verification
        data/ | data.dump | data.sql.zst | files.tar.zst ...
    <store>/.tmp-<series>-<stamp>/      a backup being written (or left by a crash)
    <store>/.failed/<series>-<stamp>.json   a failed attempt (no data kept)

A backup is only ever renamed into place after it was written, fsynced and
verified, so anything without ``.tmp-`` in its name is complete.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import errno
import fcntl
import os
import shutil

from ansible_collections.saasops.maintenance.plugins.module_utils.common import (
    MaintenanceError, fsync_path, fsync_tree, iso, parse_iso, read_json, sha256_file, utcnow, write_json,
)

__metaclass__ = type

MANIFEST = "manifest.json"
TMP_PREFIX = ".tmp-"
FAILED_DIR = ".failed"
MANIFEST_SCHEMA = 1


class Entry:
    """One committed backup in a store."""

    def __init__(self, store, name):
        self.store = store
        self.name = name
        self.path = os.path.join(store.path, name)
        self.manifest = None
        self.error = None
        try:
            self.manifest = read_json(os.path.join(self.path, MANIFEST))
        except (OSError, ValueError) as err:
            self.error = "manifest missing or unreadable: %s" % (getattr(err, "strerror", None) or err)

    @property
    def verified(self):
        return bool(self.manifest and self.manifest.get("verified"))

    @property
    def series(self):
        if self.manifest:
            return self.manifest.get("series")
        return self.name.rsplit("-", 1)[0]

    @property
    def time(self):
        if self.manifest and self.manifest.get("end"):
            try:
                return parse_iso(self.manifest["end"])
            except ValueError:
                pass
        return None

    def summary(self, now=None):
        now = now or utcnow()
        man = self.manifest or {}
        age = (now - self.time).total_seconds() / 3600.0 if self.time else None
        return dict(
            name=self.name, backup=self.path, series=self.series, kind=man.get("kind"),
            verified=self.verified, error=self.error, end=man.get("end"), size=man.get("size"),
            format=man.get("format"), compression=man.get("compression"), database=man.get("database"),
            age_hours=round(age, 2) if age is not None else None,
        )


class Store:
    def __init__(self, path):
        self.path = os.path.abspath(path)
        self._lock_fd = None

    # --- layout -----------------------------------------------------------
    def exists(self):
        return os.path.isdir(self.path)

    def ensure(self, check_mode=False):
        """Create the store (mode 0700). Returns True when it was created."""
        if self.exists():
            if not os.access(self.path, os.W_OK | os.X_OK) and not check_mode:
                raise MaintenanceError("backup store %s is not writable" % self.path)
            return False
        if check_mode:
            return True
        try:
            os.makedirs(self.path, 0o700)
        except OSError as err:
            raise MaintenanceError("cannot create backup store %s: %s" % (self.path, err.strerror))
        return True

    def entries(self, series=None):
        """Committed backups, oldest first (by manifest end time, then name)."""
        if not self.exists():
            return []
        found = []
        for name in os.listdir(self.path):
            if name.startswith(".") or not os.path.isdir(os.path.join(self.path, name)):
                continue
            entry = Entry(self, name)
            if series and entry.series != series:
                continue
            found.append(entry)
        found.sort(key=lambda e: (e.time.timestamp() if e.time else 0, e.name))
        return found

    def partials(self, series=None):
        """Leftovers of interrupted backups (``.tmp-<series>-<stamp>``)."""
        if not self.exists():
            return []
        prefix = TMP_PREFIX + (series + "-" if series else "")
        return sorted(os.path.join(self.path, n) for n in os.listdir(self.path) if n.startswith(prefix))

    def failures(self, series=None):
        folder = os.path.join(self.path, FAILED_DIR)
        if not os.path.isdir(folder):
            return []
        out = []
        for name in sorted(os.listdir(folder)):
            if not name.endswith(".json"):
                continue
            try:
                rec = read_json(os.path.join(folder, name))
            except (OSError, ValueError):
                continue
            rec["record"] = os.path.join(folder, name)
            if series and rec.get("series") != series:
                continue
            out.append(rec)
        out.sort(key=lambda r: r.get("time", ""))
        return out

    # --- locking ----------------------------------------------------------
    def lock(self):
        fd = os.open(os.path.join(self.path, ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as err:
            os.close(fd)
            if err.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
                raise MaintenanceError("backup store %s is busy: another backup or prune holds its lock" % self.path)
            raise
        self._lock_fd = fd

    def unlock(self):
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def __enter__(self):
        self.lock()
        return self

    def __exit__(self, *exc):
        self.unlock()
        return False

    # --- writing ----------------------------------------------------------
    def new_temp(self, name):
        tmp = os.path.join(self.path, TMP_PREFIX + name)
        if os.path.lexists(tmp):
            shutil.rmtree(tmp, ignore_errors=True)
        try:
            os.mkdir(tmp, 0o700)
        except OSError as err:
            raise MaintenanceError("cannot write in backup store %s: %s" % (self.path, err.strerror))
        return tmp

    def commit(self, tmp, name, manifest):
        """Write the manifest, fsync everything, rename into place."""
        write_json(os.path.join(tmp, MANIFEST), manifest)
        fsync_tree(tmp)
        final = os.path.join(self.path, name)
        if os.path.lexists(final):
            raise MaintenanceError("backup %s already exists in %s" % (name, self.path))
        os.rename(tmp, final)
        fsync_path(self.path)
        return final

    def discard(self, tmp):
        shutil.rmtree(tmp, ignore_errors=True)

    def newest_verified(self, series):
        verified = [e for e in self.entries(series) if e.verified]
        return verified[-1] if verified else None

    @contextlib.contextmanager
    def attempt(self, name, series, kind, started, redact=None):
        """One backup attempt: lock the store and hand out ``.tmp-<name>``.

        The body writes into it and commits it. On any error (or interruption)
        the temporary directory is removed and the failure recorded, so nothing
        partial looks complete and backup_prune knows the newest attempt failed;
        on success the older failure records of the series are cleared.
        """
        with self:
            tmp = self.new_temp(name)
            try:
                yield tmp
            except BaseException as err:
                self.discard(tmp)
                msg = str(err) if isinstance(err, MaintenanceError) else "backup interrupted: %r" % (err,)
                self.record_failure(name, series, redact(msg) if redact else msg, kind)
                raise
            self.clear_failures(series, before=started)

    def record_failure(self, name, series, msg, kind):
        folder = os.path.join(self.path, FAILED_DIR)
        try:
            os.makedirs(folder, 0o700, exist_ok=True)
            write_json(os.path.join(folder, name + ".json"),
                       dict(name=name, series=series, kind=kind, time=iso(utcnow()), error=msg))
        except OSError:
            # The store may be the thing that failed (disk full, read-only):
            # the module's error still reports the cause.
            pass

    def clear_failures(self, series, before):
        """Remove failure records of a series older than ``before`` (a datetime)."""
        for rec in self.failures(series):
            try:
                if parse_iso(rec["time"]) < before:
                    os.unlink(rec["record"])
            except (KeyError, ValueError, OSError):
                continue


def file_list(root, workers=2, known=None):
    """[{path, size, sha256}] for every file under root, hashed in parallel.

    ``known`` maps absolute paths to ``(size, sha256)`` computed while the
    file was written (see compress.DatCompressor); those files are not read
    again unless their size changed since.
    """
    known = known or {}
    paths = []
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            if name == MANIFEST and dirpath == root:
                continue
            paths.append(os.path.join(dirpath, name))
    paths.sort()

    def describe(path):
        size = os.path.getsize(path)
        if path in known and known[path][0] == size:
            return size, known[path][1]
        return size, sha256_file(path)

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        found = list(pool.map(describe, paths))
    return [dict(path=os.path.relpath(p, root), size=size, sha256=digest) for p, (size, digest) in zip(paths, found)]


def verify_files(root, manifest, workers=2):
    """Problems found when re-checking a backup's files against its manifest."""
    problems = []
    listed = manifest.get("files") or []
    if not listed:
        return ["the manifest lists no files"]
    paths = [os.path.join(root, f["path"]) for f in listed]

    def check(item):
        rec, path = item
        if not os.path.isfile(path):
            return "%s is missing" % rec["path"]
        if os.path.getsize(path) != rec["size"]:
            return "%s has %d bytes, the manifest says %d" % (rec["path"], os.path.getsize(path), rec["size"])
        if sha256_file(path) != rec["sha256"]:
            return "%s does not match its sha256 checksum" % rec["path"]
        return None

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for problem in pool.map(check, zip(listed, paths)):
            if problem:
                problems.append(problem)
    return problems
