"""files_backup: one verified archive (the check run wrote none) with the files and without temp/."""

from __future__ import annotations

import json
import os

import yaml

VARS = yaml.safe_load(open(os.environ["MOLECULE_SAASOPS_VARS"]))
STORE = os.path.join(VARS["saasops_work"], "files_backup", "store")


def test_one_archive_with_the_files(host):
    entries = [n for n in host.file(STORE).listdir() if n.startswith("uploads-")]
    assert len(entries) == 1
    folder = os.path.join(STORE, entries[0])
    assert host.file(folder).mode == 0o700
    manifest = json.loads(host.file(os.path.join(folder, "manifest.json")).content_string)
    assert manifest["verified"] is True
    archives = [n for n in host.file(folder).listdir() if ".tar" in n]
    assert len(archives) == 1
    listing = host.run("tar --zstd -tvf %s" % os.path.join(folder, archives[0]))
    assert listing.rc == 0
    names = listing.stdout
    assert "logo.png" in names and "invoice-1.pdf" in names and ".env" in names
    assert "partial.bin" not in names
    env_line = next(line for line in names.splitlines() if line.endswith(".env"))
    assert env_line.startswith("-rw-------")  # the secret file keeps its mode in the archive
