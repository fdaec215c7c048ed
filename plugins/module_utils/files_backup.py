# -*- coding: utf-8 -*-
# Copyright: (c) 2026, saasops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Verified tar archives of directories and files into a backup store."""

from __future__ import annotations

import os
import socket
import subprocess
import tempfile

from ansible_collections.saasops.maintenance.plugins.module_utils.common import (
    MaintenanceError, Stopwatch, iso, stamp, utcnow,
)
from ansible_collections.saasops.maintenance.plugins.module_utils.compress import terminate
from ansible_collections.saasops.maintenance.plugins.module_utils.runner import Runner, first_error, tail
from ansible_collections.saasops.maintenance.plugins.module_utils.store import MANIFEST_SCHEMA, Store, file_list

__metaclass__ = type

DEFAULT_LEVELS = {"zstd": 3, "gzip": 6}
EXT = {"zstd": ".zst", "gzip": ".gz"}


def archive_name(compression):
    return "files.tar" + EXT[compression]


def compressor_argv(compression, level, threads, zstd="zstd"):
    if compression == "zstd":
        return [zstd, "-q", "-%d" % level, "-T%d" % threads, "-c"]
    return ["gzip", "-%d" % level, "-c"]


def decompressor_argv(compression, zstd="zstd"):
    if compression == "zstd":
        return [zstd, "-q", "-d", "-c"]
    return ["gzip", "-d", "-c"]


class FilesBackup:
    def __init__(self, module, params, check_mode=False):
        self.runner = Runner(module)
        self.p = params
        self.check_mode = check_mode
        self.sources = []
        for src in params["src"]:
            path = os.path.abspath(src)
            if path == "/":
                raise MaintenanceError("refusing to archive / as a whole: name the directories to back up")
            self.sources.append(path)
        self.series = params.get("name") or "files"
        self.compression = params.get("compression") or "zstd"
        self.level = params.get("compression_level") or DEFAULT_LEVELS[self.compression]
        self.store = Store(params["dest"])
        self.zstd = params.get("zstd_path") or "zstd"
        self.tar = params.get("tar_path") or "tar"
        self.threads = os.cpu_count() or 1
        for src in self.sources:
            if os.path.commonpath([self.store.path, src]) == src:
                raise MaintenanceError("the backup store %s is inside the source %s: it would archive itself"
                                       % (self.store.path, src))

    def run(self):
        clock = Stopwatch()
        started = utcnow()
        missing = [s for s in self.sources if not os.path.lexists(s)]
        if missing and not self.p.get("ignore_missing"):
            raise MaintenanceError("source path %s does not exist" % missing[0])
        present = [s for s in self.sources if os.path.lexists(s)]
        if not present:
            raise MaintenanceError("none of the source paths exist: %s" % ", ".join(self.sources))
        name = "%s-%s" % (self.series, stamp(started))
        if self.check_mode:
            return dict(changed=True, name=name, series=self.series, backup=os.path.join(self.store.path, name),
                        msg="would archive %s into %s" % (", ".join(present), self.store.path))
        self.store.ensure()
        os.umask(0o077)
        with self.store.attempt(name, self.series, "files", started) as tmp:
            previous = self.store.newest_verified(self.series)
            members, warnings = self._archive(tmp, present)
            checked = self._verify(tmp)
            if checked != members:
                raise MaintenanceError("verification of files backup %s failed: the archive lists %d members, "
                                       "tar wrote %d" % (name, checked, members))
            files = file_list(tmp)
            size = sum(f["size"] for f in files)
            self._size_guard(size, previous)
            ended = utcnow()
            manifest = dict(
                schema=MANIFEST_SCHEMA, kind="files", series=self.series, name=name,
                sources=present, missing=missing, exclude=list(self.p.get("exclude") or []),
                archive=archive_name(self.compression), compression=self.compression,
                compression_level=self.level, members=members, warnings=warnings,
                host=socket.gethostname(), start=iso(started), end=iso(ended), duration=clock.elapsed(),
                size=size, files=files, verified=True,
                verification=dict(checksums=True, archive_listed=True, members=checked),
            )
            path = self.store.commit(tmp, name, manifest)
        return dict(changed=True, name=name, series=self.series, backup=path, manifest=os.path.join(path, "manifest.json"),
                    size=size, members=members, duration=manifest["duration"], sources=present,
                    missing=missing, warnings=warnings)

    def _archive(self, tmp, present):
        argv = [self.tar, "--create", "--file=-", "--directory=/", "--sparse", "--acls", "--xattrs",
                "--verbose"]
        for pattern in self.p.get("exclude") or []:
            argv.append("--exclude=%s" % pattern)
        argv.append("--")
        argv += [s.lstrip("/") for s in present]
        out_path = os.path.join(tmp, archive_name(self.compression))
        index = tempfile.NamedTemporaryFile(prefix="saasops-tar-index-")
        argv.insert(1, "--index-file=%s" % index.name)
        terr = tempfile.TemporaryFile()
        zerr = tempfile.TemporaryFile()
        procs = []
        try:
            fd = os.open(out_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out:
                tar = self.runner.popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=terr)
                procs.append(tar)
                comp = self.runner.popen(compressor_argv(self.compression, self.level, self.threads, self.zstd),
                                         stdin=tar.stdout, stdout=out, stderr=zerr)
                procs.append(comp)
                tar.stdout.close()
                trc = tar.wait()
                crc = comp.wait()
        except BaseException:
            terminate(procs)
            raise
        index.seek(0)
        members = len(index.read().splitlines())
        index.close()
        terr.seek(0)
        messages = terr.read().decode("utf-8", "replace").splitlines()
        terr.close()
        zerr.seek(0)
        zmsg = zerr.read().decode("utf-8", "replace")
        zerr.close()
        # GNU tar: rc 1 means "some files differ" (changed while read): archived, with a warning.
        if trc not in (0, 1):
            raise MaintenanceError("tar failed (rc=%s): %s" % (trc, first_error("\n".join(messages)) or "no message"),
                                   rc=trc, stderr=tail("\n".join(messages)))
        if crc != 0:
            raise MaintenanceError("%s failed (rc=%s): %s" % (self.compression, crc, first_error(zmsg) or zmsg.strip()),
                                   rc=crc, stderr=tail(zmsg))
        return members, messages

    def _verify(self, tmp):
        """Read the whole archive back (decompress + list): the member count."""
        path = os.path.join(tmp, archive_name(self.compression))
        zerr = tempfile.TemporaryFile()
        with open(path, "rb") as src:
            dec = self.runner.popen(decompressor_argv(self.compression, self.zstd), stdin=src,
                                    stdout=subprocess.PIPE, stderr=zerr)
            lst = self.runner.popen([self.tar, "--list", "--file=-"], stdin=dec.stdout,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            dec.stdout.close()
            out, err = lst.communicate()
            drc = dec.wait()
        zerr.seek(0)
        zmsg = zerr.read().decode("utf-8", "replace")
        zerr.close()
        if drc != 0 or lst.returncode != 0:
            msg = first_error(zmsg) or first_error(err.decode("utf-8", "replace")) or "rc=%s/%s" % (drc, lst.returncode)
            raise MaintenanceError("verification of the files backup failed: the archive does not read back: %s" % msg)
        return len(out.splitlines())

    def _size_guard(self, size, previous):
        ratio = self.p.get("min_size_ratio") or 0
        if previous is None or ratio <= 0:
            return
        prev = (previous.manifest or {}).get("size") or 0
        if prev and size < prev * ratio:
            raise MaintenanceError(
                "verification of the files backup failed: it is %d bytes, less than %s of the previous verified "
                "backup %s (%d bytes); set min_size_ratio lower if the files really shrank"
                % (size, ratio, previous.name, prev))
