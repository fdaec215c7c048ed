"""endpoint_check against a local TLS server (own CA) and a local HTTP server."""

from __future__ import annotations

import http.server
import subprocess
import threading

import pytest

from tests.support.acme import TlsServer, make_test_ca
from tests.support.ansible import run_module

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


def check(**args):
    res, _play = run_module("saasops.maintenance.endpoint_check", args)
    return res


def test_tls_days_left_serial_and_verification(tls):
    server, ca, serial = tls
    res = check(tls=[{"host": "127.0.0.1", "port": server.port, "server_name": "localhost"}], ca_file=ca,
                fail_on_problems=False)
    assert res.get("failed") is not True, res.get("msg")
    (item,) = res["tls"]
    assert item["serial"] == serial and item["verified"] is True
    assert item["sans"] == ["DNS:localhost", "IP:127.0.0.1"] and item["issuer_cn"] == "saasops test CA"
    assert 9.9 < item["days_left"] <= 10 and item["lifetime_days"] == 10
    # 10 days left is below the runbooks' 30-day alert
    assert res["ok"] is False and res["problems"] == [
        "127.0.0.1:%d certificate expires in %.1f days (< 30)" % (server.port, item["days_left"])]
    assert res["changed"] is False

    res = check(tls=[{"host": "127.0.0.1", "port": server.port, "server_name": "localhost", "min_days": 7}],
                ca_file=ca)
    assert res.get("failed") is not True and res["ok"] is True and res["problems"] == []

    # without the CA it does not verify: a problem, and the task fails
    res = check(tls=[{"host": "127.0.0.1", "port": server.port, "server_name": "localhost", "min_days": 7}])
    assert res.get("failed") is True
    assert res["tls"][0]["verified"] is False
    assert "certificate does not verify" in res["msg"]


def test_https_security_headers(tls):
    server, ca, _serial = tls
    url = "https://localhost:%d/" % server.port
    res = check(http=[{"url": url}], ca_file=ca, fail_on_problems=False)
    (item,) = res["http"]
    assert item["status"] == 200 and item["latency_ms"] > 0
    assert item["security_headers"]["x-frame-options"] == "DENY"
    assert item["security_headers"]["content-security-policy"] is None
    assert res["problems"] == ["%s missing header Content-Security-Policy" % url]


def test_http_health_status_body_and_headers(web):
    res = check(http=[{"url": web + "/api/health", "body_contains": "healthy"},
                      {"url": web + "/api/down", "security_headers": []},
                      {"url": web + "/api/down", "status": [503], "security_headers": []},
                      {"url": web + "/weak", "security_headers": ["X-Content-Type-Options",
                                                                  "Strict-Transport-Security",
                                                                  "X-Frame-Options"]}])
    assert res.get("failed") is True
    healthy, down, expected_down, weak = res["http"]
    assert healthy["status"] == 200 and healthy["problems"] == []
    assert down["status"] == 503 and down["problems"] == ["answered 503, expected 2xx"]
    assert expected_down["problems"] == []
    assert weak["problems"] == ["X-Content-Type-Options is 'sniff', not nosniff",
                                "Strict-Transport-Security has no positive max-age: 'max-age=0'",
                                "missing header X-Frame-Options"]
    assert "4 endpoint problem(s)" in res["msg"]


def test_unreachable_endpoints_are_problems(web):
    port = int(web.rsplit(":", 1)[1])
    with __import__("socket").socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    res = check(http=[{"url": "http://127.0.0.1:%d/" % closed}], tls=[{"host": "127.0.0.1", "port": closed}],
                fail_on_problems=False)
    assert res["ok"] is False and port != closed
    assert "cannot fetch the certificate of 127.0.0.1:%d" % closed in res["tls"][0]["problems"][0]
    assert res["http"][0]["problems"][0].startswith("request failed: ConnectionRefusedError")
