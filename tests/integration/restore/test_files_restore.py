"""files_restore: staged extraction, swap keeping the previous tree, refusal of unsafe archives."""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import tarfile

import pytest

from tests.support.ansible import run_module


def make_tree(root):
    uploads = root / "app" / "uploads"
    (uploads / "certificates").mkdir(parents=True)
    (uploads / "certificates" / "cert 1; ü.pdf").write_bytes(b"%PDF" + bytes(range(256)) * 20)
    (uploads / "a.png").write_bytes(b"\x89PNG" + bytes(1000))
    os.symlink("a.png", uploads / "link.png")
    os.chmod(uploads / "certificates", 0o750)
    env = root / "app" / ".env"
    env.write_text("SECRET_KEY=abc\n")
    os.chmod(env, 0o600)
    return uploads, env


def files_backup(tmp_path, sources):
    res, _play = run_module("saasops.maintenance.files_backup",
                            dict(src=[str(s) for s in sources], dest=str(tmp_path / "store"), name="files"))
    assert res.get("failed") is not True, res.get("msg")
    return res


def files_restore(check=False, **args):
    res, _play = run_module("saasops.maintenance.files_restore", args, check=check)
    return res


def test_restore_swaps_in_and_keeps_previous(tmp_path):
    uploads, env = make_tree(tmp_path)
    files_backup(tmp_path, [uploads, env])
    # the live tree changes after the backup
    (uploads / "a.png").write_bytes(b"broken")
    (uploads / "new.txt").write_text("after the backup")
    env.write_text("SECRET_KEY=changed\n")
    res = files_restore(store=str(tmp_path / "store"), check=True)
    assert res["changed"] is True and "would restore" in res["msg"]
    assert (uploads / "new.txt").exists()
    res = files_restore(store=str(tmp_path / "store"))
    assert res.get("failed") is not True, res.get("msg")
    assert res["members"] >= 5
    assert (uploads / "a.png").read_bytes() == b"\x89PNG" + bytes(1000)
    assert not (uploads / "new.txt").exists()
    assert os.readlink(uploads / "link.png") == "a.png"
    assert stat.S_IMODE(os.stat(uploads / "certificates").st_mode) == 0o750
    assert (uploads / "certificates" / "cert 1; ü.pdf").read_bytes()[:4] == b"%PDF"
    assert env.read_text() == "SECRET_KEY=abc\n" and stat.S_IMODE(os.stat(env).st_mode) == 0o600
    by_source = {item["source"]: item for item in res["restored"]}
    before = by_source[str(uploads)]["previous"]
    assert before.startswith(str(uploads) + ".before-")
    assert open(os.path.join(before, "new.txt")).read() == "after the backup"
    assert open(by_source[str(env)]["previous"]).read() == "SECRET_KEY=changed\n"
    # no staging directory is left next to the targets
    assert [n for n in os.listdir(uploads.parent) if ".restore-" in n] == []


def test_restore_under_another_root_and_one_path(tmp_path):
    uploads, env = make_tree(tmp_path)
    made = files_backup(tmp_path, [uploads, env])
    inspect = tmp_path / "inspect"
    res = files_restore(backup=made["backup"], root=str(inspect), paths=[str(uploads)])
    assert res.get("failed") is not True, res.get("msg")
    copy = inspect / str(uploads).lstrip("/")
    assert (copy / "a.png").read_bytes() == (uploads / "a.png").read_bytes()
    assert res["restored"][0]["previous"] is None
    assert not (inspect / str(env).lstrip("/")).exists()


def hostile_backup(tmp_path, name, add):
    """A files backup with one crafted member, in the layout files_backup writes."""
    from ansible_collections.saasops.maintenance.plugins.module_utils.store import file_list
    target = tmp_path / "site" / "uploads"
    target.mkdir(parents=True, exist_ok=True)
    (target / "keep.txt").write_text("live")
    src = str(target).lstrip("/")
    bdir = tmp_path / "store" / ("files-%s" % name)
    bdir.mkdir(parents=True)
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT) as tar:
        info = tarfile.TarInfo(src)
        info.type = tarfile.DIRTYPE
        info.mode = 0o755
        tar.addfile(info)
        ok = tarfile.TarInfo(src + "/ok.txt")
        ok.size = 2
        tar.addfile(ok, io.BytesIO(b"ok"))
        add(tar, src)
    subprocess.run(["zstd", "-q", "-o", str(bdir / "files.tar.zst")], input=raw.getvalue(), check=True)
    manifest = dict(schema=1, kind="files", series="files", name=bdir.name, sources=[str(target)],
                    archive="files.tar.zst", compression="zstd", end="2026-11-24T00:00:00Z", verified=True,
                    files=file_list(str(bdir)))
    (bdir / "manifest.json").write_text(json.dumps(manifest))
    return str(bdir), target


def _member(name, kind, linkname=""):
    def add(tar, src):
        info = tarfile.TarInfo(name.replace("SRC", src))
        info.type = kind
        info.linkname = linkname.replace("SRC", src)
        if kind == tarfile.REGTYPE:
            info.size = 4
            tar.addfile(info, io.BytesIO(b"evil"))
        else:
            tar.addfile(info)
    return add


@pytest.mark.parametrize("label,add,reason", [
    ("absolute", _member("/etc/evil", tarfile.REGTYPE), "absolute path"),
    ("dotdot", _member("SRC/../../evil", tarfile.REGTYPE), "'..' in its path"),
    ("device", _member("SRC/null", tarfile.CHRTYPE), "device file"),
    ("outside", _member("etc/cron.d/evil", tarfile.REGTYPE), "outside the backup's sources"),
    ("symlink-abs", _member("SRC/pw", tarfile.SYMTYPE, "/etc/passwd"), "symbolic link to /etc/passwd leaves"),
    ("symlink-rel", _member("SRC/up", tarfile.SYMTYPE, "../../../../etc"), "symbolic link to ../../../../etc leaves"),
    ("hardlink", _member("SRC/hl", tarfile.LNKTYPE, "etc/shadow"), "hard link to etc/shadow leaves"),
])
def test_unsafe_members_are_refused(tmp_path, label, add, reason):
    bdir, target = hostile_backup(tmp_path, label, add)
    res = files_restore(backup=bdir)
    assert res["failed"] is True
    assert "refusing to restore backup files-%s" % label in res["msg"] and reason in res["msg"], res["msg"]
    assert sorted(os.listdir(target)) == ["keep.txt"]
    assert sorted(os.listdir(target.parent)) == ["uploads"]


def test_damaged_archive_and_checksum(tmp_path):
    uploads, _env = make_tree(tmp_path)
    made = files_backup(tmp_path, [uploads])
    archive = os.path.join(made["backup"], "files.tar.zst")
    with open(archive, "r+b") as handle:
        handle.truncate(os.path.getsize(archive) // 2)
    res = files_restore(backup=made["backup"])
    assert res["failed"] is True and "failed its checksum check" in res["msg"]
    from tests.support.restore import rewrite_manifest_checksums
    rewrite_manifest_checksums(made["backup"])
    res = files_restore(backup=made["backup"])
    assert res["failed"] is True and "cannot be read" in res["msg"], res["msg"]
    assert (uploads / "a.png").exists()
    assert [n for n in os.listdir(uploads.parent) if ".restore-" in n or ".before-" in n] == []
