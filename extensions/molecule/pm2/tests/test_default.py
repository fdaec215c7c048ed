"""pm2: the app is online once (idempotence and check did not restart it) and answers its health endpoint."""

from __future__ import annotations

import json
import os
import urllib.request

import yaml

VARS = yaml.safe_load(open(os.environ["MOLECULE_SAASOPS_VARS"]))
PM2 = VARS["saasops_pm2"]


def jlist(host):
    out = host.check_output("PM2_HOME=%s %s jlist", PM2["home"], PM2["bin"])
    return json.loads(out[out.index("["):])


def test_online_once_without_restarts(host):
    procs = [p for p in jlist(host) if p["name"] == "molecule-api"]
    assert len(procs) == 1
    assert procs[0]["pm2_env"]["status"] == "online" and procs[0]["pm2_env"]["restart_time"] == 0
    assert procs[0]["pm2_env"]["max_memory_restart"] == 200 * 1024 * 1024


def test_health_endpoint(host):
    with urllib.request.urlopen("http://127.0.0.1:%d/health" % PM2["port"], timeout=5) as resp:
        body = json.loads(resp.read())
    assert body["status"] == "healthy"
    procs = [p for p in jlist(host) if p["name"] == "molecule-api"]
    assert body["pid"] == procs[0]["pid"]  # PM2's process answered
    assert PM2["script"] in host.file("/proc/%d/cmdline" % body["pid"]).content_string.replace("\0", " ")
