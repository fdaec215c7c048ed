"""pg_backup: one verified backup (the check run wrote none), private, with the source's row count."""

from __future__ import annotations

import json
import os

import yaml

VARS = yaml.safe_load(open(os.environ["MOLECULE_SAASOPS_VARS"]))
STORE = os.path.join(VARS["saasops_work"], "pg_backup")


def test_one_private_backup(host):
    entries = [n for n in host.file(STORE).listdir() if n.startswith("molecule_pg_backup-")]
    assert len(entries) == 1  # converge made one, check mode made none
    backup = host.file(os.path.join(STORE, entries[0]))
    assert backup.is_directory and backup.mode == 0o700
    manifest = json.loads(host.file(os.path.join(STORE, entries[0], "manifest.json")).content_string)
    assert manifest["verified"] is True
    assert "1234" in json.dumps(manifest)


def test_source_row_count(host):
    pg = VARS["saasops_pg"]
    cmd = host.run("PGPASSFILE=%s psql -X -At -h %s -p %s -U postgres -d molecule_pg_backup -c 'SELECT count(*) FROM accounts'"
                   % (pg["passfile"], pg["host"], pg["port"]))
    assert cmd.rc == 0 and cmd.stdout.strip() == "1234"
