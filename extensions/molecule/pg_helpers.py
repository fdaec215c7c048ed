"""What the testinfra verifiers of the PostgreSQL scenarios share: the vars file and psql through the passfile."""

from __future__ import annotations

import os

import yaml

VARS = yaml.safe_load(open(os.environ["MOLECULE_SAASOPS_VARS"]))
WORK = VARS["saasops_work"]


def psql(host, db, sql):
    pg = VARS["saasops_pg"]
    cmd = host.run("PGPASSFILE=%s psql -X -At -h %s -p %s -U postgres -d %s -c %s",
                   pg["passfile"], pg["host"], str(pg["port"]), db, sql)
    assert cmd.rc == 0, cmd.stderr
    return cmd.stdout.strip()
