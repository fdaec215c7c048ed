# -*- coding: utf-8 -*-
# Copyright: (c) 2026, saasops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Restore a files backup into a staging directory and swap it in.

A files backup (M(files_backup)) is one tar archive whose members are stored
relative to ``/`` (``var/www/app/uploads/a.png``) plus a manifest listing the
absolute ``sources``. Restoring a source:

1. re-check the archive's sha256 against the manifest;
2. read the whole archive once and refuse it when any member is absolute,
   has a ``..`` component, is a device or FIFO, lies outside the manifest's
   sources, or is a link that leaves its source;
3. extract the source's members with GNU tar into ``.<name>.restore-<stamp>``
   next to the target (same file system, so the swap is a rename);
4. rename the current tree to ``<target>.before-<stamp>`` (kept) and the
   staged tree to the target.

Nothing is written next to the target before step 3, and a failure in step 3
removes the staging directory only.
"""

from __future__ import annotations

import os
import posixpath
import shutil
import subprocess
import tarfile
import tempfile

from ansible_collections.saasops.maintenance.plugins.module_utils.common import (
    MaintenanceError, Stopwatch, stamp, utcnow,
)
from ansible_collections.saasops.maintenance.plugins.module_utils.compress import terminate
from ansible_collections.saasops.maintenance.plugins.module_utils.restore import (
    SharedLock, backup_facts, check_files, find_backup,
)
from ansible_collections.saasops.maintenance.plugins.module_utils.runner import Runner, first_error, tail

__metaclass__ = type


def decompressor(compression, zstd="zstd"):
    if compression == "zstd":
        return [zstd, "-q", "-d", "-c"]
    if compression == "gzip":
        return ["gzip", "-d", "-c"]
    return None


def inside(path, root):
    """True when ``path`` (normalized, relative to /) is ``root`` or below it."""
    return path == root or path.startswith(root + "/")


def member_problem(member, sources):
    """Why a member must not be restored (None when it is fine). ``sources`` are relative to /."""
    name = member.name
    if name.startswith("/"):
        return "absolute path"
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if ".." in parts:
        return "'..' in its path"
    if member.ischr() or member.isblk():
        return "device file"
    if member.isfifo():
        return "FIFO"
    norm = "/".join(parts)
    owner = next((s for s in sources if inside(norm, s)), None)
    if owner is None:
        return "outside the backup's sources"
    if member.issym():
        link = member.linkname
        if link.startswith("/"):
            resolved = posixpath.normpath(link).lstrip("/")
        else:
            resolved = posixpath.normpath(posixpath.join(posixpath.dirname(norm), link))
        if resolved.startswith("..") or not inside(resolved, owner):
            return "symbolic link to %s leaves %s" % (link, "/" + owner)
    if member.islnk():
        link = member.linkname
        lparts = [p for p in link.split("/") if p not in ("", ".")]
        if link.startswith("/") or ".." in lparts or not inside("/".join(lparts), owner):
            return "hard link to %s leaves %s" % (link, "/" + owner)
    if not (member.isfile() or member.isdir() or member.issym() or member.islnk()):
        return "unsupported member type %r" % member.type
    return None


class FilesRestore:
    def __init__(self, module, params, check_mode=False):
        self.runner = Runner(module)
        self.p = params
        self.check_mode = check_mode
        self.zstd = params.get("zstd_path") or "zstd"
        self.tar = params.get("tar_path") or "tar"
        self.root = os.path.abspath(params.get("root") or "/")
        self.entry = None

    def run(self):
        clock = Stopwatch()
        phases = {}
        entry = find_backup(self.p.get("backup"), self.p.get("store"), self.p.get("series"), kind="files")
        self.entry = entry
        man = entry.manifest
        sources = [os.path.normpath(s) for s in man.get("sources") or []]
        if not sources:
            raise MaintenanceError("backup %s lists no sources in its manifest" % entry.path)
        wanted = [os.path.normpath(p) for p in self.p.get("paths") or sources]
        unknown = [p for p in wanted if p not in sources]
        if unknown:
            raise MaintenanceError("%s is not a source of backup %s (its sources: %s)"
                                   % (unknown[0], entry.name, ", ".join(sources)))
        archive = os.path.join(entry.path, man.get("archive") or "files.tar.zst")
        compression = man.get("compression") or ("zstd" if archive.endswith(".zst") else "gzip")
        with SharedLock(entry.store.path):
            watch = Stopwatch()
            check_files(entry)
            phases["checksums"] = watch.elapsed()
            watch = Stopwatch()
            counts = self._inspect(archive, compression, [s.lstrip("/") for s in sources])
            phases["inspect"] = watch.elapsed()
            suffix = stamp(utcnow())
            plan = []
            for source in wanted:
                target = os.path.join(self.root, source.lstrip("/"))
                if not counts.get(source.lstrip("/")):
                    raise MaintenanceError("backup %s holds no members under %s" % (entry.name, source))
                previous = target + ".before-" + suffix if os.path.lexists(target) else None
                plan.append(dict(source=source, target=target, previous=previous, members=counts[source.lstrip("/")]))
            result = dict(backup_facts(entry), restored=plan, members=sum(p["members"] for p in plan))
            if self.check_mode:
                result.update(changed=True, msg="would restore %s" % ", ".join(p["target"] for p in plan))
                return result
            staged = []
            try:
                watch = Stopwatch()
                for item in plan:
                    staged.append(self._extract(archive, compression, item, suffix))
                phases["extract"] = watch.elapsed()
                watch = Stopwatch()
                for item, (staging, tree) in zip(plan, staged):
                    self._swap(item, staging, tree)
                phases["swap"] = watch.elapsed()
            finally:
                for staging, _tree in staged:
                    shutil.rmtree(staging, ignore_errors=True)
        result.update(changed=True, phases=phases, duration=clock.elapsed(),
                      msg="restored %s from %s" % (", ".join(p["target"] for p in plan), entry.name))
        return result

    # ------------------------------------------------------------------
    def _inspect(self, archive, compression, sources):
        """Read every member header; refuse the archive on any unsafe member. {source: members}."""
        counts = dict.fromkeys(sources, 0)
        refused = []
        zerr = tempfile.TemporaryFile()
        src = open(archive, "rb")
        dec = None
        try:
            argv = decompressor(compression, self.zstd)
            if argv:
                dec = self.runner.popen(argv, stdin=src, stdout=subprocess.PIPE, stderr=zerr)
                stream = dec.stdout
            else:
                stream = src
            try:
                with tarfile.open(fileobj=stream, mode="r|") as tar:
                    for member in tar:
                        problem = member_problem(member, sources)
                        if problem:
                            refused.append("%s (%s)" % (member.name, problem))
                            continue
                        norm = "/".join(p for p in member.name.split("/") if p not in ("", "."))
                        for source in sources:
                            if inside(norm, source):
                                counts[source] += 1
            except (tarfile.TarError, EOFError, OSError) as err:
                if dec is not None:
                    dec.kill()
                    dec.wait()
                    zerr.seek(0)
                    zmsg = first_error(zerr.read().decode("utf-8", "replace"))
                else:
                    zmsg = ""
                raise MaintenanceError("backup %s cannot be read: the archive is damaged (%s%s)" % (
                    self.entry.name, err, "; %s" % zmsg if zmsg else ""))
            if dec is not None:
                stream.read()
                if dec.wait() != 0:
                    zerr.seek(0)
                    raise MaintenanceError("backup %s cannot be read: decompressing the archive failed: %s" % (
                        self.entry.name, first_error(zerr.read().decode("utf-8", "replace")) or "rc=%s" % dec.returncode))
        finally:
            if dec is not None and dec.poll() is None:
                terminate([dec])
            src.close()
            zerr.close()
        if refused:
            raise MaintenanceError("refusing to restore backup %s: %d unsafe member(s): %s" % (
                self.entry.name, len(refused), "; ".join(refused[:5])), refused=refused[:50])
        return counts

    def _extract(self, archive, compression, item, suffix):
        target = item["target"]
        parent = os.path.dirname(target)
        base = os.path.basename(target)
        try:
            os.makedirs(parent, exist_ok=True)
            staging = os.path.join(parent, ".%s.restore-%s" % (base, suffix))
            os.mkdir(staging, 0o700)
        except OSError as err:
            raise MaintenanceError("cannot create the staging directory next to %s: %s" % (target, err.strerror))
        source = item["source"].lstrip("/")
        strip = len(source.split("/")) - 1
        argv = [self.tar, "--extract", "--file=-", "--directory=%s" % staging, "--acls", "--xattrs",
                "--strip-components=%d" % strip, "--", source]
        if os.geteuid() == 0:
            argv.insert(2, "--same-owner")
            argv.insert(2, "--same-permissions")
        terr = tempfile.TemporaryFile()
        zerr = tempfile.TemporaryFile()
        procs = []
        try:
            with open(archive, "rb") as src:
                dec_argv = decompressor(compression, self.zstd)
                if dec_argv:
                    dec = self.runner.popen(dec_argv, stdin=src, stdout=subprocess.PIPE, stderr=zerr)
                    procs.append(dec)
                    tar = self.runner.popen(argv, stdin=dec.stdout, stdout=subprocess.DEVNULL, stderr=terr)
                    procs.append(tar)
                    dec.stdout.close()
                    trc = tar.wait()
                    drc = dec.wait()
                else:
                    tar = self.runner.popen(argv, stdin=src, stdout=subprocess.DEVNULL, stderr=terr)
                    procs.append(tar)
                    trc, drc = tar.wait(), 0
        except BaseException:
            terminate(procs)
            shutil.rmtree(staging, ignore_errors=True)
            raise
        terr.seek(0)
        tmsg = terr.read().decode("utf-8", "replace")
        zerr.seek(0)
        zmsg = zerr.read().decode("utf-8", "replace")
        terr.close()
        zerr.close()
        if trc != 0 or drc != 0:
            shutil.rmtree(staging, ignore_errors=True)
            cause = first_error(tmsg) or first_error(zmsg) or "rc=%s/%s" % (trc, drc)
            if "No space left on device" in tmsg + zmsg:
                cause = "no space left on device next to %s" % target
            raise MaintenanceError("extracting %s from backup %s failed: %s; %s was not changed"
                                   % (item["source"], self.entry.name, cause, target), rc=trc, stderr=tail(tmsg))
        tree = os.path.join(staging, base)
        if not os.path.lexists(tree):
            shutil.rmtree(staging, ignore_errors=True)
            raise MaintenanceError("backup %s extracted nothing for %s" % (self.entry.name, item["source"]))
        return staging, tree

    def _swap(self, item, staging, tree):
        target = item["target"]
        if item["previous"]:
            try:
                os.rename(target, item["previous"])
            except OSError as err:
                raise MaintenanceError("cannot move %s aside to %s: %s; it was not changed"
                                       % (target, item["previous"], err.strerror))
        try:
            os.rename(tree, target)
        except OSError as err:
            if item["previous"]:
                os.rename(item["previous"], target)
            raise MaintenanceError("cannot move the restored tree into %s: %s; the previous tree was put back"
                                   % (target, err.strerror))
        os.rmdir(staging)
