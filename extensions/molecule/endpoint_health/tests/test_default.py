"""endpoint_health: the report has the certificate's real expiry and the endpoint's 200 with its headers."""

from __future__ import annotations

import datetime
import json
import os

import yaml

VARS = yaml.safe_load(open(os.environ["MOLECULE_SAASOPS_VARS"]))


def test_report(host):
    report = json.loads(host.file(os.path.join(VARS["saasops_work"], "endpoint_health.json")).content_string)
    text = json.dumps(report)
    out = host.check_output("openssl x509 -noout -enddate -in %s", os.path.join(VARS["saasops_work"], "tls", "server.pem"))
    not_after = datetime.datetime.strptime(out.split("=", 1)[1], "%b %d %H:%M:%S %Y %Z")
    days = (not_after - datetime.datetime.utcnow()).days
    assert ('"days_left": %d' % days) in text or ('"days_left": %d' % (days + 1)) in text, text[:1500]
    assert '"status": 200' in text or '"status_code": 200' in text
    assert report.get("problems", []) == [] and report.get("at_risk", []) == []
