"""The django_update role and playbook against a real Django project, server and PostgreSQL.

The tests run in order on one site: v1 is deployed and serving; v2 brings a
real migration; v3 brings a migration that changes schema and data and then
one that fails, which must be rolled back with the app serving v2 again.
"""

from __future__ import annotations

import json
import os

from tests.support.ansible import ROOT, run_playbook
from tests.support.django_app import FILES_V2, FILES_V3

PLAYBOOK = os.path.join(ROOT, "playbooks", "django_update.yml")
HOUSEKEEPING = os.path.join(ROOT, "playbooks", "django_housekeeping.yml")


def inventory(tmp_path, site, backups, **extra):
    inv = tmp_path / "inventory.json"
    host_vars = site.role_vars(str(backups), **extra)
    host_vars.update(ansible_connection="local")
    inv.write_text(json.dumps({"django_apps": {"hosts": {"shop1": host_vars}}}))
    return str(inv)


def migrations(site):
    return site.pg.psql("SELECT name FROM django_migrations WHERE app = 'catalog' ORDER BY id;", db=site.db).split()


def columns(site):
    return site.pg.psql("SELECT column_name FROM information_schema.columns WHERE table_name = 'catalog_product' "
                        "ORDER BY ordinal_position;", db=site.db).split()


def test_v1_is_serving(site):
    assert site.get("/products/") == (200, "v1\nlamp\ndesk\nchair")
    assert migrations(site) == ["0001_initial"]


def test_update_applies_migration(site, tmp_path):
    backups = tmp_path / "backups"
    new = site.commit("v2: prices", FILES_V2)
    old_pid = site.server_pid()
    old_head = site.head()
    # check mode: reports the update, changes nothing
    dry = run_playbook(PLAYBOOK, inventory=inventory(tmp_path, site, backups), check=True)
    assert dry.rc == 0, dry.stdout[-4000:]
    assert "Pull the new code" in dry.stdout
    assert site.head() == old_head and site.server_pid() == old_pid and not os.path.exists(site.flag)
    assert not os.path.exists(backups) and migrations(site) == ["0001_initial"]
    play = run_playbook(PLAYBOOK, inventory=inventory(tmp_path, site, backups, django_update_run_tests=True))
    assert play.rc == 0, play.stdout[-4000:]
    assert site.head() == new
    assert migrations(site) == ["0001_initial", "0002_product_price"]
    assert columns(site) == ["id", "name", "price"]
    # restarted (new pid) and serving the new code on the migrated schema
    assert site.server_pid() != old_pid
    assert site.get("/products/") == (200, "v2\nlamp:100\ndesk:100\nchair:100")
    assert not os.path.exists(site.flag)
    # collectstatic ran, and a verified pre-update backup is in the store
    assert os.path.isfile(os.path.join(site.static_root, "site.css"))
    [name] = [n for n in os.listdir(backups) if not n.startswith(".")]
    manifest = json.load(open(backups / name / "manifest.json"))
    assert name.startswith("django_shop-pre-update-") and manifest["verified"] is True
    assert {t["name"]: t["rows"] for t in manifest["tables"]}["catalog_product"] == 3
    # the database password never shows in the output (no_log on the tasks that see it)
    assert site.pg.password not in play.stdout + play.stderr
    # nothing new upstream: a second run changes nothing
    again = run_playbook(PLAYBOOK, inventory=inventory(tmp_path, site, backups))
    assert again.rc == 0, again.stdout[-4000:]
    assert "changed=0" in again.stdout
    assert len([n for n in os.listdir(backups) if not n.startswith(".")]) == 1


def test_failing_migration_rolls_back(site, tmp_path):
    backups = tmp_path / "backups"
    good = site.head()
    site.commit("v3: discounts (with a broken migration)", FILES_V3)
    play = run_playbook(PLAYBOOK, inventory=inventory(tmp_path, site, backups))
    assert play.rc != 0
    out = play.stdout
    assert "failed at Apply the migrations" in out
    assert "rolled back to commit %s and restored the database from django_shop-pre-update-" % good in out
    # code back at v2, database back to its pre-update state (0003 had committed schema and data)
    assert site.head() == good
    assert migrations(site) == ["0001_initial", "0002_product_price"]
    assert columns(site) == ["id", "name", "price"]
    assert site.pg.psql("SELECT string_agg(price::text, ',' ORDER BY id) FROM catalog_product;", db=site.db) \
        == "100,100,100"
    # maintenance off and the previous version serving again
    assert not os.path.exists(site.flag)
    assert site.get("/products/") == (200, "v2\nlamp:100\ndesk:100\nchair:100")
    assert site.get("/health/") == (200, "ok v2 3")
    assert site.pg.password not in out + play.stderr


def test_maintenance_flag_answers_503(site):
    with open(site.flag, "w") as handle:
        handle.write("x")
    try:
        assert site.get("/health/")[0] == 503
    finally:
        os.unlink(site.flag)
    assert site.get("/health/")[0] == 200


def test_housekeeping_clears_sessions_and_cache(site, tmp_path):
    site.pg.psql("INSERT INTO django_session VALUES ('expired1', 'x', now() - interval '1 day'), "
                 "('live1', 'x', now() + interval '1 day');", db=site.db)
    site.manage("shell", "--command", "from django.core.cache import cache; cache.set('k', 'v', 3600)")
    assert os.listdir(site.cache_dir)
    play = run_playbook(HOUSEKEEPING, inventory=inventory(tmp_path, site, tmp_path / "b"))
    assert play.rc == 0, play.stdout[-4000:]
    assert site.pg.psql("SELECT string_agg(session_key, ',') FROM django_session;", db=site.db) == "live1"
    assert os.listdir(site.cache_dir) == []
