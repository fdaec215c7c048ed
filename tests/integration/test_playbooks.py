"""The run playbooks: one failing host or step does not stop the others; the report tells."""

from __future__ import annotations

import json
import os
import sys

from tests.support.ansible import ROOT, run_playbook


def test_daily_with_a_failing_host(pg, tmp_path):
    pg.dropdb("dailydb")
    pg.createdb("dailydb")
    pg.psql("CREATE TABLE t AS SELECT g AS id FROM generate_series(1, 100) g; ANALYZE t;", db="dailydb")
    for host in ("good", "bad"):
        (tmp_path / host / "uploads").mkdir(parents=True)
        (tmp_path / host / "uploads" / "f.txt").write_text(host)
        (tmp_path / host / "app.log").write_text("INFO up\nERROR db down\nINFO ok\nERROR again\nERROR third\n")
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(json.dumps({"all": {
        "vars": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable,
                 "pg_backup_login_host": pg.host, "pg_backup_port": pg.port, "pg_backup_login_user": "postgres",
                 "pg_backup_login_password": pg.password,
                 "pg_backup_dest": str(tmp_path) + "/{{ inventory_hostname }}/store/pg",
                 "files_backup_dest": str(tmp_path) + "/{{ inventory_hostname }}/store/files",
                 "files_backup_sets": [{"name": "uploads", "src": [str(tmp_path) + "/{{ inventory_hostname }}/uploads"]}],
                 "log_scan_files": [{"path": str(tmp_path) + "/{{ inventory_hostname }}/app.log", "kind": "app"}],
                 "log_scan_state_file": str(tmp_path) + "/{{ inventory_hostname }}/log_scan.json"},
        "children": {"postgres_servers": {"hosts": {
            "good": {"pg_backup_databases": ["dailydb"]},
            "bad": {"pg_backup_databases": ["no_such_database"]}}}}}}))
    reports = tmp_path / "reports"
    res = run_playbook(os.path.join(ROOT, "playbooks", "daily.yml"), inventory=str(inventory),
                       env={"ANSIBLE_CALLBACKS_ENABLED": "saasops.maintenance.report",
                            "SAASOPS_REPORT_DIR": str(reports)})
    assert res.rc != 0, "the run must end failed when a host failed"
    # the failing database did not stop the other host, nor the next step on the same host
    assert len(os.listdir(tmp_path / "good" / "store" / "pg")) >= 2  # backup + .lock
    for host in ("good", "bad"):
        assert [n for n in os.listdir(tmp_path / host / "store" / "files") if n.startswith("uploads-")]
    report = json.loads((reports / "latest-daily.json").read_text())
    assert report["result"] == "failed" and report["failed_hosts"] == ["bad"]
    assert report["hosts"]["good"]["figures"]["pg_backup"][0]["rows"] == 100
    assert report["hosts"]["bad"]["figures"]["pg_backup"]["failed"] is True
    assert 'database "no_such_database" does not exist' in report["hosts"]["bad"]["figures"]["pg_backup"]["msg"]
    assert any(r["area"] == "pg_backup" and r["host"] == "bad" for r in report["at_risk"])
    assert report["hosts"]["good"]["figures"]["log_scan"]["counts"]["error"] == 3
    assert report["hosts"]["good"]["figures"]["host_health"]["disks"][0]["free_percent"] > 0
    text = (reports / "latest-daily.md").read_text()
    assert "## bad (failed)" in text and "## good (ok)" in text
    assert pg.password not in text and pg.password not in (reports / "latest-daily.json").read_text()
