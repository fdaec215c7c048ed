"""pg_maintenance: the table with dead tuples was vacuumed, the quiet one was left alone."""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from pg_helpers import psql  # noqa: E402

DB = "molecule_pg_maintenance"


def test_dead_tuples_are_gone(host):
    assert psql(host, DB, "SELECT n_dead_tup, last_vacuum IS NOT NULL FROM pg_stat_user_tables "
                          "WHERE relname = 'events'") == "0|t"
    assert psql(host, DB, "SELECT count(*) FROM events") == "5000"


def test_quiet_table_untouched(host):
    # only the prepare's plain VACUUM: no VACUUM (ANALYZE) from the role
    assert psql(host, DB, "SELECT last_analyze IS NULL FROM pg_stat_user_tables WHERE relname = 'quiet'") == "t"
