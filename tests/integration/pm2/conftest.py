"""Fixtures for the PM2 tests: one private daemon per module."""

from __future__ import annotations

import os

import pytest

from tests.support.pm2 import PM2_BIN, Pm2Daemon


@pytest.fixture(scope="module")
def pm2d():
    if not os.path.exists(PM2_BIN):
        pytest.fail("pm2 is missing: run 'make deps' (it installs pm2 into build/npm)")
    daemon = Pm2Daemon()
    yield daemon
    daemon.stop()
