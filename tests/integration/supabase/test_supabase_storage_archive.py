"""Supabase storage backup, archive side only.

No S3-compatible server can be installed here (no MinIO or Supabase storage in
the package registries this project may use), so the download step
(`supabase storage download` / rclone) is not tested: a local directory
stands in for the downloaded bucket and files_backup archives it.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess

from tests.support.ansible import run_module

OBJECTS = {
    "avatars/u1.png": b"\x89PNG fake image " * 50,
    "avatars/élève 2.png": b"second image",
    "documents/2026/invoice-0001.pdf": b"%PDF-1.7 fake",
    "documents/empty.txt": b"",
}


def digest(path):
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def test_downloaded_bucket_to_verified_archive_and_back(tmp_path):
    bucket = tmp_path / "download" / "storage"
    for rel, data in OBJECTS.items():
        target = bucket / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    store = tmp_path / "store"
    res, _play = run_module("saasops.maintenance.files_backup",
                            dict(src=[str(bucket)], dest=str(store), name="supabase-storage", compression="gzip"))
    assert res.get("failed") is not True, res.get("msg")
    manifest = json.load(open(res["manifest"]))
    assert manifest["verified"] is True and manifest["series"] == "supabase-storage"
    assert res["members"] == len(OBJECTS) + 4  # the files and their directories (storage, avatars, documents, 2026)
    # restore side of the runbook: extract the archive and compare every object
    out = tmp_path / "extracted"
    out.mkdir()
    archive = os.path.join(res["backup"], "files.tar.gz")
    assert [f["path"] for f in manifest["files"]] == ["files.tar.gz"]
    subprocess.run(["tar", "-xzf", archive, "-C", str(out)], check=True)
    root = out / str(bucket).lstrip("/")
    for rel, data in OBJECTS.items():
        assert (root / rel).read_bytes() == data
        assert digest(root / rel) == hashlib.sha256(data).hexdigest()
