"""pg_health: the report holds the server's real connection limit, the database size and its largest table."""

from __future__ import annotations

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from pg_helpers import WORK, psql  # noqa: E402


def test_report_matches_the_server(host):
    report = json.loads(host.file(os.path.join(WORK, "pg_health.json")).content_string)
    dbs = [d for d in report["databases"] if d["database"] == "molecule_pg_health"]
    assert len(dbs) == 1 and report["at_risk"] == []
    health = dbs[0]
    assert health["max_connections"] == int(psql(host, "postgres", "SHOW max_connections"))
    assert 1 <= health["connections"] <= health["max_connections"]
    size = int(psql(host, "molecule_pg_health", "SELECT pg_database_size(current_database())"))
    assert abs(health["bytes"] - size) < 1024 * 1024
    assert health["largest_tables"][0]["name"] == "accounts"
