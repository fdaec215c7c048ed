"""django_update: v2 is deployed (its migration applied, the server restarted and serving it), once."""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from django_checks import SITE, check_deployed_origin_head, get, psql  # noqa: E402


def test_v2_deployed_and_migrated(host):
    check_deployed_origin_head(host)
    assert psql(host, "SELECT string_agg(name, ',' ORDER BY id) FROM django_migrations WHERE app = 'catalog'") \
        == "0001_initial,0002_product_price"
    assert get("/products/") == (200, "v2\nlamp:100\ndesk:100\nchair:100")


def test_one_pre_update_backup(host):
    # converge took one; the idempotence run found nothing to update, the check run writes nothing
    names = [n for n in host.file(SITE["django_update_backup_dest"]).listdir() if not n.startswith(".")]
    assert len([n for n in names if n.startswith(SITE["django_update_db_name"] + "-")]) == 1, names
