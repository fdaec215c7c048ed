"""What the Django scenarios' verifiers share: the site of tools/molecule_run.py, git, psql and HTTP."""

from __future__ import annotations

import os
import urllib.error
import urllib.request

import yaml

VARS = yaml.safe_load(open(os.environ["MOLECULE_SAASOPS_VARS"]))
SITE = VARS["saasops_django"]
PG = VARS["saasops_pg"]


def head(host, repo):
    return host.check_output("git -C %s rev-parse HEAD", repo)


def psql(host, sql):
    return host.check_output("PGPASSFILE=%s psql -X -At -h %s -p %s -U postgres -d %s -c %s", PG["passfile"],
                             PG["host"], str(PG["port"]), SITE["django_update_db_name"], sql)


def get(path):
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d%s" % (SITE["port"], path), timeout=10) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, ""


def check_deployed_origin_head(host):
    origin = host.check_output("git --git-dir=%s rev-parse main", SITE["origin"])
    assert head(host, SITE["django_update_app_dir"]) == origin
    assert not host.file(SITE["django_update_maintenance_flag"]).exists
    assert get("/health/")[0] == 200
