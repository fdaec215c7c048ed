"""host_info with fake /proc files and statvfs, and du-like sizes of a real tree."""

from __future__ import annotations

import os
import subprocess

from ansible_collections.saasops.maintenance.plugins.module_utils.host_info import HostInfo, largest_dirs, read_mounts

MOUNTS = """/dev/sda1 / ext4 rw,relatime 0 0
proc /proc proc rw 0 0
/dev/sdb1 /var/lib/my\\040data ext4 rw 0 0
tmpfs /run tmpfs rw 0 0
cgroup2 /sys/fs/cgroup cgroup2 rw 0 0
/dev/sda1 / ext4 rw,relatime 0 0
"""

MEMINFO = """MemTotal:       1000000 kB
MemFree:          50000 kB
MemAvailable:     80000 kB
SwapTotal:        10000 kB
SwapFree:          4000 kB
"""


class Vfs:
    def __init__(self, blocks, bfree, bavail, files=1000, favail=900, frsize=4096):
        self.f_blocks, self.f_bfree, self.f_bavail = blocks, bfree, bavail
        self.f_files, self.f_favail, self.f_frsize = files, favail, frsize


FS = {"/": Vfs(1000, 300, 250), "/var/lib/my data": Vfs(1000, 150, 100, favail=50), "/run": Vfs(100, 100, 100)}


def params(**kw):
    base = dict(mounts=[], du_paths=[], top=10, one_file_system=True, min_disk_free_percent=20,
                max_memory_percent=90, max_load_per_cpu=1.0)
    base.update(kw)
    return base


def info(tmp_path, **kw):
    (tmp_path / "mounts").write_text(MOUNTS)
    (tmp_path / "meminfo").write_text(MEMINFO)
    return HostInfo(params(**kw), proc_mounts=str(tmp_path / "mounts"), meminfo=str(tmp_path / "meminfo"),
                    loadavg=lambda: (3.0, 2.5, 1.0), statvfs=lambda m: FS[m], cpus=lambda: 2).run()


def test_mounts_skip_pseudo_filesystems_and_unescape(tmp_path):
    (tmp_path / "mounts").write_text(MOUNTS)
    assert [m[1] for m in read_mounts(str(tmp_path / "mounts"))] == ["/", "/var/lib/my data", "/run"]


def test_disk_memory_load_and_risks(tmp_path):
    res = info(tmp_path)
    disks = {d["mount"]: d for d in res["disks"]}
    # df's rule: available / (used + available); used = blocks - bfree
    assert disks["/"]["free_percent"] == round(100 * 250 / (700 + 250), 1)
    assert disks["/"]["at_risk"] is False
    assert disks["/var/lib/my data"]["free_percent"] == round(100 * 100 / (850 + 100), 1)
    assert disks["/var/lib/my data"]["at_risk"] is True
    assert disks["/"]["size"] == 1000 * 4096
    assert res["memory"]["total"] == 1000000 * 1024
    assert res["memory"]["used_percent"] == 92.0 and res["memory"]["at_risk"] is True
    assert res["memory"]["swap_used"] == 6000 * 1024
    assert res["load"]["per_cpu"] == 1.25 and res["load"]["at_risk"] is True
    assert res["at_risk"] == ["disk /var/lib/my data: 10.5% free, below 20%",
                              "disk /var/lib/my data: 5.0% inodes free, below 20%",
                              "memory: 92.0% used, above 90%",
                              "load: 1.25 per CPU over 5 minutes, above 1"]
    assert res["healthy"] is False and res["changed"] is False
    calm = info(tmp_path, mounts=["/"], max_memory_percent=95, max_load_per_cpu=2)
    assert [d["mount"] for d in calm["disks"]] == ["/"]
    assert calm["healthy"] is True and calm["at_risk"] == []


def test_largest_dirs_match_du(tmp_path):
    root = tmp_path / "app"
    for name, size in (("uploads", 300_000), ("logs", 120_000), ("node_modules", 50_000), ("empty", 0)):
        (root / name / "sub").mkdir(parents=True)
        if size:
            (root / name / "sub" / "f").write_bytes(os.urandom(size))
    os.link(root / "uploads" / "sub" / "f", root / "uploads" / "hardlink")
    (root / "logs" / "to-uploads").symlink_to(root / "uploads")
    (root / "file.bin").write_bytes(b"x" * 5000)
    res = largest_dirs(str(root), top=3)
    assert [os.path.basename(d["path"]) for d in res["dirs"]] == ["uploads", "logs", "node_modules"]
    for item in res["dirs"] + [dict(path=str(root), size=res["size"])]:
        du = subprocess.run(["du", "-s", "-B1", item["path"]], capture_output=True, text=True, check=True)
        assert item["size"] == int(du.stdout.split()[0]), item
    assert res["unreadable"] == 0
    missing = largest_dirs(str(tmp_path / "nope"), top=3)
    assert missing["dirs"] == [] and missing["error"]
