# -*- coding: utf-8 -*-
# Copyright: (c) 2026, saasops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every restore shares: finding the backup, re-checking it, reading it safely.

A restore reads a backup only after its manifest says it was verified when it
was written and its files still match the manifest's sha256 checksums. While
it reads, it holds a shared lock on the store, so a prune (which takes the
exclusive lock) cannot delete the backup under it.
"""

from __future__ import annotations

import errno
import fcntl
import os

from ansible_collections.saasops.maintenance.plugins.module_utils.common import MaintenanceError, utcnow
from ansible_collections.saasops.maintenance.plugins.module_utils.store import MANIFEST, Entry, Store, verify_files

__metaclass__ = type


class SharedLock:
    """flock(LOCK_SH) on the store's lock file: restores coexist, writers wait."""

    def __init__(self, store_path):
        self.path = os.path.join(store_path, ".lock")
        self.fd = None

    def __enter__(self):
        try:
            self.fd = os.open(self.path, os.O_RDONLY)
        except OSError:
            # No lock file (a store copied elsewhere, read-only media): nothing to lock against.
            return self
        try:
            fcntl.flock(self.fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError as err:
            os.close(self.fd)
            self.fd = None
            if err.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
                raise MaintenanceError("backup store %s is busy: a backup or prune holds its lock; try again when it "
                                       "has finished" % os.path.dirname(self.path))
            raise
        return self

    def __exit__(self, *exc):
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        return False


def find_backup(backup=None, store=None, series=None, kind=None):
    """The Entry to restore: ``backup`` (a path) or the newest verified one of ``store``."""
    if backup:
        path = os.path.abspath(backup)
        if os.path.basename(path) == MANIFEST:
            path = os.path.dirname(path)
        if not os.path.isdir(path):
            raise MaintenanceError("backup %s does not exist (or is not a directory)" % path)
        entry = Entry(Store(os.path.dirname(path)), os.path.basename(path))
    else:
        st = Store(store)
        if not st.exists():
            raise MaintenanceError("backup store %s does not exist" % st.path)
        candidates = [e for e in st.entries(series) if e.verified and (kind is None or e.manifest.get("kind") == kind)]
        if not candidates:
            raise MaintenanceError("backup store %s has no verified %sbackup%s" % (
                st.path, (kind + " ") if kind else "", (" of series %s" % series) if series else ""))
        entry = candidates[-1]
    if entry.manifest is None:
        raise MaintenanceError("backup %s cannot be restored: %s (a backup without its manifest cannot be checked)"
                               % (entry.path, entry.error))
    if not entry.verified:
        raise MaintenanceError("backup %s cannot be restored: its manifest does not say it was verified" % entry.path)
    if kind and entry.manifest.get("kind") != kind:
        raise MaintenanceError("backup %s is a %s backup, not a %s backup"
                               % (entry.path, entry.manifest.get("kind"), kind))
    return entry


def check_files(entry, workers=2):
    """Re-check the backup's files against the manifest's sizes and sha256."""
    problems = verify_files(entry.path, entry.manifest, workers=workers)
    if problems:
        raise MaintenanceError("backup %s failed its checksum check: %s%s" % (
            entry.path, "; ".join(problems[:3]), " (and %d more)" % (len(problems) - 3) if len(problems) > 3 else ""),
            problems=problems)
    return len(entry.manifest.get("files") or [])


def backup_facts(entry):
    """What a report needs about the backup restored (RPO: its age)."""
    man = entry.manifest
    age = None
    if entry.time is not None:
        age = round((utcnow() - entry.time).total_seconds() / 3600.0, 3)
    return dict(backup=entry.path, backup_name=entry.name, backup_end=man.get("end"), data_age_hours=age)
