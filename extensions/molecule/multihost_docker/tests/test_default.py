"""multihost_docker: the database host's backup is on the offsite host, nothing on the app host."""

from __future__ import annotations

import json


def saas_entries(host, folder):
    return [n for n in host.file(folder).listdir() if n.startswith("saas-")] if host.file(folder).exists else []


def test_each_host_holds_what_its_role_says(host):
    groups = host.ansible.get_variables()["group_names"]
    if "postgres_servers" in groups:
        (entry,) = saas_entries(host, "/var/backups/postgresql")
        manifest = json.loads(host.file("/var/backups/postgresql/%s/manifest.json" % entry).content_string)
        assert manifest["verified"] is True and "500" in json.dumps(manifest)
        assert host.process.filter(comm="postgres")
    if "backup_hosts" in groups:
        (entry,) = saas_entries(host, "/srv/offsite/postgresql")
        assert host.file("/srv/offsite/postgresql/%s/manifest.json" % entry).mode == 0o600
        assert host.process.filter(comm="sshd")
    if "app_servers" in groups:
        assert saas_entries(host, "/var/backups/postgresql") == []
