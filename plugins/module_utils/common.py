# -*- coding: utf-8 -*-
# Copyright: (c) 2026, saasops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Small helpers shared by every module: the error type, time, hashing, fsync."""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import re
import time

__metaclass__ = type

HASH_CHUNK = 4 * 1024 * 1024


class MaintenanceError(Exception):
    """An error a person can act on: ``str(err)`` is the one-sentence message,
    ``details`` holds rc/stderr/cmd for the module result (never secrets)."""

    def __init__(self, msg, **details):
        super().__init__(msg)
        self.msg = msg
        self.details = details


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


def iso(ts):
    """ISO 8601 UTC text for a datetime, second precision."""
    return ts.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text):
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)


def stamp(ts):
    """Compact, sortable timestamp used in backup names."""
    return ts.astimezone(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


class Stopwatch:
    def __init__(self):
        self.start = time.monotonic()

    def elapsed(self):
        return round(time.monotonic() - self.start, 3)


_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def safe_name(text, fallback="db"):
    """A file-name-safe form of an arbitrary (possibly hostile) object name."""
    cleaned = _SAFE.sub("_", text).strip("._-")
    return cleaned[:60] or fallback


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while True:
            chunk = handle.read(HASH_CHUNK)
            if not chunk:
                break
            digest.update(chunk)
    return digest.hexdigest()


def sha256_fsync(path):
    """(size, sha256) of a file just written, and fsync it on the same descriptor."""
    digest = hashlib.sha256()
    size = 0
    fd = os.open(path, os.O_RDONLY)
    try:
        buf = bytearray(HASH_CHUNK)
        view = memoryview(buf)
        while True:
            count = os.readv(fd, [buf])
            if not count:
                break
            digest.update(view[:count])
            size += count
        os.fsync(fd)
    finally:
        os.close(fd)
    return size, digest.hexdigest()


def fsync_path(path):
    """fsync a file or a directory by path."""
    flags = os.O_RDONLY
    if os.path.isdir(path):
        flags |= getattr(os, "O_DIRECTORY", 0)
    fd = os.open(path, flags)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(root):
    """fsync every file and directory under root (files first, then dirs)."""
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            fsync_path(os.path.join(dirpath, name))
        fsync_path(dirpath)


def write_json(path, data, mode=0o600):
    """Write JSON durably: temp file, fsync, rename."""
    tmp = path + ".tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2, sort_keys=True, ensure_ascii=False)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    fsync_path(os.path.dirname(path) or ".")


def read_json(path):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def tree_size(path):
    if os.path.isfile(path):
        return os.path.getsize(path)
    total = 0
    for dirpath, _dirs, files in os.walk(path):
        for name in files:
            total += os.path.getsize(os.path.join(dirpath, name))
    return total
