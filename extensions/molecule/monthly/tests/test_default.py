"""monthly: the maintenance vacuumed the table with dead tuples; the run's report says so."""

from __future__ import annotations

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from pg_helpers import psql, reports_of  # noqa: E402


def test_vacuumed(host):
    assert psql(host, "molecule_monthly", "SELECT n_dead_tup, last_vacuum IS NOT NULL FROM pg_stat_user_tables "
                                          "WHERE relname = 'events'") == "0|t"


def test_report(host):
    report = reports_of(host, "molecule_monthly")[0]
    assert report["result"] == "ok"
    text = json.dumps(report["hosts"]["instance"]["figures"])
    assert "molecule_monthly" in text and "pg_maintenance" in text and "pg_health" in text
