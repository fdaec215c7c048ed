"""django_update playbook: the origin's newest commit is deployed and the app serves it."""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from django_checks import SITE, check_deployed_origin_head, get, head  # noqa: E402


def test_newest_commit_deployed(host):
    check_deployed_origin_head(host)
    assert host.check_output("git -C %s log -1 --format=%%s", SITE["django_update_app_dir"]) == "v2.1: molecule"
    assert get("/products/")[0] == 200
    assert head(host, SITE["django_update_app_dir"]) == head(host, SITE["author"])
