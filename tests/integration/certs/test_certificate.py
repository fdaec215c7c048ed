"""certificate: certbot lineages issued by Pebble, renewed by certbot, served by a TLS server.

The tests of this file share one lineage and run in order: list, check mode,
dry run, renewal, renewal without reload, ACME outage.
"""

from __future__ import annotations

import os
import subprocess

from tests.support.acme import TlsServer
from tests.support.ansible import run_module


def on_disk_serial(certbot, name="app"):
    path = os.path.join(certbot.config_dir, "live", name, "cert.pem")
    out = subprocess.run(["openssl", "x509", "-in", path, "-noout", "-serial"], capture_output=True, text=True,
                         check=True).stdout
    return out.strip().split("=", 1)[1]


def cert_module(certbot, check=False, **args):
    full = certbot.module_args()
    full.update(args)
    res, _play = run_module("saasops.maintenance.certificate", full, check=check)
    return res


def test_list_lineages(acme):
    _pebble, certbot, server = acme
    res = cert_module(certbot)
    assert res.get("failed") is not True, res.get("msg")
    assert res["changed"] is False and res["due"] == []
    (cert,) = res["certificates"]
    assert cert["name"] == "app" and cert["source"] == "certbot"
    assert cert["serial"] == on_disk_serial(certbot) == server.served_serial("app.saasops.test")
    assert cert["names"] == ["app.saasops.test", "www.saasops.test"]
    assert cert["server"] == acme[0].url
    # Pebble issues 5-year certificates
    assert 1820 < cert["days_left"] < 1827 and cert["fraction_left"] > 0.99
    assert cert["due"] is False


def test_check_mode_and_dry_run_change_nothing(acme):
    _pebble, certbot, _server = acme
    before = on_disk_serial(certbot)
    res = cert_module(certbot, check=True, action="renew", renew_days=3650)
    assert res["changed"] is True and res["due"] == ["app"] and res["renewed"] == []
    res = cert_module(certbot, action="renew", renew_days=3650, dry_run=True)
    assert res.get("failed") is not True, res.get("msg")
    assert res["changed"] is False and res["dry_run_ok"] == ["app"]
    assert on_disk_serial(certbot) == before


def test_renewal_is_served_with_the_new_serial(acme):
    _pebble, certbot, server = acme
    old = on_disk_serial(certbot)
    res = cert_module(certbot, action="renew", renew_days=3650, deploy_hook=server.reload_command,
                      verify_endpoint={"host": "127.0.0.1", "port": server.port}, verify_timeout=10)
    assert res.get("failed") is not True, res.get("msg")
    assert res["changed"] is True
    (renewed,) = res["renewed"]
    new = on_disk_serial(certbot)
    assert renewed["old_serial"] == old and renewed["serial"] == new != old
    assert renewed["served_serial"] == new == server.served_serial("app.saasops.test")
    assert res["certificates"][0]["serial"] == new


def test_renewal_without_reload_is_caught(acme):
    _pebble, certbot, server = acme
    live = os.path.join(certbot.config_dir, "live", "app")
    # a second web server that the deploy hook does not reload
    other = TlsServer(os.path.join(live, "fullchain.pem"), os.path.join(live, "privkey.pem")).start()
    try:
        served = other.served_serial()
        res = cert_module(certbot, action="renew", renew_days=3650, deploy_hook=server.reload_command,
                          verify_endpoint={"host": "127.0.0.1", "port": other.port}, verify_timeout=2)
        assert res.get("failed") is True
        assert res["changed"] is True
        assert "still serves serial %s instead of %s" % (served, on_disk_serial(certbot)) in res["msg"]
        assert res["renewed"][0]["serial"] == on_disk_serial(certbot) != served
        assert other.served_serial() == served
    finally:
        other.stop()


def test_acme_outage_keeps_the_old_certificate(acme):
    pebble, certbot, server = acme
    old = on_disk_serial(certbot)
    pebble.stop()
    res = cert_module(certbot, action="renew", renew_days=3650, deploy_hook=server.reload_command,
                      verify_endpoint={"host": "127.0.0.1", "port": server.port})
    assert res.get("failed") is True
    assert res["changed"] is False and res["renewed"] == []
    assert "certificate renewal failed for app" in res["msg"]
    assert "Connection refused" in res["msg"]
    assert "previous certificate (serial %s" % old in res["msg"]
    (failure,) = res["failures"]
    assert failure["kept"] is True and failure["kept_serial"] == old
    assert "--server" in failure["cmd"] and "--no-random-sleep-on-renew" in failure["cmd"]
    assert on_disk_serial(certbot) == old == server.served_serial("app.saasops.test")
