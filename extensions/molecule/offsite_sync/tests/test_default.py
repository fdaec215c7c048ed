"""offsite_sync: the offsite copy equals the local backup byte for byte, through the SSH host."""

from __future__ import annotations

import os

import yaml

VARS = yaml.safe_load(open(os.environ["MOLECULE_SAASOPS_VARS"]))
BASE = os.path.join(VARS["saasops_work"], "offsite_sync")


def test_copy_is_identical(host):
    local = os.path.join(BASE, "store", "files")
    remote = os.path.join(BASE, "offsite", "files")
    (entry,) = [n for n in host.file(local).listdir() if n.startswith("reports-")]
    assert [n for n in host.file(remote).listdir() if n.startswith("reports-")] == [entry]
    for name in host.file(os.path.join(local, entry)).listdir():
        mine, theirs = host.file(os.path.join(local, entry, name)), host.file(os.path.join(remote, entry, name))
        assert theirs.sha256sum == mine.sha256sum and theirs.mode == mine.mode
    assert host.file(os.path.join(remote, entry)).mode == 0o700
    assert not host.file(os.path.join(remote, ".lock")).exists


def test_offsite_sshd_is_running(host):
    port = ":%s " % VARS["saasops_ssh"]["port"]
    sshd = [p for p in host.process.filter(comm="sshd") if port.strip() in p.args or "-f" in p.args]
    assert sshd, "the offsite host's sshd is not running"
