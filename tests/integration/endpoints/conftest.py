"""Fixtures for the endpoint tests: a TLS server with its own CA, and a plain HTTP server."""

from __future__ import annotations

import http.server
import subprocess
import threading

import pytest

from tests.support.acme import TlsServer, make_test_ca

ALL_HEADERS = {
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "X-Frame-Options": "SAMEORIGIN",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'self'",
}


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server API
        if self.path == "/api/health":
            body = b'{"status": "healthy"}'
            self.send_response(200)
            for key, value in ALL_HEADERS.items():
                self.send_header(key, value)
        elif self.path == "/weak":
            body = b"weak"
            self.send_response(200)
            self.send_header("X-Content-Type-Options", "sniff")
            self.send_header("Strict-Transport-Security", "max-age=0")
        else:
            body = b'{"status": "unhealthy"}'
            self.send_response(503)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def web():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield "http://127.0.0.1:%d" % server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    base = str(tmp_path_factory.mktemp("endpoint-ca"))
    ca, cert, key = make_test_ca(base, days=10)
    server = TlsServer(cert, key).start()
    serial = subprocess.run(["openssl", "x509", "-in", cert, "-noout", "-serial"], capture_output=True, text=True,
                            check=True).stdout.strip().split("=", 1)[1]
    yield server, ca, serial
    server.stop()
