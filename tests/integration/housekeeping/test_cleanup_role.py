"""The cleanup role on real files: the runbooks' retention, dry run, check mode, the guard."""

from __future__ import annotations

import os
import time

import pytest

from tests.support.housekeeping import run_role

DAY = 86400


def touch(path, days_old, content=b"x"):
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_bytes(content)
    when = time.time() - days_old * DAY
    os.utime(path, (when, when))
    return path


@pytest.fixture
def app(tmp_path):
    root = tmp_path / "backend"
    files = dict(
        cert_old=touch(root / "uploads" / "certificates" / "2025" / "c1.pdf", 400, b"a" * 100),
        cert_new=touch(root / "uploads" / "certificates" / "c2.pdf", 300),
        result_old=touch(root / "uploads" / "event-results" / "r1.csv", 200, b"b" * 10),
        result_new=touch(root / "uploads" / "event-results" / "r2.csv", 179),
        temp_old=touch(root / "temp" / "upload-1.tmp", 2),
        temp_new=touch(root / "temp" / "upload-2.tmp", 0),
        log_old=touch(root / "logs" / "app.log.3", 40),
        log_new=touch(root / "logs" / "app.log", 0),
        other_old=touch(root / "logs" / "keep.txt", 400),
    )
    temp_dir_old = root / "temp" / "chunks"
    touch(temp_dir_old / "part", 5)
    os.utime(temp_dir_old, (time.time() - 5 * DAY, time.time() - 5 * DAY))
    files["temp_dir_old"] = temp_dir_old
    # an old symlink in temp pointing outside: the link goes, its target stays
    target = touch(tmp_path / "shared" / "keep.bin", 900)
    link = root / "temp" / "link-out"
    link.symlink_to(tmp_path / "shared")
    os.utime(link, (time.time() - 9 * DAY, time.time() - 9 * DAY), follow_symlinks=False)
    files["temp_link_old"] = link
    files["outside_target"] = target
    return root, files


def test_retention_dry_run_check_mode_and_idempotence(tmp_path, app):
    root, files = app
    variables = dict(cleanup_app_dir=str(root))
    doomed = sorted(str(files[k]) for k in ("cert_old", "result_old", "temp_old", "temp_dir_old", "temp_link_old",
                                            "log_old"))

    dry = run_role(tmp_path, "cleanup", dict(variables, cleanup_dry_run=True), facts=["cleanup_report"])
    assert dry.failed == 0 and dry.changed == 0, dry.output
    report = {r["rule"]: r for r in dry.facts["cleanup_report"]}
    assert sorted(f for r in report.values() for f in r["files"]) == doomed
    assert report["certificates"]["count"] == 1 and report["certificates"]["bytes"] == 100
    assert all(os.path.lexists(p) for p in files.values())

    check = run_role(tmp_path, "cleanup", variables, check=True)
    assert check.failed == 0 and check.changed > 0, check.output
    assert all(os.path.lexists(p) for p in files.values())

    real = run_role(tmp_path, "cleanup", variables)
    assert real.failed == 0 and real.changed == 1, real.output
    for key, path in files.items():
        assert os.path.lexists(path) == (str(path) not in doomed), key
    assert files["outside_target"].read_bytes() == b"x"
    assert (root / "uploads" / "certificates" / "2025").is_dir()

    again = run_role(tmp_path, "cleanup", variables)
    assert again.failed == 0 and again.changed == 0, again.output


def test_guard_refuses_outside_paths_and_escaping_symlinks(tmp_path, app):
    root, files = app
    outside = touch(tmp_path / "elsewhere" / "precious.pdf", 1000)
    res = run_role(tmp_path, "cleanup", dict(
        cleanup_app_dir=str(root), cleanup_rules=[{"name": "escape", "path": str(tmp_path / "elsewhere")}]))
    assert res.failed == 1
    assert "outside the roots" in res.output
    assert outside.exists()

    # a directory inside the root that is a symlink to somewhere else
    (root / "uploads" / "exports").symlink_to(tmp_path / "elsewhere")
    res = run_role(tmp_path, "cleanup", dict(
        cleanup_app_dir=str(root), cleanup_rules=[{"name": "exports", "path": "uploads/exports", "age": "1d"},
                                                  {"name": "certificates", "path": "uploads/certificates"}]))
    assert res.failed == 1
    assert "a symlink escapes" in res.output
    assert outside.exists()
    # nothing at all was deleted: the guard runs before any search
    assert all(os.path.lexists(p) for p in files.values())
