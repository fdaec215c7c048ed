"""The backup roles end to end, with the offsite copy on a second host over SSH."""

from __future__ import annotations

import hashlib
import json
import os
import sys

import pytest

from tests.support.ansible import run_playbook
from tests.support.sshhost import SshHost

PLAY = """
- hosts: app
  gather_facts: false
  roles:
    - role: saasops.maintenance.pg_backup
    - role: saasops.maintenance.files_backup
    - role: saasops.maintenance.offsite_sync
  tasks:
    - name: Keep the facts for the test
      ansible.builtin.copy:
        content: "{{ {'pg': pg_backup_report, 'files': files_backup_report, 'offsite': offsite_sync_report} | to_json }}"
        dest: "{{ report_file }}"
        mode: "0600"
      check_mode: false
"""


@pytest.fixture(scope="module")
def sshhost():
    host = SshHost().start()
    yield host
    host.stop()


def sha(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def test_backup_roles_with_offsite_copy(pg, sshhost, tmp_path):
    pg.dropdb("roledb")
    pg.createdb("roledb")
    pg.psql("CREATE TABLE t AS SELECT g AS id, md5(g::text) AS v FROM generate_series(1, 5000) g; ANALYZE t;",
            db="roledb")
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    (uploads / "a.txt").write_text("hello")
    store = tmp_path / "store"
    offsite = tmp_path / "offsite"
    playbook = tmp_path / "site.yml"
    playbook.write_text(PLAY)
    inventory = tmp_path / "hosts"
    inventory.write_text("[app]\nlocalhost ansible_connection=local ansible_python_interpreter=%s\n[offsite]\n%s\n"
                         % (sys.executable, sshhost.inventory_line("offsite1", sys.executable)))
    report = tmp_path / "report.json"
    extra = dict(
        pg_backup_databases=["roledb"], pg_backup_dest=str(store / "pg"), pg_backup_login_host=pg.host,
        pg_backup_port=pg.port, pg_backup_login_user="postgres", pg_backup_login_password=pg.password,
        files_backup_sets=[dict(name="uploads", src=[str(uploads)])], files_backup_dest=str(store / "files"),
        offsite_sync_stores=[str(store / "pg"), str(store / "files")], offsite_sync_host=sshhost.address, offsite_sync_port=sshhost.port,
        offsite_sync_user="root", offsite_sync_ssh_key=sshhost.key, offsite_sync_known_hosts=sshhost.known_hosts,
        offsite_sync_path=str(offsite), offsite_sync_verify_host="offsite1", report_file=str(report),
    )
    res = run_playbook(str(playbook), inventory=str(inventory), extra_vars=extra)
    assert res.rc == 0, res.stdout[-4000:] + res.stderr[-2000:]
    facts = json.loads(report.read_text())
    assert facts["pg"][0]["database"] == "roledb" and facts["pg"][0]["rows"] == 5000
    assert facts["files"][0]["members"] == 2
    assert facts["offsite"]["checked"] is True and int(facts["offsite"]["verified_backups"]) == 2
    # every file of every backup is offsite, byte for byte
    copied = 0
    for root, _dirs, files in os.walk(store):
        for name in files:
            if name == ".lock":
                continue
            local = os.path.join(root, name)
            remote = os.path.join(offsite, os.path.relpath(local, store))
            assert sha(local) == sha(remote), remote
            copied += 1
    assert copied >= 4
    assert pg.password not in res.stdout

    # check mode: no new backup, nothing copied
    before = sorted(os.listdir(store / "pg"))
    res = run_playbook(str(playbook), inventory=str(inventory), extra_vars=extra, check=True)
    assert res.rc == 0, res.stdout[-4000:] + res.stderr[-2000:]
    assert sorted(os.listdir(store / "pg")) == before

    # a flipped byte offsite (same size and mtime, so rsync skips it) is caught by the verification
    victim = next(os.path.join(r, f) for r, _d, fs in os.walk(offsite / "files") for f in fs if f.endswith(".zst"))
    stat = os.stat(victim)
    with open(victim, "r+b") as handle:
        first = handle.read(1)
        handle.seek(0)
        handle.write(bytes([first[0] ^ 0xFF]))
    os.utime(victim, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    extra["files_backup_sets"] = []
    extra["pg_backup_databases"] = []
    res = run_playbook(str(playbook), inventory=str(inventory), extra_vars=extra)
    assert res.rc != 0
    assert "does not match its sha256 checksum" in res.stdout
