"""log_scan across a real logrotate rotation: every line counted exactly once."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from tests.support.ansible import run_module

pytestmark = pytest.mark.skipif(shutil.which("logrotate") is None, reason="logrotate is installed by make deps")

ACCESS = '10.0.0.1 - - [24/Nov/2026:07:00:00 +0000] "GET /api/x HTTP/1.1" %d 5 "-" "curl"\n'


def rotate(tmp_path, conf_text):
    conf = tmp_path / "rotate.conf"
    conf.write_text(conf_text)
    conf.chmod(0o644)
    proc = subprocess.run(["logrotate", "-f", "-v", "-s", str(tmp_path / "status"), str(conf)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0 and "error:" not in proc.stderr, proc.stderr
    assert "rotating log" in proc.stderr


@pytest.mark.parametrize("method", ["create", "copytruncate"])
def test_counts_are_exact_across_a_rotation(tmp_path, method):
    app = tmp_path / "app.log"
    access = tmp_path / "access.log"
    state = tmp_path / "scan.json"
    args = dict(logs=[str(app), {"path": str(access), "kind": "access"}], state_file=str(state))
    with open(app, "w") as handle:
        handle.writelines(["ERROR a\n", "INFO b\n", "ERROR c\n"])
    with open(access, "w") as handle:
        handle.writelines([ACCESS % 200, ACCESS % 500, ACCESS % 404])

    first, _play = run_module("saasops.maintenance.log_scan", args)
    assert first["counts"] == {"error": 2, "http_4xx": 1, "http_5xx": 1}, first
    # lines written after the scan but before the rotation end up in the rotated file
    with open(app, "a") as handle:
        handle.write("ERROR d (before rotation)\n")
    with open(access, "a") as handle:
        handle.write(ACCESS % 503)

    rotate(tmp_path, "%s %s {\n    rotate 7\n    compress\n    delaycompress\n    missingok\n    notifempty\n"
                     "    %s\n}\n" % (app, access, "copytruncate" if method == "copytruncate" else "create 0644 root root"))
    assert os.path.exists(str(app) + ".1") and os.path.getsize(app) == 0

    with open(app, "a") as handle:
        handle.writelines(["ERROR e (after rotation, a longer line than before)\n", "INFO f\n"])
    with open(access, "a") as handle:
        handle.writelines([ACCESS % 401, ACCESS % 401, ACCESS % 200])

    dry, _play = run_module("saasops.maintenance.log_scan", args, check=True)
    saved = json.loads(state.read_text())
    second, _play = run_module("saasops.maintenance.log_scan", args)
    assert dry["counts"] == second["counts"]
    assert second["counts"] == {"error": 2, "http_4xx": 2, "http_5xx": 1}, second
    assert second["status"] == {"401": 2, "503": 1}
    assert second["samples"]["error"] == ["ERROR d (before rotation)",
                                          "ERROR e (after rotation, a longer line than before)"]
    by_file = {f["file"]: f for f in second["files"]}
    assert by_file[str(app)]["rotated"] is True
    assert by_file[str(app)]["rotated_file"] == str(app) + ".1"
    assert by_file[str(app)]["rotated_match"] == ("inode" if method == "create" else "fingerprint")
    # check mode left the state alone; the real scan moved it to the end of the new files
    assert saved != json.loads(state.read_text())
    assert json.loads(state.read_text())["files"][str(app)]["offset"] == os.path.getsize(app)

    third, _play = run_module("saasops.maintenance.log_scan", args)
    assert third["counts"] == {"error": 0, "http_4xx": 0, "http_5xx": 0}
    assert third["changed"] is False
