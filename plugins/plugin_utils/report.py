# -*- coding: utf-8 -*-
# Copyright: (c) 2026, saasops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The maintenance report: what ran where, what changed, what failed, the figures
and what is at risk. Built by the ``saasops.maintenance.report`` callback from
task results and the ``set_stats`` data the roles publish."""

from __future__ import annotations

import datetime
import html
import json

__metaclass__ = type

STATUSES = ("ok", "changed", "failed", "skipped", "unreachable")


def new_host():
    return dict(counts={s: 0 for s in STATUSES}, changed=[], failed=[], roles=[])


def at_risk_items(figures):
    """Collect the ``at_risk`` lists that areas put in their figures."""
    items = []
    for area, data in sorted((figures or {}).items()):
        if isinstance(data, dict):
            for item in data.get("at_risk") or []:
                entry = dict(item) if isinstance(item, dict) else dict(what=str(item))
                entry.setdefault("area", area)
                items.append(entry)
    return items


def build_report(playbook, started, ended, hosts, custom):
    """``hosts``: {name: new_host() filled by the callback}; ``custom``: set_stats per host."""
    out_hosts = {}
    names = sorted(set(hosts) | set(k for k in custom if k != "_run"))
    for name in names:
        data = hosts.get(name) or new_host()
        figures = custom.get(name) or {}
        out_hosts[name] = dict(
            status="failed" if data["counts"]["failed"] or data["counts"]["unreachable"] else "ok",
            counts=data["counts"], roles=data["roles"], changed=data["changed"], failed=data["failed"],
            figures=figures, at_risk=at_risk_items(figures),
        )
    failed_hosts = [h for h, d in out_hosts.items() if d["status"] == "failed"]
    at_risk = [dict(item, host=h) for h, d in out_hosts.items() for item in d["at_risk"]]
    return dict(
        playbook=playbook, started=started, ended=ended,
        duration=round((parse(ended) - parse(started)).total_seconds(), 1),
        result="failed" if failed_hosts else "ok", hosts=out_hosts, failed_hosts=failed_hosts,
        at_risk=at_risk, run=custom.get("_run") or {},
    )


def parse(text):
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")


def _flat(prefix, value, rows):
    if isinstance(value, dict):
        for key in sorted(value):
            if key == "at_risk":
                continue
            _flat("%s.%s" % (prefix, key) if prefix else str(key), value[key], rows)
    elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        for i, item in enumerate(value):
            label = item.get("name") or item.get("database") or item.get("series") or item.get("path") or str(i)
            _flat("%s[%s]" % (prefix, label), item, rows)
    else:
        rows.append((prefix, value))


def figure_rows(figures):
    rows = []
    _flat("", figures, rows)
    return rows


def render_markdown(report):
    lines = ["# Maintenance report: %s" % report["playbook"], ""]
    lines.append("- result: **%s**" % report["result"].upper())
    lines.append("- started %s, ended %s (%s s)" % (report["started"], report["ended"], report["duration"]))
    lines.append("- hosts: %d, failed: %s" % (len(report["hosts"]), ", ".join(report["failed_hosts"]) or "none"))
    lines.append("")
    lines.append("## At risk")
    lines.append("")
    if report["at_risk"]:
        lines.append("| host | area | what | value | threshold |")
        lines.append("|---|---|---|---|---|")
        for item in report["at_risk"]:
            values = (item.get("host"), item.get("area"), cell(item.get("what")),
                      cell(item.get("value", "")), cell(item.get("threshold", "")))
            lines.append("| %s | %s | %s | %s | %s |" % values)
    else:
        lines.append("Nothing is at risk against the configured thresholds.")
    lines.append("")
    for name, host in report["hosts"].items():
        counts = host["counts"]
        lines.append("## %s (%s)" % (name, host["status"]))
        lines.append("")
        lines.append("tasks: %s" % ", ".join("%s %d" % (k, counts[k]) for k in STATUSES))
        if host["roles"]:
            lines.append("")
            lines.append("ran: %s" % ", ".join(host["roles"]))
        if host["failed"]:
            lines.append("")
            lines.append("### Failed")
            lines.append("")
            for item in host["failed"]:
                lines.append("- %s: %s" % (item["task"], cell(item.get("msg"))))
        if host["changed"]:
            lines.append("")
            lines.append("### Changed")
            lines.append("")
            for item in host["changed"]:
                lines.append("- %s" % item["task"])
        rows = figure_rows(host["figures"])
        if rows:
            lines.append("")
            lines.append("### Figures")
            lines.append("")
            lines.append("| figure | value |")
            lines.append("|---|---|")
            for key, value in rows:
                lines.append("| %s | %s |" % (cell(key), cell(value)))
        lines.append("")
    return "\n".join(lines) + "\n"


def render_html(report):
    body = html.escape(render_markdown(report))
    return ("<!doctype html><html><head><meta charset='utf-8'><title>Maintenance report %s</title></head>"
            "<body><pre>%s</pre></body></html>\n" % (html.escape(report["playbook"]), body))


def cell(value):
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text.replace("|", "\\|").replace("\n", " ")[:300]
