"""django_housekeeping playbook: clearsessions removed the expired session only; the cache is empty."""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from django_checks import SITE, psql  # noqa: E402


def test_only_the_live_session_left(host):
    assert psql(host, "SELECT string_agg(session_key, ',') FROM django_session") == "live1"


def test_cache_emptied(host):
    assert host.file(SITE["cache_dir"]).listdir() == []
