"""The report built from task results and set_stats figures."""

from __future__ import annotations

from ansible_collections.saasops.maintenance.plugins.plugin_utils.report import (
    build_report, new_host, render_html, render_markdown,
)


def sample():
    web = new_host()
    web["counts"].update(ok=5, changed=2)
    web["changed"].append(dict(task="pg_backup : Back up database"))
    db = new_host()
    db["counts"].update(ok=3, failed=1)
    db["failed"].append(dict(task="pg_backup : Back up database", msg="backup of database app failed: no space left"))
    custom = {
        "web1": {"pg_backup": [{"database": "app", "size": 1234, "rows": 10}],
                 "host_health": {"disk_free_pct": 12, "at_risk": [{"what": "disk / free", "value": "12%",
                                                                    "threshold": "20%"}]}},
        "db1": {"pg_backup": {"failed": True, "msg": "no space"}},
    }
    return build_report("daily", "2026-11-24T02:00:00Z", "2026-11-24T02:03:00Z", {"web1": web, "db1": db}, custom)


def test_build_report_marks_failures_and_risks():
    report = sample()
    assert report["result"] == "failed" and report["failed_hosts"] == ["db1"]
    assert report["duration"] == 180.0
    assert report["hosts"]["web1"]["status"] == "ok"
    assert report["at_risk"] == [{"what": "disk / free", "value": "12%", "threshold": "20%", "area": "host_health",
                                  "host": "web1"}]


def test_markdown_has_every_section():
    text = render_markdown(sample())
    assert "result: **FAILED**" in text
    assert "| web1 | host_health | disk / free | 12% | 20% |" in text
    assert "- pg_backup : Back up database: backup of database app failed: no space left" in text
    assert "| pg_backup[app].size | 1234 |" in text
    assert "<pre>" in render_html(sample())
