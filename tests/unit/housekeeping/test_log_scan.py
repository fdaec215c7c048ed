"""log_scan on real files: offsets, rotation by rename and by copytruncate, thresholds."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from ansible_collections.saasops.maintenance.plugins.module_utils.common import MaintenanceError
from ansible_collections.saasops.maintenance.plugins.module_utils.log_scan import LogScan

NOW = 1_800_000_000.0

ACCESS = '127.0.0.1 - - [24/Nov/2026:07:00:00 +0000] "GET /api/%s HTTP/1.1" %d 12 "-" "curl/8"\n'


def params(tmp_path, logs, **kw):
    base = dict(logs=logs, state_file=str(tmp_path / "state" / "scan.json"), patterns={}, thresholds={"error": 10},
                sample_lines=3, first_scan="beginning", missing_ok=True, fail_on_critical=False)
    base.update(kw)
    return base


def scan(tmp_path, logs, now=NOW, check=False, **kw):
    return LogScan(params(tmp_path, logs, **kw), check_mode=check, now=now).run()


def write(path, lines):
    with open(path, "a") as handle:
        handle.writelines(lines)


def test_counts_since_last_scan_and_samples(tmp_path):
    log = tmp_path / "app.log"
    write(log, ["INFO boot\n", "ERROR db down\n", "ERROR db down again\n", "WARN slow\n"])
    first = scan(tmp_path, [str(log)])
    assert first["counts"] == {"error": 2}
    assert first["samples"]["error"] == ["ERROR db down", "ERROR db down again"]
    assert first["files"][0]["lines"] == 4
    assert first["changed"] is True
    state = json.load(open(tmp_path / "state" / "scan.json"))
    assert state["files"][str(log)]["offset"] == os.path.getsize(log)
    assert state["files"][str(log)]["inode"] == os.stat(log).st_ino
    again = scan(tmp_path, [str(log)], now=NOW + 60)
    assert again["counts"] == {"error": 0}
    assert again["changed"] is False
    write(log, ["FATAL out of memory\n", "an ERRORS word is not an error\n", "ERROR x\n", "ERROR y\n", "ERROR z\n"])
    third = scan(tmp_path, [str(log)], now=NOW + 120)
    assert third["counts"] == {"error": 4}
    # only the last sample_lines are kept
    assert third["samples"]["error"] == ["ERROR x", "ERROR y", "ERROR z"]


def test_partial_line_is_counted_once_when_complete(tmp_path):
    log = tmp_path / "app.log"
    write(log, ["ERROR one\n", "ERROR tw"])
    assert scan(tmp_path, [str(log)])["counts"]["error"] == 1
    write(log, ["o\n"])
    res = scan(tmp_path, [str(log)], now=NOW + 10)
    assert res["counts"]["error"] == 1
    assert res["samples"]["error"] == ["ERROR two"]


def test_rotation_by_rename_finishes_the_old_file(tmp_path):
    log = tmp_path / "app.log"
    write(log, ["ERROR a\n", "ERROR b\n"])
    assert scan(tmp_path, [str(log)])["counts"]["error"] == 2
    # the app keeps writing into the renamed file until it reopens its log
    handle = open(log, "a")
    os.rename(log, str(log) + ".1")
    handle.write("ERROR c (late, into the rotated file)\n")
    handle.close()
    write(log, ["ERROR d\n", "INFO e\n"])
    res = scan(tmp_path, [str(log)], now=NOW + 10)
    assert res["counts"]["error"] == 2
    info = res["files"][0]
    assert info["rotated"] is True and info["rotated_match"] == "inode"
    assert info["rotated_file"] == str(log) + ".1"
    assert res["samples"]["error"] == ["ERROR c (late, into the rotated file)", "ERROR d"]
    # the next scan continues in the new file only
    write(log, ["ERROR f\n"])
    res = scan(tmp_path, [str(log)], now=NOW + 20)
    assert res["counts"]["error"] == 1 and res["files"][0]["rotated"] is False


def test_copytruncate_regrown_past_the_offset_is_detected(tmp_path):
    log = tmp_path / "pm2-out.log"
    write(log, ["ERROR 1\n"])
    scan(tmp_path, [str(log)])
    write(log, ["ERROR 2\n"])
    shutil.copyfile(log, str(log) + ".1")
    with open(log, "w"):
        pass
    # the new content is longer than the old offset: only the fingerprint shows the truncation
    write(log, ["INFO a much longer line than before\n", "ERROR 3\n"])
    res = scan(tmp_path, [str(log)], now=NOW + 10)
    assert res["counts"]["error"] == 2
    assert res["files"][0]["rotated_match"] == "fingerprint"
    assert res["samples"]["error"] == ["ERROR 2", "ERROR 3"]


def test_rotated_file_gone_is_reported_as_missed(tmp_path):
    log = tmp_path / "app.log"
    write(log, ["ERROR 1\n"])
    scan(tmp_path, [str(log)])
    os.unlink(log)
    write(log, ["ERROR 2\n"])
    res = scan(tmp_path, [str(log)], now=NOW + 10)
    assert res["counts"]["error"] == 1
    assert res["files"][0]["missed"] is True


def test_two_rotations_between_scans_read_the_newer_rotated_file(tmp_path):
    log = tmp_path / "app.log"
    write(log, ["ERROR 1\n"])
    scan(tmp_path, [str(log)])
    # first rotation (then compressed by the second one), second rotation, new log
    os.rename(log, str(tmp_path / "app.log.2.gz"))
    write(log, ["ERROR 2\n", "ERROR 3\n"])
    os.rename(log, str(log) + ".1")
    os.utime(str(log) + ".1", (NOW + 5, NOW + 5))
    write(log, ["ERROR 4\n"])
    res = scan(tmp_path, [str(log)], now=NOW + 10)
    assert res["counts"]["error"] == 3
    info = res["files"][0]
    assert info["missed"] is True and info["rotated_match"] == "newer"
    assert info["rotated_file"] == str(log) + ".1"


def test_check_mode_does_not_move_the_offsets(tmp_path):
    log = tmp_path / "app.log"
    write(log, ["ERROR 1\n"])
    res = scan(tmp_path, [str(log)], check=True)
    assert res["changed"] is True and res["counts"]["error"] == 1
    assert not os.path.exists(tmp_path / "state" / "scan.json")
    scan(tmp_path, [str(log)])
    before = open(tmp_path / "state" / "scan.json").read()
    write(log, ["ERROR 2\n"])
    assert scan(tmp_path, [str(log)], check=True, now=NOW + 5)["counts"]["error"] == 1
    assert open(tmp_path / "state" / "scan.json").read() == before


def test_access_and_nginx_error_logs(tmp_path):
    access = tmp_path / "access.log"
    errors = tmp_path / "error.log"
    write(access, [ACCESS % ("a", 200), ACCESS % ("b", 404), ACCESS % ("c", 401), ACCESS % ("d", 502),
                   ACCESS % ('x\\" 500 y', 200), "garbage 500 line\n"])
    write(errors, ["2026/11/24 07:00:00 [error] 12#12: upstream timed out\n",
                   "2026/11/24 07:00:01 [warn] 12#12: something\n",
                   "2026/11/24 07:00:02 [crit] 12#12: disk\n"])
    res = scan(tmp_path, [{"path": str(access), "kind": "access"}, {"path": str(errors), "kind": "nginx_error"}],
               patterns={"api_b": r"/api/b "})
    assert res["counts"] == {"http_4xx": 2, "http_5xx": 1, "error": 2, "api_b": 1}
    assert res["status"] == {"404": 1, "401": 1, "502": 1}
    assert res["samples"]["http_5xx"] == [(ACCESS % ("d", 502)).rstrip("\n")]


def test_glob_first_scan_end_and_missing(tmp_path):
    (tmp_path / "logs").mkdir()
    write(tmp_path / "logs" / "a.log", ["ERROR old\n"])
    write(tmp_path / "logs" / "b.log", ["ERROR old\n", "partial"])
    res = scan(tmp_path, [str(tmp_path / "logs" / "*.log"), str(tmp_path / "none.log")], first_scan="end")
    assert res["counts"]["error"] == 0
    assert [f["file"] for f in res["files"]] == [str(tmp_path / "logs" / "a.log"), str(tmp_path / "logs" / "b.log"),
                                                 str(tmp_path / "none.log")]
    assert res["files"][2]["exists"] is False
    # b.log starts at the end of its last complete line: the partial line counts when finished
    write(tmp_path / "logs" / "b.log", [" ERROR new\n"])
    res = scan(tmp_path, [str(tmp_path / "logs" / "*.log")], now=NOW + 5)
    assert res["counts"]["error"] == 1
    with pytest.raises(MaintenanceError, match="does not exist"):
        scan(tmp_path, [str(tmp_path / "none.log")], missing_ok=False)


def test_thresholds_over_the_last_hour(tmp_path):
    log = tmp_path / "app.log"
    write(log, ["ERROR\n"] * 6)
    res = scan(tmp_path, [str(log)])
    assert res["critical"] is False and res["rates"] == {"error": 6}
    write(log, ["ERROR\n"] * 5)
    res = scan(tmp_path, [str(log)], now=NOW + 600)
    # 6 + 5 errors within ten minutes: more than 10 an hour
    assert res["critical"] is True
    assert res["alerts"][0]["pattern"] == "error" and res["alerts"][0]["per_hour"] == 11
    write(log, ["ERROR\n"] * 20)
    # four hours later: 20 errors over four hours is 5 an hour
    res = scan(tmp_path, [str(log)], now=NOW + 600 + 4 * 3600)
    assert res["critical"] is False and res["rates"]["error"] == 5
    assert res["period_hours"] == 4


def test_bad_inputs(tmp_path):
    log = tmp_path / "app.log"
    write(log, ["x\n"])
    with pytest.raises(MaintenanceError, match="unknown log kind"):
        scan(tmp_path, [{"path": str(log), "kind": "syslog"}])
    with pytest.raises(MaintenanceError, match="must be a path or a dict"):
        scan(tmp_path, [{"kind": "app"}])
    with pytest.raises(MaintenanceError, match="invalid pattern"):
        scan(tmp_path, [str(log)], patterns={"bad": "("})
    (tmp_path / "state").mkdir()
    (tmp_path / "state" / "scan.json").write_text("{not json")
    with pytest.raises(MaintenanceError, match="remove it to start over"):
        scan(tmp_path, [str(log)])
