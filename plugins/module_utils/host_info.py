# -*- coding: utf-8 -*-
# Copyright: (c) 2026, saasops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Host health: disk free per mount, memory, load, largest directories.

What the runbooks check with ``df -h``, ``free -h``, ``uptime`` and
``du -h -d 1 PATH | sort -hr | head``, read from /proc and the filesystem
directly (no commands, no parsing of human-readable sizes).
"""

from __future__ import annotations

import os

__metaclass__ = type

# mounts that hold no user data
PSEUDO_FS = frozenset((
    "proc", "sysfs", "devtmpfs", "devpts", "cgroup", "cgroup2", "securityfs", "pstore", "debugfs", "tracefs",
    "mqueue", "hugetlbfs", "fusectl", "configfs", "bpf", "autofs", "binfmt_misc", "nsfs", "rpc_pipefs",
    "efivarfs", "selinuxfs", "ramfs", "squashfs",
))


def unescape_mount(text):
    """/proc/mounts escapes space, tab, newline and backslash as octal."""
    return text.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\")


def read_mounts(proc_mounts="/proc/mounts"):
    mounts = []
    seen = set()
    with open(proc_mounts) as handle:
        for line in handle:
            fields = line.split()
            if len(fields) < 3:
                continue
            device, mount, fstype = unescape_mount(fields[0]), unescape_mount(fields[1]), fields[2]
            if fstype in PSEUDO_FS or mount in seen:
                continue
            seen.add(mount)
            mounts.append((device, mount, fstype))
    return mounts


def disk_usage(mount, statvfs=os.statvfs):
    st = statvfs(mount)
    total = st.f_blocks * st.f_frsize
    if total == 0:
        return None
    avail = st.f_bavail * st.f_frsize
    used = (st.f_blocks - st.f_bfree) * st.f_frsize
    # like df: the share of the space usable by ordinary users that is still free
    usable = used + avail
    free_pct = 100.0 * avail / usable if usable else 0.0
    inodes_free_pct = 100.0 * st.f_favail / st.f_files if st.f_files else None
    return dict(size=total, used=used, available=avail, free_percent=round(free_pct, 1),
                inodes_free_percent=round(inodes_free_pct, 1) if inodes_free_pct is not None else None)


def read_meminfo(path="/proc/meminfo"):
    values = {}
    with open(path) as handle:
        for line in handle:
            key, _sep, rest = line.partition(":")
            parts = rest.split()
            if parts:
                values[key] = int(parts[0]) * (1024 if len(parts) > 1 and parts[1] == "kB" else 1)
    total = values.get("MemTotal", 0)
    available = values.get("MemAvailable", values.get("MemFree", 0))
    swap_total = values.get("SwapTotal", 0)
    swap_free = values.get("SwapFree", 0)
    return dict(total=total, available=available,
                used_percent=round(100.0 * (total - available) / total, 1) if total else None,
                swap_total=swap_total, swap_used=swap_total - swap_free)


def dir_size(path, one_file_system=True):
    """Bytes allocated under path, like du: blocks, hard links once, symlinks not followed."""
    total = 0
    seen = set()
    try:
        root_dev = os.lstat(path).st_dev
    except OSError:
        return 0, 1
    errors = 0
    stack = [path]
    while stack:
        current = stack.pop()
        try:
            entries = list(os.scandir(current))
        except OSError:
            errors += 1
            continue
        for entry in entries:
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError:
                errors += 1
                continue
            if one_file_system and st.st_dev != root_dev:
                continue
            if st.st_nlink > 1 and not entry.is_dir(follow_symlinks=False):
                key = (st.st_dev, st.st_ino)
                if key in seen:
                    continue
                seen.add(key)
            total += st.st_blocks * 512
            if entry.is_dir(follow_symlinks=False):
                stack.append(entry.path)
    try:
        total += os.lstat(path).st_blocks * 512
    except OSError:
        errors += 1
    return total, errors


def largest_dirs(path, top, one_file_system=True):
    """du -d 1 PATH | sort -hr | head -TOP, the path itself excluded."""
    result = []
    errors = 0
    try:
        entries = list(os.scandir(path))
    except OSError as err:
        return dict(path=path, error=err.strerror, dirs=[])
    root_dev = os.lstat(path).st_dev
    for entry in entries:
        if not entry.is_dir(follow_symlinks=False):
            continue
        if one_file_system and entry.stat(follow_symlinks=False).st_dev != root_dev:
            continue
        size, errs = dir_size(entry.path, one_file_system)
        errors += errs
        result.append(dict(path=entry.path, size=size))
    result.sort(key=lambda item: (-item["size"], item["path"]))
    total, errs = dir_size(path, one_file_system)
    return dict(path=path, size=total, dirs=result[:top], unreadable=errors + errs)


class HostInfo:
    def __init__(self, params, proc_mounts="/proc/mounts", meminfo="/proc/meminfo", loadavg=os.getloadavg,
                 statvfs=os.statvfs, cpus=os.cpu_count):
        self.params = params
        self.proc_mounts = proc_mounts
        self.meminfo = meminfo
        self.loadavg = loadavg
        self.statvfs = statvfs
        self.cpus = cpus

    def run(self):
        p = self.params
        risks = []
        disks = []
        wanted = p.get("mounts") or []
        for device, mount, fstype in read_mounts(self.proc_mounts):
            if wanted and mount not in wanted:
                continue
            try:
                usage = disk_usage(mount, self.statvfs)
            except OSError:
                continue
            if usage is None:
                continue
            usage.update(mount=mount, device=device, fstype=fstype)
            usage["at_risk"] = usage["free_percent"] < p["min_disk_free_percent"]
            if usage["at_risk"]:
                risks.append("disk %s: %.1f%% free, below %g%%"
                             % (mount, usage["free_percent"], p["min_disk_free_percent"]))
            if usage["inodes_free_percent"] is not None and usage["inodes_free_percent"] < p["min_disk_free_percent"]:
                usage["at_risk"] = True
                risks.append("disk %s: %.1f%% inodes free, below %g%%"
                             % (mount, usage["inodes_free_percent"], p["min_disk_free_percent"]))
            disks.append(usage)
        memory = read_meminfo(self.meminfo)
        memory["at_risk"] = memory["used_percent"] is not None and memory["used_percent"] > p["max_memory_percent"]
        if memory["at_risk"]:
            risks.append("memory: %.1f%% used, above %g%%" % (memory["used_percent"], p["max_memory_percent"]))
        cpus = self.cpus() or 1
        load1, load5, load15 = self.loadavg()
        load = dict(load1=load1, load5=load5, load15=load15, cpus=cpus, per_cpu=round(load5 / cpus, 2))
        load["at_risk"] = load["per_cpu"] > p["max_load_per_cpu"]
        if load["at_risk"]:
            risks.append("load: %.2f per CPU over 5 minutes, above %g" % (load["per_cpu"], p["max_load_per_cpu"]))
        largest = [largest_dirs(path, p["top"], p["one_file_system"]) for path in p.get("du_paths") or []]
        return dict(changed=False, disks=disks, memory=memory, load=load, largest=largest, at_risk=risks,
                    healthy=not risks)
