"""files_backup: archive, manifest, exclusion, restore with plain tar."""

from __future__ import annotations

import json
import os
import stat
import subprocess

from tests.support.ansible import run_module


def make_tree(root):
    uploads = root / "app" / "uploads"
    (uploads / "certificates").mkdir(parents=True)
    (uploads / "temp").mkdir()
    (uploads / "certificates" / "cert 1; ü.pdf").write_bytes(os.urandom(5000))
    (uploads / "temp" / "scratch.tmp").write_text("junk")
    (uploads / "a.png").write_bytes(b"\x89PNG" + os.urandom(1000))
    os.symlink("a.png", uploads / "link.png")
    env = root / "app" / ".env"
    env.write_text("SECRET_KEY=abc\n")
    os.chmod(env, 0o600)
    return uploads, env


def test_files_backup_round_trip(tmp_path):
    uploads, env = make_tree(tmp_path)
    store = str(tmp_path / "store")
    res, _play = run_module("saasops.maintenance.files_backup",
                            dict(src=[str(uploads), str(env)], dest=store, name="stairs-files", exclude=["*/temp/*"]))
    assert res.get("failed") is not True, res.get("msg")
    manifest = json.load(open(res["manifest"]))
    assert manifest["kind"] == "files" and manifest["verified"] is True
    assert manifest["sources"] == [str(uploads), str(env)]
    archive = os.path.join(res["backup"], "files.tar.zst")
    assert stat.S_IMODE(os.stat(archive).st_mode) == 0o600
    listing = subprocess.run("zstd -dc '%s' | tar -tvf -" % archive, shell=True, capture_output=True, text=True,
                             check=True).stdout
    names = [line.split()[5] for line in listing.splitlines()]
    assert res["members"] == len(names)
    rel = str(uploads).lstrip("/")
    assert rel + "/certificates/cert" in "\n".join(names)
    assert not any("scratch.tmp" in n for n in names), "exclude pattern ignored"
    # restore with plain tar and compare content, modes and the link
    out = tmp_path / "restore"
    out.mkdir()
    subprocess.run("zstd -dc '%s' | tar -xpf - -C '%s'" % (archive, out), shell=True, check=True)
    back = out / rel
    assert (back / "certificates" / "cert 1; ü.pdf").read_bytes() == (uploads / "certificates" / "cert 1; ü.pdf").read_bytes()
    assert os.readlink(back / "link.png") == "a.png"
    assert stat.S_IMODE(os.stat(out / str(env).lstrip("/")).st_mode) == 0o600


def test_files_backup_missing_source_and_self_inclusion(tmp_path):
    store = str(tmp_path / "store")
    res, _play = run_module("saasops.maintenance.files_backup", dict(src=[str(tmp_path / "nope")], dest=store))
    assert res["failed"] is True and "does not exist" in res["msg"]
    assert not os.path.exists(store)
    res, _play = run_module("saasops.maintenance.files_backup", dict(src=[str(tmp_path)], dest=store))
    assert res["failed"] is True and "inside the source" in res["msg"]


def test_files_backup_check_mode(tmp_path):
    uploads, _env = make_tree(tmp_path)
    store = str(tmp_path / "store")
    res, _play = run_module("saasops.maintenance.files_backup", dict(src=[str(uploads)], dest=store), check=True)
    assert res["changed"] is True and not os.path.exists(store)
