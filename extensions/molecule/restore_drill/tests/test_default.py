"""restore_drill: one drill record (the check run wrote none) with the backup's rows; no scratch database left."""

from __future__ import annotations

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from pg_helpers import WORK, psql  # noqa: E402


def test_one_record_with_the_rows(host):
    records = os.path.join(WORK, "restore_drill", "records")
    names = host.file(records).listdir()
    assert len(names) == 1, names
    record = json.loads(host.file(os.path.join(records, names[0])).content_string)
    assert "2345" in json.dumps(record)
    assert record["backup"].startswith(os.path.join(WORK, "restore_drill", "store"))


def test_scratch_database_dropped(host):
    assert psql(host, "postgres", "SELECT count(*) FROM pg_database WHERE datname LIKE 'molecule_drill_scratch%'") == "0"
