"""What the testinfra verifiers of the PostgreSQL scenarios share: the vars file and psql through the passfile."""

from __future__ import annotations

import json
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


def reports_of(host, needle):
    """The run reports (JSON) of this machine's scenarios that mention needle (the converge and the check run)."""
    folder = os.path.join(WORK, "reports")
    texts = [host.file(os.path.join(folder, n)).content_string for n in sorted(host.file(folder).listdir())
             if n.startswith("converge-") and n.endswith(".json")]
    found = [json.loads(t) for t in texts if needle in t]
    assert found, "no report mentions %s" % needle
    return found
