"""Fixtures for the certificate tests: Pebble, certbot with private dirs, a lineage and a TLS server."""

from __future__ import annotations

import os

import pytest

from tests.support.acme import Certbot, Pebble, TlsServer


@pytest.fixture(scope="module")
def acme():
    pebble = Pebble().start()
    certbot = Certbot(pebble)
    live = certbot.issue("app", ["app.saasops.test", "www.saasops.test"])
    server = TlsServer(os.path.join(live, "fullchain.pem"), os.path.join(live, "privkey.pem")).start()
    yield pebble, certbot, server
    server.stop()
    pebble.destroy()
    certbot.destroy()
