"""Fixtures of the PostgreSQL maintenance tests."""

from __future__ import annotations

import pytest

from tests.support.services import PostgresServer


@pytest.fixture(scope="session")
def pgss():
    """A second server that preloads pg_stat_statements (the shared `pg` does not)."""
    server = PostgresServer(extra_conf=["shared_preload_libraries=pg_stat_statements"]).start()
    yield server
    server.destroy()
