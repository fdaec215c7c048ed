"""certificates: the report has the lineage's real expiry (openssl), not due, so not renewed (one certificate)."""

from __future__ import annotations

import datetime
import json
import os

import yaml

VARS = yaml.safe_load(open(os.environ["MOLECULE_SAASOPS_VARS"]))
DIRS = os.path.join(VARS["saasops_work"], "certificates")


def test_report_matches_the_certificate(host):
    report = json.loads(host.file(os.path.join(DIRS, "report.json")).content_string)
    out = host.check_output("openssl x509 -noout -enddate -in %s", os.path.join(DIRS, "config", "live", "molecule", "cert.pem"))
    not_after = datetime.datetime.strptime(out.split("=", 1)[1], "%b %d %H:%M:%S %Y %Z")
    days = (not_after - datetime.datetime.utcnow()).days
    text = json.dumps(report)
    assert "molecule" in text
    assert ('"days_left": %d' % days) in text or ('"days_left": %d' % (days + 1)) in text, text[:1500]


def test_not_renewed(host):
    # converge, idempotence and check: the lineage was never due, certbot kept its one certificate
    archive = host.file(os.path.join(DIRS, "config", "archive", "molecule")).listdir()
    assert sorted(n for n in archive if n.startswith("cert")) == ["cert1.pem"]
