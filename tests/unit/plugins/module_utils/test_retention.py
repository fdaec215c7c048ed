"""Retention planning and store bookkeeping, on a store made of real directories."""

from __future__ import annotations

import datetime
import os

import pytest

from ansible_collections.saasops.maintenance.plugins.module_utils.common import MaintenanceError, iso, write_json
from ansible_collections.saasops.maintenance.plugins.module_utils.retention import Info, Prune, plan_retention
from ansible_collections.saasops.maintenance.plugins.module_utils.store import Store

UTC = datetime.timezone.utc


def make_backup(store, series, when, verified=True, payload=b"data"):
    name = "%s-%s" % (series, when.strftime("%Y%m%dT%H%M%SZ"))
    path = os.path.join(store, name)
    os.makedirs(path)
    with open(os.path.join(path, "data.sql"), "wb") as handle:
        handle.write(payload)
    import hashlib
    write_json(os.path.join(path, "manifest.json"), dict(
        series=series, name=name, kind="postgresql", end=iso(when), verified=verified, size=len(payload),
        files=[dict(path="data.sql", size=len(payload), sha256=hashlib.sha256(payload).hexdigest())]))
    return name


def daily(store, days, series="app", start=datetime.datetime(2026, 11, 24, 2, 0, tzinfo=UTC)):
    return [make_backup(store, series, start - datetime.timedelta(days=d)) for d in range(days)]


def params(store, **kw):
    base = dict(dest=store, series=None, keep_daily=7, keep_weekly=4, keep_monthly=6, min_keep=3,
                prune_after_failure=False, remove_partials=True)
    base.update(kw)
    return base


def test_plan_keeps_gfs_and_newest(tmp_path):
    store = str(tmp_path)
    names = daily(store, 120)
    keep = plan_retention(Store(store).entries(), 7, 4, 6, 3)
    assert names[0] in keep and "newest verified backup" in keep[names[0]]
    # 7 dailies, plus weekly/monthly representatives: never more than 7 + 4 + 6
    assert 7 <= len(keep) <= 17
    for name in names[:7]:
        assert name in keep
    assert names[119] not in keep


def test_plan_min_keep_wins_over_zero_policy(tmp_path):
    store = str(tmp_path)
    names = daily(store, 5)
    keep = plan_retention(Store(store).entries(), 0, 0, 0, 2)
    assert sorted(keep) == sorted(names[:2])


def test_prune_deletes_outside_policy_and_check_mode_does_not(tmp_path):
    store = str(tmp_path)
    names = daily(store, 30)
    res = Prune(params(store, keep_weekly=0, keep_monthly=0), check_mode=True).run()
    assert res["changed"] is True and len(res["deleted"]) == 23
    assert len(os.listdir(store)) == 30
    res = Prune(params(store, keep_weekly=0, keep_monthly=0)).run()
    assert sorted(d["name"] for d in res["deleted"]) == sorted(names[7:])
    assert sorted(n for n in os.listdir(store) if not n.startswith(".")) == sorted(names[:7])
    res = Prune(params(store, keep_weekly=0, keep_monthly=0)).run()
    assert res["changed"] is False and res["deleted"] == []


def test_prune_deletes_nothing_after_a_failed_attempt(tmp_path):
    store = str(tmp_path)
    daily(store, 20)
    Store(store).record_failure("app-20261125T020000Z", "app", "backup of database app failed: no space", "postgresql")
    res = Prune(params(store, keep_weekly=0, keep_monthly=0)).run()
    assert res["deleted"] == [] and res["failed_series"] == ["app"]
    assert "failed" in res["skipped"][0]["reason"]
    assert len([n for n in os.listdir(store) if not n.startswith(".")]) == 20
    res = Prune(params(store, keep_weekly=0, keep_monthly=0, prune_after_failure=True)).run()
    assert len(res["deleted"]) == 13


def test_prune_never_deletes_unverified_and_removes_partials(tmp_path):
    store = str(tmp_path)
    daily(store, 10)
    odd = make_backup(store, "app", datetime.datetime(2026, 1, 1, tzinfo=UTC), verified=False)
    os.makedirs(os.path.join(store, ".tmp-app-20261124T030000Z"))
    res = Prune(params(store, keep_daily=2, keep_weekly=0, keep_monthly=0, min_keep=1)).run()
    assert os.path.isdir(os.path.join(store, odd))
    assert res["partials"] == [".tmp-app-20261124T030000Z"]
    assert not os.path.exists(os.path.join(store, ".tmp-app-20261124T030000Z"))
    assert len(res["deleted"]) == 8


def test_prune_series_are_independent(tmp_path):
    store = str(tmp_path)
    daily(store, 10, series="db")
    files = daily(store, 10, series="uploads")
    res = Prune(params(store, series="db", keep_daily=1, keep_weekly=0, keep_monthly=0, min_keep=1)).run()
    assert len(res["deleted"]) == 9
    for name in files:
        assert os.path.isdir(os.path.join(store, name))


def test_info_freshness_and_verify(tmp_path):
    store = str(tmp_path)
    now = datetime.datetime.now(UTC)
    make_backup(store, "app", now - datetime.timedelta(hours=30))
    newest = make_backup(store, "app", now - datetime.timedelta(hours=2))
    res = Info(dict(dest=store, series="app", max_age_hours=26, verify="newest")).run()
    assert res["fresh"] is True and res["newest"]["name"] == newest and res["verified_count"] == 2
    assert 1.9 < res["newest_age_hours"] < 2.2
    with pytest.raises(MaintenanceError, match="hours old"):
        Info(dict(dest=store, series="app", max_age_hours=1, verify="none")).run()
    # a flipped byte is found by verify
    with open(os.path.join(store, newest, "data.sql"), "r+b") as handle:
        handle.write(b"X")
    with pytest.raises(MaintenanceError, match="sha256"):
        Info(dict(dest=store, series="app", max_age_hours=None, verify="newest")).run()


def test_info_without_backups_fails_freshness(tmp_path):
    store = str(tmp_path)
    with pytest.raises(MaintenanceError, match="no verified backup"):
        Info(dict(dest=store, series=None, max_age_hours=24, verify="none")).run()
