"""endpoint_check against a local TLS server (own CA) and a local HTTP server."""

from __future__ import annotations

from tests.support.ansible import run_module
from tests.support.services import free_port


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


def test_unreachable_endpoints_are_problems():
    closed = free_port()  # nothing listens there
    res = check(http=[{"url": "http://127.0.0.1:%d/" % closed}], tls=[{"host": "127.0.0.1", "port": closed}],
                fail_on_problems=False)
    assert res["ok"] is False and res.get("failed") is not True
    assert "cannot fetch the certificate of 127.0.0.1:%d" % closed in res["tls"][0]["problems"][0]
    assert res["http"][0]["problems"][0].startswith("request failed: ConnectionRefusedError")
