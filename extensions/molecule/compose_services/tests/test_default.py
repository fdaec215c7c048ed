"""compose_services: web was restarted once (after prepare, not by the check run), healthy and serving."""

from __future__ import annotations

import json
import os
import urllib.request

import yaml

VARS = yaml.safe_load(open(os.environ["MOLECULE_SAASOPS_VARS"]))
PROJECT = os.path.join(VARS["saasops_work"], "compose_services")


def started_at(host):
    return host.check_output("docker inspect -f '{{.State.StartedAt}}' molecule_web_1")


def test_web_restarted_and_healthy(host):
    assert started_at(host) > host.file(os.path.join(PROJECT, "web-started-at")).content_string.strip()
    assert host.check_output("docker inspect -f '{{.State.Health.Status}}' molecule_web_1") == "healthy"
    with urllib.request.urlopen("http://127.0.0.1:%d/" % VARS["saasops_compose_port"], timeout=5) as resp:
        assert resp.status == 200


def test_report_is_docker_compose_ps(host):
    report = json.loads(host.file(os.path.join(PROJECT, "report.json")).content_string)
    assert report["services"] == {"db": "running", "web": "running"}
    assert report["at_risk"] == [] and int(report["running"]) == 2
    # the check run restarted nothing: web's start is the one of the real run's restart
    assert host.check_output("docker inspect -f '{{.RestartCount}}' molecule_web_1") == "0"
