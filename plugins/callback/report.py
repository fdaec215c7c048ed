# -*- coding: utf-8 -*-
# Copyright: (c) 2026, saasops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
name: report
type: aggregate
short_description: Write the maintenance report (Markdown, JSON, HTML) of a run
version_added: 0.1.0
description:
  - Records what ran on which host, what changed and what failed, and at the end of
    the run writes a maintenance report with the figures the roles publish with
    C(ansible.builtin.set_stats) (per host) and the items they flag as at risk.
  - A role cannot see the other hosts' failures after the fact; a callback sees
    every task result, which is why this is a callback and not a role.
  - Task results are never copied into the report beyond the failure message, so
    nothing a module hides with C(no_log) reaches it.
author:
  - saasops maintainers (@saasops)
requirements:
  - enable it in ansible.cfg (C(callbacks_enabled = saasops.maintenance.report))
options:
  report_dir:
    description: Directory of the reports; created if missing.
    type: path
    default: ./reports
    env:
      - name: SAASOPS_REPORT_DIR
    ini:
      - section: callback_saasops_report
        key: report_dir
"""

import datetime
import json
import os

from ansible.plugins.callback import CallbackBase

from ansible_collections.saasops.maintenance.plugins.plugin_utils.report import (
    build_report, new_host, render_html, render_markdown,
)


def _now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "saasops.maintenance.report"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self.hosts = {}
        self.playbook = "run"
        self.started = _now()
        self.report_path = None

    def v2_playbook_on_start(self, playbook):
        self.playbook = os.path.splitext(os.path.basename(playbook._file_name))[0]
        self.started = _now()

    def _host(self, result):
        return self.hosts.setdefault(result._host.get_name(), new_host())

    def _record(self, result, status):
        host = self._host(result)
        task = result._task
        role = task._role.get_name() if getattr(task, "_role", None) else None
        if role and role not in host["roles"]:
            host["roles"].append(role)
        res = result._result
        if status == "ok" and res.get("changed"):
            status = "changed"
        host["counts"][status] += 1
        name = task.get_name()
        if status == "changed":
            host["changed"].append(dict(task=name))
        elif status in ("failed", "unreachable"):
            msg = res.get("msg") or res.get("reason") or ""
            if res.get("_ansible_no_log") or res.get("censored"):
                msg = "(details hidden by no_log)"
            host["failed"].append(dict(task=name, msg=str(msg)[:500]))

    def v2_runner_on_ok(self, result):
        self._record(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        if not ignore_errors:
            self._record(result, "failed")

    def v2_runner_on_skipped(self, result):
        self._record(result, "skipped")

    def v2_runner_on_unreachable(self, result):
        self._record(result, "unreachable")

    def v2_playbook_on_stats(self, stats):
        report = build_report(self.playbook, self.started, _now(), self.hosts, dict(stats.custom or {}))
        folder = self.get_option("report_dir")
        os.makedirs(folder, exist_ok=True)
        stem = os.path.join(folder, "%s-%s" % (self.playbook, report["ended"].replace(":", "").replace("-", "")))
        with open(stem + ".json", "w", encoding="utf-8") as handle:
            json.dump(report, handle, indent=2, sort_keys=True, default=str)
        with open(stem + ".md", "w", encoding="utf-8") as handle:
            handle.write(render_markdown(report))
        with open(stem + ".html", "w", encoding="utf-8") as handle:
            handle.write(render_html(report))
        for ext in (".json", ".md", ".html"):
            latest = os.path.join(folder, "latest-%s%s" % (self.playbook, ext))
            tmp = latest + ".tmp"
            if os.path.lexists(tmp):
                os.unlink(tmp)
            os.symlink(os.path.basename(stem + ext), tmp)
            os.replace(tmp, latest)
        self.report_path = stem + ".md"
        self._display.display("Maintenance report: %s (%s, at risk: %d)" % (
            stem + ".md", report["result"], len(report["at_risk"])))
