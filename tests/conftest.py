"""Shared fixtures: real services started once per test session."""

from __future__ import annotations

import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "build", "collections"))
sys.path.insert(0, ROOT)

from tests.support.services import PostgresServer  # noqa: E402


@pytest.fixture(scope="session")
def pg():
    """One PostgreSQL 15 server for the whole run (password auth over TCP)."""
    server = PostgresServer().start()
    yield server
    server.destroy()


@pytest.fixture
def store(tmp_path):
    path = tmp_path / "store"
    return str(path)
