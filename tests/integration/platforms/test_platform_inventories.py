"""Each platform's example inventory parses and the platform playbooks pass --syntax-check on it."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from tests.support.ansible import ROOT, ansible_env, bin_path

EXPECTED = {
    "pm2_postgres": {"pm2_apps", "web_servers", "postgres_servers"},
    "django_compose": {"django_apps", "postgres_servers", "web_servers"},
    "supabase": {"postgres_servers", "web_servers"},
    "mongodb_atlas": {"mongodb"},
    "django_vps": {"django_apps", "web_servers", "postgres_servers"},
}
PLAYBOOKS = ["daily.yml", "django_update.yml", "django_housekeeping.yml", "mongodb_backup.yml"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_inventory_lists_its_groups(name):
    inv = os.path.join(ROOT, "inventories", name)
    proc = subprocess.run([bin_path("ansible-inventory"), "-i", inv, "--list"], capture_output=True, text=True,
                          env=ansible_env(), cwd=ROOT, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "WARNING" not in proc.stderr, proc.stderr
    data = json.loads(proc.stdout)
    groups = {g for g in data if g not in ("_meta", "all", "ungrouped")}
    assert groups == EXPECTED[name]
    for group in groups:
        assert data[group]["hosts"], group


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_playbooks_syntax_check(name):
    inv = os.path.join(ROOT, "inventories", name)
    for playbook in PLAYBOOKS:
        proc = subprocess.run([bin_path("ansible-playbook"), "--syntax-check", "-i", inv,
                               os.path.join(ROOT, "playbooks", playbook)],
                              capture_output=True, text=True, env=ansible_env(), cwd=ROOT, check=False)
        assert proc.returncode == 0, (playbook, proc.stdout, proc.stderr)
