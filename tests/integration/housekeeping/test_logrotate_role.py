"""The logrotate role and modules against the real logrotate 3.21."""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess

import pytest

from tests.support.ansible import run_module
from tests.support.housekeeping import mode, run_role

pytestmark = pytest.mark.skipif(shutil.which("logrotate") is None, reason="logrotate is installed by make deps")


@pytest.fixture
def site(tmp_path):
    """A config dir, a state file, a validator dir and an application log dir, all temporary."""
    paths = dict(conf=tmp_path / "logrotate.d", state=tmp_path / "lib" / "status", libexec=tmp_path / "libexec",
                 logs=tmp_path / "app" / "logs")
    paths["logs"].mkdir(parents=True)
    return paths


def role_vars(site, configs, **kw):
    base = dict(logrotate_config_dir=str(site["conf"]), logrotate_state_file=str(site["state"]),
                logrotate_validator_dir=str(site["libexec"]), logrotate_create_owner="root",
                logrotate_create_group="root", logrotate_configs=configs)
    base.update(kw)
    return base


def app_config(site, **kw):
    conf = dict(name="stairs", paths=[str(site["logs"] / "*.log")])
    conf.update(kw)
    return conf


def test_install_check_mode_and_idempotence(tmp_path, site):
    pm2_home = tmp_path / "pm2home"
    variables = role_vars(site, [app_config(site)],
                          logrotate_pm2=[{"name": "app", "home": str(pm2_home), "user": "root"}])
    dry = run_role(tmp_path, "logrotate", variables, check=True)
    assert dry.failed == 0 and dry.changed > 0, dry.output
    assert not (site["conf"] / "stairs").exists()

    first = run_role(tmp_path, "logrotate", variables)
    assert first.failed == 0, first.output
    assert first.changed > 0
    conf = site["conf"] / "stairs"
    assert mode(conf) == 0o644
    lines = [ln.strip() for ln in conf.read_text().splitlines()]
    assert lines[2] == "%s/*.log {" % site["logs"]
    for directive in ("daily", "rotate 7", "compress", "delaycompress", "missingok", "notifempty",
                      "create 0644 root root"):
        assert directive in lines
    pm2 = [ln.strip() for ln in (site["conf"] / "pm2-app").read_text().splitlines()]
    assert "%s/logs/*.log {" % pm2_home in pm2
    assert "copytruncate" in pm2 and "su root root" in pm2
    assert not any(ln.startswith("create") for ln in pm2)
    # the installed files are what logrotate itself accepts
    proc = subprocess.run(["logrotate", "-d", "-s", str(tmp_path / "dbg"), str(conf), str(site["conf"] / "pm2-app")],
                          capture_output=True, text=True, check=False)
    assert "error:" not in proc.stderr

    second = run_role(tmp_path, "logrotate", variables)
    assert second.failed == 0 and second.changed == 0, second.output
    again = run_role(tmp_path, "logrotate", variables, check=True)
    assert again.failed == 0 and again.changed == 0, again.output


def test_bad_config_is_rejected_and_the_old_one_stays(tmp_path, site):
    good = run_role(tmp_path, "logrotate", role_vars(site, [app_config(site)]))
    assert good.failed == 0, good.output
    conf = site["conf"] / "stairs"
    before = conf.read_bytes()
    for bad in ({"options": ["dailyx"]},          # unknown option: logrotate exits 0 and prints error:
                {"create_owner": "nosuchuser"},   # unknown user: logrotate skips the whole entry
                {"frequency": "fortnightly"}):    # not a logrotate keyword
        res = run_role(tmp_path, "logrotate", role_vars(site, [app_config(site, **bad)]))
        assert res.rc != 0 and res.failed == 1, bad
        assert "failed to validate" in res.output, bad
        assert conf.read_bytes() == before
        assert mode(conf) == 0o644
        assert sorted(os.listdir(site["conf"])) == ["stairs"]
    # a good change replaces the file: the file being replaced is not taken for a duplicate
    res = run_role(tmp_path, "logrotate", role_vars(site, [app_config(site, rotate=5)]))
    assert res.failed == 0 and res.changed > 0, res.output
    assert "    rotate 5" in conf.read_text().splitlines()


def test_conflict_with_another_file_in_the_directory_is_rejected(tmp_path, site):
    site["conf"].mkdir(parents=True)
    other = site["conf"] / "nginx"
    other.write_text("%s/*.log {\n    weekly\n}\n" % site["logs"])
    other.chmod(0o644)
    res = run_role(tmp_path, "logrotate", role_vars(site, [app_config(site)]))
    assert res.failed == 1
    assert "duplicate log entry" in res.output
    assert sorted(os.listdir(site["conf"])) == ["nginx"]


def test_forced_rotation_rotates_once(tmp_path, site):
    log = site["logs"] / "app.log"
    log.write_text("line 1\nline 2\n")
    os.chmod(log, 0o600)
    variables = role_vars(site, [app_config(site, delaycompress=False)], logrotate_force=True)
    first = run_role(tmp_path, "logrotate", variables, facts=["logrotate_rotated"])
    assert first.failed == 0, first.output
    assert first.facts["logrotate_rotated"] == [str(log)]
    # compress without delaycompress: the rotated log is app.log.1.gz; a fresh empty log with the create mode
    with gzip.open(str(log) + ".1.gz", "rt") as handle:
        assert handle.read() == "line 1\nline 2\n"
    assert log.read_text() == ""
    assert mode(log) == 0o644
    assert site["state"].exists()
    # notifempty: forcing again rotates nothing, so the second run changes nothing
    second = run_role(tmp_path, "logrotate", variables, facts=["logrotate_rotated"])
    assert second.failed == 0 and second.changed == 0, second.output
    assert second.facts["logrotate_rotated"] == []
    assert not os.path.exists(str(log) + ".2.gz")


def test_logrotate_run_check_mode_and_errors(tmp_path, site):
    log = site["logs"] / "app.log"
    log.write_text("x\n")
    conf = tmp_path / "app.conf"
    conf.write_text("%s {\n    rotate 2\n    missingok\n}\n" % log)
    conf.chmod(0o644)
    args = dict(configs=[str(conf)], state_file=str(tmp_path / "status"), force=True)
    dry, _play = run_module("saasops.maintenance.logrotate_run", args, check=True)
    assert dry["changed"] is True and dry["rotated"] == [str(log)]
    assert not os.path.exists(str(log) + ".1") and not (tmp_path / "status").exists()
    res, _play = run_module("saasops.maintenance.logrotate_run", args)
    assert res["changed"] is True and res["rotated"] == [str(log)]
    assert open(str(log) + ".1").read() == "x\n"
    # group-writable: logrotate ignores the file and exits 0; the module must fail
    conf.chmod(0o664)
    res, _play = run_module("saasops.maintenance.logrotate_check", dict(configs=[str(conf)]))
    assert res["failed"] is True
    assert any("writable by group or others" in e for e in res["errors"])
    res, _play = run_module("saasops.maintenance.logrotate_run", args)
    assert res["failed"] is True and "rejects" in res["msg"]
