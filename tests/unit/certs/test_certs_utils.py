"""module_utils/certs.py with openssl and certbot replaced: inventory, thresholds, argv, failures."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.saasops.maintenance.plugins.module_utils.certs import (
    Certificates, certbot_cause, parse_x509_text,
)
from ansible_collections.saasops.maintenance.plugins.module_utils.common import MaintenanceError
from tests.support.edge import FakeClock, FakeModule

NOW = datetime.datetime(2026, 11, 24, 12, 0, 0, tzinfo=datetime.timezone.utc)

X509_OLD = """serial=0A1B2C
subject=CN=app.example.com
issuer=CN=Pebble Intermediate CA 1f2e3d,O=ACME
notBefore=Aug 30 12:00:00 2026 GMT
notAfter=Nov 28 12:00:00 2026 GMT
X509v3 Subject Alternative Name: \n    DNS:app.example.com, DNS:www.example.com, IP Address:10.0.0.1
"""
X509_NEW = X509_OLD.replace("serial=0A1B2C", "serial=77FF00").replace("Nov 28 12:00:00 2026", "Feb 22 12:00:00 2027")
CERTBOT_DOWN = """Saving debug log to /var/log/letsencrypt/letsencrypt.log
Failed to renew certificate app with error: Requesting 127.0.0.1/dir: Connection refused
All renewals failed. The following certificates could not be renewed:
"""


def lineage(tmp_path, name="app", server="https://acme.test/dir"):
    renewal = tmp_path / "renewal"
    renewal.mkdir(exist_ok=True)
    live = tmp_path / "live" / name
    live.mkdir(parents=True)
    (live / "cert.pem").write_text("PEM")
    (renewal / (name + ".conf")).write_text(
        "version = 2.1.0\ncert = %s\n\n[renewalparams]\naccount = abc\nserver = %s\n" % (live / "cert.pem", server))
    return str(live / "cert.pem")


def certs(module, tmp_path, **params):
    base = {"config_dir": str(tmp_path), "renew_days": 30, "openssl_path": "/bin/true", "certbot_path": "/bin/true"}
    base.update(params)
    clock = FakeClock()
    return Certificates(module, base, now=NOW, sleep=clock.sleep, clock=clock)


def test_parse_openssl_output():
    info = parse_x509_text(X509_OLD)
    assert info["serial"] == "0A1B2C"
    assert info["not_after"] == datetime.datetime(2026, 11, 28, 12, tzinfo=datetime.timezone.utc)
    assert info["sans"] == ["DNS:app.example.com", "DNS:www.example.com", "IP:10.0.0.1"]
    with pytest.raises(MaintenanceError, match="no serial"):
        parse_x509_text("subject=CN=x\n")


def test_list_days_and_fraction_thresholds(tmp_path):
    path = lineage(tmp_path)
    module = FakeModule().on(lambda a: a[1] == "x509", out=X509_OLD)
    res = certs(module, tmp_path, renew_days=3).run()
    (entry,) = res["certificates"]
    assert entry["days_left"] == 4.0 and entry["lifetime_days"] == 90.0
    assert entry["fraction_left"] == round(4 / 90, 4) and entry["due"] is False
    assert entry["server"] == "https://acme.test/dir" and entry["cert"] == path
    assert module.argvs()[0][:4] == ["/bin/true", "x509", "-in", path]
    res = certs(module, tmp_path, renew_days=None, renew_fraction=0.05).run()
    assert res["due"] == ["app"] and "below 5.0%" in res["certificates"][0]["due_reason"]
    with pytest.raises(MaintenanceError, match="has no lineage named nope"):
        certs(module, tmp_path, cert_names=["nope"]).run()


def test_renew_argv_and_verification(tmp_path):
    lineage(tmp_path)
    answers = [X509_OLD, X509_NEW, X509_NEW]
    module = FakeModule()

    def run_command(argv, **kw):
        """openssl shows the old certificate before the renewal, the new one after."""
        module.calls.append({"argv": list(argv), "env": kw.get("environ_update")})
        if argv[1] == "x509":
            return 0, answers.pop(0) if len(answers) > 1 else answers[0], ""
        return 0, "", ""
    module.run_command = run_command
    fetched = []

    def fetch(host, port, sni, timeout, validate):
        fetched.append((host, port, sni))
        return {"serial": "77FF00"}

    worker = certs(module, tmp_path, action="renew", deploy_hook="systemctl reload nginx",
                   acme_ca_bundle="/etc/ca.pem", verify_endpoint={"host": "127.0.0.1", "port": 8443})
    worker.fetch = fetch
    res = worker.run()
    renew = [c for c in module.calls if c["argv"][1] == "renew"][0]
    assert renew["argv"] == ["/bin/true", "renew", "--cert-name", "app", "--non-interactive",
                             "--no-random-sleep-on-renew", "--config-dir", str(tmp_path),
                             "--server", "https://acme.test/dir", "--force-renewal",
                             "--deploy-hook", "systemctl reload nginx"]
    assert renew["env"]["REQUESTS_CA_BUNDLE"] == "/etc/ca.pem"
    assert res["changed"] is True
    assert res["renewed"] == [{"name": "app", "old_serial": "0A1B2C", "serial": "77FF00",
                               "not_after": "2027-02-22T12:00:00Z", "days_left": 90.0, "served_serial": "77FF00"}]
    assert fetched == [("127.0.0.1", 8443, "app.example.com")]


def test_dry_run_passes_server_again_and_changes_nothing(tmp_path):
    lineage(tmp_path)
    module = FakeModule().on(lambda a: a[1] == "x509", out=X509_OLD).on(lambda a: a[1] == "renew")
    res = certs(module, tmp_path, action="renew", dry_run=True).run()
    renew = [a for a in module.argvs() if a[1] == "renew"][0]
    assert renew[-3:] == ["--server", "https://acme.test/dir", "--dry-run"] and "--force-renewal" not in renew
    assert res["changed"] is False and res["dry_run_ok"] == ["app"]


def test_acme_outage_reports_the_cause_and_the_kept_certificate(tmp_path):
    lineage(tmp_path)
    module = FakeModule().on(lambda a: a[1] == "x509", out=X509_OLD)
    module.on(lambda a: a[1] == "renew", rc=1, err=CERTBOT_DOWN)
    with pytest.raises(MaintenanceError) as err:
        certs(module, tmp_path, action="renew").run()
    assert str(err.value) == ("certificate renewal failed for app: Failed to renew certificate app with error: "
                              "Requesting 127.0.0.1/dir: Connection refused; the previous certificate "
                              "(serial 0A1B2C, 4.0 days left) is still in place")
    failure = err.value.details["failures"][0]
    assert failure["kept"] is True and failure["rc"] == 1
    assert err.value.details["renewed"] == []


def test_check_mode_runs_no_certbot_and_files_cannot_be_renewed(tmp_path):
    lineage(tmp_path)
    module = FakeModule().on(lambda a: a[1] == "x509", out=X509_OLD)
    res = Certificates(module, {"config_dir": str(tmp_path), "renew_days": 30, "action": "renew",
                                "openssl_path": "/bin/true"}, check_mode=True, now=NOW).run()
    assert res["changed"] is True and res["due"] == ["app"]
    assert all(a[1] == "x509" for a in module.argvs())
    with pytest.raises(MaintenanceError, match="cannot be renewed"):
        certs(module, tmp_path, action="renew", files=[str(tmp_path / "live" / "app" / "cert.pem")]).run()
    with pytest.raises(MaintenanceError, match="certbot was not found"):
        certs(module, tmp_path, action="renew", certbot_path="/nope/certbot").run()


def test_certbot_cause():
    assert certbot_cause(CERTBOT_DOWN).startswith("Failed to renew certificate app")
    assert certbot_cause("") == ""
