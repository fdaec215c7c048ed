# -*- coding: utf-8 -*-
# Copyright: (c) 2026, saasops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Retention (backup_prune) and freshness (backup_info) over a backup store."""

from __future__ import annotations

import os
import shutil

from ansible_collections.saasops.maintenance.plugins.module_utils.common import MaintenanceError, parse_iso, utcnow
from ansible_collections.saasops.maintenance.plugins.module_utils.store import Store, verify_files

__metaclass__ = type


def _period_keys(ts):
    iso_year, iso_week, _day = ts.isocalendar()
    return {
        "daily": ts.strftime("%Y-%m-%d"),
        "weekly": "%04d-W%02d" % (iso_year, iso_week),
        "monthly": ts.strftime("%Y-%m"),
    }


def plan_retention(entries, keep_daily, keep_weekly, keep_monthly, min_keep):
    """Which verified backups to keep, and why. ``entries`` oldest first.

    Grandfather-father-son: the newest backup of each of the last
    ``keep_daily`` days (that have a backup), ``keep_weekly`` ISO weeks and
    ``keep_monthly`` months; the ``min_keep`` newest; always the newest.
    Returns {name: [reasons]} for the backups to keep.
    """
    verified = [e for e in entries if e.verified and e.time is not None]
    newest_first = sorted(verified, key=lambda e: (e.time, e.name), reverse=True)
    keep = {}

    def mark(entry, reason):
        keep.setdefault(entry.name, []).append(reason)

    if newest_first:
        mark(newest_first[0], "newest verified backup")
    for i, entry in enumerate(newest_first[:max(0, min_keep)]):
        mark(entry, "min_keep (%d of %d)" % (i + 1, min_keep))
    for period, count in (("daily", keep_daily), ("weekly", keep_weekly), ("monthly", keep_monthly)):
        seen = []
        for entry in newest_first:
            key = _period_keys(entry.time)[period]
            if key in seen:
                continue
            if len(seen) >= count:
                break
            seen.append(key)
            mark(entry, "%s %s" % (period, key))
    return keep


class Prune:
    def __init__(self, params, check_mode=False):
        self.p = params
        self.check_mode = check_mode
        self.store = Store(params["dest"])

    def run(self):
        result = dict(changed=False, deleted=[], kept=[], partials=[], skipped=[], failed_series=[])
        if not self.store.exists():
            result["msg"] = "backup store %s does not exist yet: nothing to prune" % self.store.path
            return result
        if self.check_mode:
            self._plan(result)
        else:
            with self.store:
                self._plan(result)
        return result

    def _plan(self, result):
        series_filter = self.p.get("series")
        entries = self.store.entries(series_filter)
        by_series = {}
        for entry in entries:
            by_series.setdefault(entry.series, []).append(entry)
        for series, items in sorted(by_series.items()):
            verified = [e for e in items if e.verified]
            failures = self.store.failures(series)
            newest_ok = verified[-1].time if verified and verified[-1].time else None
            newer_failures = [f for f in failures if newest_ok is None or parse_iso(f["time"]) > newest_ok]
            if newer_failures and not self.p.get("prune_after_failure"):
                result["failed_series"].append(series)
                result["skipped"].append(dict(
                    series=series,
                    reason="the newest backup attempt %s failed (%s): nothing is deleted until a backup succeeds "
                           "(prune_after_failure overrides)" % (newer_failures[-1]["name"], newer_failures[-1].get("error"))))
                result["kept"] += [dict(name=e.name, reasons=["newest attempt of the series failed"]) for e in items]
                continue
            keep = plan_retention(items, self.p["keep_daily"], self.p["keep_weekly"], self.p["keep_monthly"],
                                  self.p["min_keep"])
            for entry in items:
                if not entry.verified:
                    # Not ours to judge: a committed backup whose manifest is broken is
                    # reported (backup_info shows it) but never deleted automatically.
                    result["kept"].append(dict(name=entry.name, reasons=["not verified: %s" % (entry.error or "manifest says unverified")]))
                elif entry.name in keep:
                    result["kept"].append(dict(name=entry.name, reasons=keep[entry.name]))
                else:
                    result["deleted"].append(dict(name=entry.name, end=entry.manifest.get("end"),
                                                  reason="outside the retention policy"))
                    if not self.check_mode:
                        shutil.rmtree(entry.path)
                    result["changed"] = True
        if self.p.get("remove_partials", True):
            for path in self.store.partials(series_filter):
                result["partials"].append(os.path.basename(path))
                if not self.check_mode:
                    shutil.rmtree(path, ignore_errors=True)
                result["changed"] = True


class Info:
    def __init__(self, params):
        self.p = params
        self.store = Store(params["dest"])

    def run(self):
        now = utcnow()
        if not self.store.exists():
            raise MaintenanceError("backup store %s does not exist" % self.store.path)
        entries = self.store.entries(self.p.get("series"))
        backups = [e.summary(now) for e in entries]
        verified = [e for e in entries if e.verified]
        newest = verified[-1] if verified else None
        problems = []
        verify = self.p.get("verify") or "none"
        if verify != "none":
            targets = verified if verify == "all" else verified[-1:]
            summaries = {b["name"]: b for b in backups}
            for entry in targets:
                found = verify_files(entry.path, entry.manifest)
                summaries[entry.name]["checksums_ok"] = not found
                if found:
                    problems.append("backup %s: %s" % (entry.name, "; ".join(found[:3])))
        failures = self.store.failures(self.p.get("series"))
        if newest is not None and newest.time is not None:
            failures = [f for f in failures if parse_iso(f["time"]) > newest.time]
        result = dict(
            changed=False, backups=backups, count=len(backups), verified_count=len(verified),
            newest=newest.summary(now) if newest else None,
            newest_age_hours=newest.summary(now)["age_hours"] if newest else None,
            failures=[dict(name=f.get("name"), time=f.get("time"), error=f.get("error")) for f in failures],
            partials=[os.path.basename(p) for p in self.store.partials()],
            total_size=sum(b["size"] or 0 for b in backups),
            problems=problems,
        )
        max_age = self.p.get("max_age_hours")
        if problems:
            raise MaintenanceError("backup store %s: %s" % (self.store.path, problems[0]), **result)
        if max_age is not None:
            if newest is None:
                raise MaintenanceError("backup store %s has no verified backup%s" % (
                    self.store.path, " of series %s" % self.p["series"] if self.p.get("series") else ""), **result)
            if result["newest_age_hours"] > max_age:
                raise MaintenanceError("the newest verified backup %s is %.1f hours old, more than max_age_hours=%s"
                                       % (newest.name, result["newest_age_hours"], max_age), **result)
        result["fresh"] = max_age is None or (newest is not None and result["newest_age_hours"] <= max_age)
        return result
