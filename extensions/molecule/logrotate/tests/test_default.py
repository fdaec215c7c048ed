"""logrotate: the installed configuration is one real logrotate accepts and would rotate the app log with."""

from __future__ import annotations

import os

import yaml

VARS = yaml.safe_load(open(os.environ["MOLECULE_SAASOPS_VARS"]))
WORK = os.path.join(VARS["saasops_work"], "logrotate")


def test_configuration_file(host):
    conf = host.file(os.path.join(WORK, "conf.d", "app"))
    assert conf.is_file and conf.mode == 0o644
    text = conf.content_string
    assert os.path.join(WORK, "logs", "*.log") in text
    for directive in ("weekly", "rotate 5", "compress", "delaycompress", "missingok", "notifempty"):
        assert directive in [line.strip() for line in text.splitlines()], directive


def test_logrotate_accepts_it_and_would_rotate(host):
    cmd = host.run("logrotate -d -f -s %s %s", os.path.join(WORK, "debug-status"), os.path.join(WORK, "conf.d", "app"))
    assert cmd.rc == 0, cmd.stderr
    assert "rotating pattern" in cmd.stderr and "app.log" in cmd.stderr
    assert "error" not in cmd.stderr.lower()
