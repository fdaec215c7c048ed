"""Fixtures of the restore tests: a PM2 app in its own PM2_HOME."""

from __future__ import annotations

import pytest

from tests.support.pm2_app import Pm2App


@pytest.fixture
def pm2_app():
    app = Pm2App().start()
    yield app
    app.destroy()
