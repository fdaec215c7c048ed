# -*- coding: utf-8 -*-
# Copyright: (c) 2026, saasops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks of public endpoints with the standard library only.

- TLS: the certificate an endpoint serves (host, port, SNI): serial, names,
  validity, days left, and whether it verifies against the system or a given CA.
- HTTP: status and latency of a health URL, and the security headers the
  runbooks check (HSTS, X-Frame-Options, X-Content-Type-Options, CSP).

Certificates are read in DER form from the handshake and decoded here by a
minimal X.509 reader, so no third-party library is needed on the target.
"""

from __future__ import annotations

import binascii
import datetime
import http.client
import socket
import ssl
import time
import urllib.parse

from ansible_collections.saasops.maintenance.plugins.module_utils.common import MaintenanceError, iso

__metaclass__ = type

DEFAULT_SECURITY_HEADERS = [
    "strict-transport-security",
    "x-frame-options",
    "x-content-type-options",
    "content-security-policy",
]

_OID_CN = "2.5.4.3"
_OID_SAN = "2.5.29.17"


# ---------------------------------------------------------------- minimal DER reader
def _tlv(data, pos):
    """(tag, content start, content end) of the DER element at pos."""
    tag = data[pos]
    length = data[pos + 1]
    pos += 2
    if length & 0x80:
        count = length & 0x7F
        length = int.from_bytes(data[pos:pos + count], "big")
        pos += count
    return tag, pos, pos + length


def _children(data, start, end):
    out = []
    pos = start
    while pos < end:
        tag, cstart, cend = _tlv(data, pos)
        out.append((tag, cstart, cend))
        pos = cend
    return out


def _oid(raw):
    parts = [raw[0] // 40, raw[0] % 40]
    value = 0
    for byte in raw[1:]:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            parts.append(value)
            value = 0
    return ".".join(str(p) for p in parts)


def _time(tag, raw):
    text = raw.decode("ascii")
    if tag == 0x17:  # UTCTime YYMMDDHHMMSSZ
        year = int(text[:2])
        text = ("19" if year >= 50 else "20") + text
    return datetime.datetime.strptime(text[:14], "%Y%m%d%H%M%S").replace(tzinfo=datetime.timezone.utc)


def _name_cn(data, start, end):
    for _set_tag, sstart, send in _children(data, start, end):
        for _seq_tag, astart, aend in _children(data, sstart, send):
            attrs = _children(data, astart, aend)
            if len(attrs) == 2 and _oid(data[attrs[0][1]:attrs[0][2]]) == _OID_CN:
                return data[attrs[1][1]:attrs[1][2]].decode("utf-8", "replace")
    return None


def parse_der_certificate(der):
    """serial (hex, upper case, as openssl prints it), subject/issuer CN, SANs, validity."""
    try:
        _tag, cstart, cend = _tlv(der, 0)
        _tbs_tag, tstart, tend = _children(der, cstart, cend)[0]
        fields = _children(der, tstart, tend)
        idx = 1 if fields[0][0] == 0xA0 else 0  # explicit version
        serial_raw = der[fields[idx][1]:fields[idx][2]]
        issuer = fields[idx + 2]
        validity = _children(der, fields[idx + 3][1], fields[idx + 3][2])
        subject = fields[idx + 4]
        not_before = _time(validity[0][0], der[validity[0][1]:validity[0][2]])
        not_after = _time(validity[1][0], der[validity[1][1]:validity[1][2]])
        sans = []
        for tag, start, end in fields[idx + 6:]:
            if tag != 0xA3:
                continue
            _seq, estart, eend = _tlv(der, start)
            for _ext_tag, xstart, xend in _children(der, estart, eend):
                parts = _children(der, xstart, xend)
                if _oid(der[parts[0][1]:parts[0][2]]) != _OID_SAN:
                    continue
                octet = parts[-1]
                _names_tag, nstart, nend = _tlv(der, octet[1])
                for ntag, gstart, gend in _children(der, nstart, nend):
                    if ntag == 0x82:
                        sans.append("DNS:" + der[gstart:gend].decode("ascii", "replace"))
                    elif ntag == 0x87:
                        raw = der[gstart:gend]
                        if len(raw) == 4:
                            sans.append("IP:" + ".".join(str(b) for b in raw))
                        else:
                            sans.append("IP:" + socket.inet_ntop(socket.AF_INET6, raw))
    except (IndexError, ValueError, UnicodeDecodeError) as err:
        raise MaintenanceError("cannot decode the certificate: %s" % err)
    serial = binascii.hexlify(serial_raw.lstrip(b"\x00") or b"\x00").decode("ascii").upper()
    return {
        "serial": serial,
        "subject_cn": _name_cn(der, subject[1], subject[2]),
        "issuer_cn": _name_cn(der, issuer[1], issuer[2]),
        "sans": sans,
        "not_before": not_before,
        "not_after": not_after,
    }


def validity_report(not_before, not_after, now):
    """days_left, lifetime_days and fraction_left of a validity period."""
    lifetime = (not_after - not_before).total_seconds()
    left = (not_after - now).total_seconds()
    return {
        "not_before": iso(not_before),
        "not_after": iso(not_after),
        "days_left": round(left / 86400.0, 2),
        "lifetime_days": round(lifetime / 86400.0, 2),
        "fraction_left": round(max(0.0, left) / lifetime, 4) if lifetime > 0 else 0.0,
        "expired": left <= 0,
    }


# ---------------------------------------------------------------- TLS
def fetch_certificate(host, port=443, server_name=None, timeout=10, ca_file=None, validate=True):
    """The certificate an endpoint serves, decoded, plus whether it verifies."""
    sni = server_name or host
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    started = time.monotonic()
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            with ctx.wrap_socket(sock, server_hostname=sni) as tls:
                der = tls.getpeercert(binary_form=True)
                version = tls.version()
    except (OSError, ssl.SSLError) as err:
        raise MaintenanceError("cannot fetch the certificate of %s:%s (SNI %s): %s" % (host, port, sni, err))
    cert = parse_der_certificate(der)
    cert.update(host=host, port=port, server_name=sni, tls_version=version,
                latency_ms=round((time.monotonic() - started) * 1000, 1))
    cert["verified"] = None
    cert["verify_error"] = None
    if validate:
        vctx = ssl.create_default_context(cafile=ca_file) if ca_file else ssl.create_default_context()
        try:
            with socket.create_connection((host, port), timeout=timeout) as sock:
                with vctx.wrap_socket(sock, server_hostname=sni):
                    cert["verified"] = True
        except ssl.SSLCertVerificationError as err:
            cert["verified"] = False
            cert["verify_error"] = err.verify_message or str(err)
        except (OSError, ssl.SSLError) as err:
            cert["verified"] = False
            cert["verify_error"] = str(err)
    return cert


# ---------------------------------------------------------------- HTTP
def probe_http(url, method="GET", timeout=10, validate_certs=True, ca_file=None, headers=None, read_limit=65536):
    """One request, redirects not followed: status, latency (to the response headers), headers."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise MaintenanceError("%r is not an http(s) URL" % url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    if parts.scheme == "https":
        if validate_certs:
            ctx = ssl.create_default_context(cafile=ca_file) if ca_file else ssl.create_default_context()
        else:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        conn = http.client.HTTPSConnection(parts.hostname, port, timeout=timeout, context=ctx)
    else:
        conn = http.client.HTTPConnection(parts.hostname, port, timeout=timeout)
    result = {"url": url, "status": None, "latency_ms": None, "headers": {}, "error": None, "body": ""}
    started = time.monotonic()
    try:
        conn.request(method, target, headers=dict(headers or {}, **{"User-Agent": "saasops.maintenance"}))
        resp = conn.getresponse()
        result["latency_ms"] = round((time.monotonic() - started) * 1000, 1)
        result["status"] = resp.status
        result["headers"] = dict((k.lower(), v) for k, v in resp.getheaders())
        result["body"] = resp.read(read_limit).decode("utf-8", "replace")
    except (OSError, http.client.HTTPException, ssl.SSLError) as err:
        result["error"] = "%s: %s" % (type(err).__name__, err)
    finally:
        conn.close()
    return result


# the options of the doc fragment health_gate
HEALTH_GATE_ARGS = dict(
    health_url=dict(type="str"),
    health_timeout=dict(type="int", default=60),
    health_http_timeout=dict(type="int", default=5),
    validate_certs=dict(type="bool", default=True),
)


class UrlGate:
    """What the health gates of pm2_process and compose_service share: their settings, the health-URL probe
    (2xx counts, redirects are not followed) and the report of a passed gate."""

    def __init__(self, timeout=60, min_uptime=5, health_url=None, http_timeout=5, validate_certs=True, interval=0.5,
                 log_lines=20, probe=probe_http):
        self.timeout = timeout
        self.min_uptime = min_uptime
        self.health_url = health_url
        self.http_timeout = http_timeout
        self.validate_certs = validate_certs
        self.interval = interval
        self.log_lines = log_lines
        self.probe = probe

    def probe_url(self):
        """(passed, probe result, problem) for the health URL."""
        http = self.probe(self.health_url, timeout=self.http_timeout, validate_certs=self.validate_certs)
        if http.get("status") is not None and 200 <= http["status"] < 300:
            return True, http, None
        return False, http, "health URL %s answered %s" % (self.health_url, http.get("status") or http.get("error"))

    def passed(self, waited, http, **counts):
        out = dict(passed=True, waited=round(waited, 1), min_uptime=self.min_uptime, **counts)
        if http is not None:
            out.update(url=self.health_url, status_code=http["status"], latency_ms=http.get("latency_ms"))
        return out


def header_problems(headers, expected):
    """Missing or weak security headers (names are case-insensitive)."""
    problems = []
    for name in expected:
        key = name.lower()
        value = headers.get(key)
        if value is None:
            problems.append("missing header %s" % name)
        elif key == "x-content-type-options" and value.strip().lower() != "nosniff":
            problems.append("X-Content-Type-Options is %r, not nosniff" % value)
        elif key == "strict-transport-security":
            max_age = [p.split("=", 1)[1] for p in value.replace(" ", "").split(";") if p.lower().startswith("max-age=")]
            if not max_age or not max_age[0].isdigit() or int(max_age[0]) <= 0:
                problems.append("Strict-Transport-Security has no positive max-age: %r" % value)
        elif key == "x-frame-options" and value.strip().upper() not in ("DENY", "SAMEORIGIN"):
            problems.append("X-Frame-Options is %r, not DENY or SAMEORIGIN" % value)
    return problems


class EndpointCheck:
    """Module ``endpoint_check``: read-only checks of TLS and HTTP endpoints."""

    def __init__(self, params, now=None, fetch=fetch_certificate, probe=probe_http):
        self.p = params
        self.now = now or datetime.datetime.now(datetime.timezone.utc)
        self.fetch = fetch
        self.probe = probe

    def run(self):
        tls = [self.check_tls(item) for item in self.p.get("tls") or []]
        http_results = [self.check_http(item) for item in self.p.get("http") or []]
        problems = []
        for item in tls:
            problems += ["%s:%s %s" % (item["host"], item["port"], p) for p in item["problems"]]
        for item in http_results:
            problems += ["%s %s" % (item["url"], p) for p in item["problems"]]
        return {"changed": False, "ok": not problems, "problems": problems, "tls": tls, "http": http_results}

    def check_tls(self, item):
        min_days = item.get("min_days")
        if min_days is None:
            min_days = self.p.get("min_days", 30)
        out = {"host": item["host"], "port": item.get("port") or 443,
               "server_name": item.get("server_name") or item["host"], "problems": []}
        try:
            cert = self.fetch(item["host"], out["port"], out["server_name"], timeout=self.p.get("timeout", 10),
                              ca_file=self.p.get("ca_file"), validate=self.p.get("validate_certs", True))
        except MaintenanceError as err:
            out["problems"].append(str(err))
            return out
        out.update(validity_report(cert["not_before"], cert["not_after"], self.now))
        for key in ("serial", "subject_cn", "issuer_cn", "sans", "tls_version", "verified", "verify_error"):
            out[key] = cert[key]
        if out["expired"]:
            out["problems"].append("certificate expired at %s" % out["not_after"])
        elif out["days_left"] < min_days:
            out["problems"].append("certificate expires in %.1f days (< %g)" % (out["days_left"], min_days))
        if cert["verified"] is False:
            out["problems"].append("certificate does not verify: %s" % cert["verify_error"])
        return out

    def check_http(self, item):
        res = self.probe(item["url"], method=item.get("method") or "GET", timeout=self.p.get("timeout", 10),
                         validate_certs=self.p.get("validate_certs", True), ca_file=self.p.get("ca_file"))
        expected_status = item.get("status") or []
        out = {"url": item["url"], "status": res["status"], "latency_ms": res["latency_ms"], "problems": []}
        if res["error"]:
            out["problems"].append("request failed: %s" % res["error"])
            return out
        if expected_status:
            if res["status"] not in expected_status:
                out["problems"].append("answered %s, expected one of %s" % (res["status"], expected_status))
        elif not 200 <= res["status"] < 300:
            out["problems"].append("answered %s, expected 2xx" % res["status"])
        max_latency = item.get("max_latency_ms")
        if max_latency and res["latency_ms"] > max_latency:
            out["problems"].append("latency %sms above %sms" % (res["latency_ms"], max_latency))
        if item.get("body_contains") and item["body_contains"] not in res["body"]:
            out["problems"].append("body does not contain %r" % item["body_contains"])
        wanted = item.get("security_headers")
        if wanted is None:
            wanted = self.p.get("security_headers") or []
        out["security_headers"] = dict((h.lower(), res["headers"].get(h.lower())) for h in wanted)
        out["problems"] += header_problems(res["headers"], wanted)
        return out
