"""module_utils/endpoints.py: the DER reader against openssl, header rules, the check logic."""

from __future__ import annotations

import datetime
import ssl
import subprocess

import pytest

from ansible_collections.saasops.maintenance.plugins.module_utils.common import MaintenanceError
from ansible_collections.saasops.maintenance.plugins.module_utils.endpoints import (
    EndpointCheck, header_problems, parse_der_certificate, validity_report,
)

NOW = datetime.datetime(2026, 11, 24, 12, 0, 0, tzinfo=datetime.timezone.utc)


def test_der_reader_agrees_with_openssl(tmp_path):
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(tmp_path / "k"),
                    "-out", str(tmp_path / "c"), "-days", "7", "-subj", "/O=Acme/CN=shop.example.com",
                    "-addext", "subjectAltName=DNS:shop.example.com,DNS:*.example.com,IP:::1"],
                   check=True, capture_output=True)
    out = subprocess.run(["openssl", "x509", "-in", str(tmp_path / "c"), "-noout", "-serial", "-enddate"],
                         check=True, capture_output=True, text=True).stdout.splitlines()
    cert = parse_der_certificate(ssl.PEM_cert_to_DER_cert((tmp_path / "c").read_text()))
    assert cert["serial"] == out[0].split("=", 1)[1]
    not_after = datetime.datetime.strptime(" ".join(out[1].split("=", 1)[1].split()), "%b %d %H:%M:%S %Y GMT")
    assert cert["not_after"] == not_after.replace(tzinfo=datetime.timezone.utc)
    assert cert["subject_cn"] == "shop.example.com" and cert["issuer_cn"] == "shop.example.com"
    assert cert["sans"] == ["DNS:shop.example.com", "DNS:*.example.com", "IP:::1"]
    with pytest.raises(MaintenanceError, match="cannot decode"):
        parse_der_certificate(b"\x30\x03\x02")


def test_validity_report():
    rep = validity_report(NOW - datetime.timedelta(days=60), NOW + datetime.timedelta(days=30), NOW)
    assert rep == {"not_before": "2026-09-25T12:00:00Z", "not_after": "2026-12-24T12:00:00Z", "days_left": 30.0,
                   "lifetime_days": 90.0, "fraction_left": 0.3333, "expired": False}


def test_header_problems():
    good = {"strict-transport-security": "max-age=63072000; includeSubDomains", "x-frame-options": "DENY",
            "x-content-type-options": "nosniff", "content-security-policy": "default-src 'self'"}
    names = ["Strict-Transport-Security", "X-Frame-Options", "X-Content-Type-Options", "Content-Security-Policy"]
    assert header_problems(good, names) == []
    bad = dict(good, **{"x-frame-options": "ALLOWALL", "strict-transport-security": "includeSubDomains"})
    del bad["content-security-policy"]
    assert header_problems(bad, names) == [
        "Strict-Transport-Security has no positive max-age: 'includeSubDomains'",
        "X-Frame-Options is 'ALLOWALL', not DENY or SAMEORIGIN",
        "missing header Content-Security-Policy"]


def test_check_collects_problems():
    def fetch(host, port, sni, timeout, ca_file, validate):
        if host == "down.example.com":
            raise MaintenanceError("cannot fetch the certificate of down.example.com:443 (SNI x): refused")
        return {"serial": "AB", "subject_cn": sni, "issuer_cn": "R3", "sans": ["DNS:" + sni], "tls_version": "TLSv1.3",
                "verified": False, "verify_error": "certificate has expired",
                "not_before": NOW - datetime.timedelta(days=95), "not_after": NOW - datetime.timedelta(days=5)}

    def probe(url, method, timeout, validate_certs, ca_file):
        return {"url": url, "status": 200, "latency_ms": 2500.0, "headers": {}, "error": None, "body": "ok"}

    res = EndpointCheck({"tls": [{"host": "shop.example.com", "port": 443}, {"host": "down.example.com"}],
                         "http": [{"url": "https://shop.example.com/api/health", "max_latency_ms": 1000,
                                   "security_headers": []}],
                         "min_days": 30, "security_headers": ["X-Frame-Options"]},
                        now=NOW, fetch=fetch, probe=probe).run()
    assert res["ok"] is False and res["changed"] is False
    assert res["problems"] == [
        "shop.example.com:443 certificate expired at 2026-11-19T12:00:00Z",
        "shop.example.com:443 certificate does not verify: certificate has expired",
        "down.example.com:443 cannot fetch the certificate of down.example.com:443 (SNI x): refused",
        "https://shop.example.com/api/health latency 2500.0ms above 1000ms"]
