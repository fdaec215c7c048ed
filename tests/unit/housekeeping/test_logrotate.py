"""module_utils/logrotate with the runner replaced: argv, error lines, what rotated."""

from __future__ import annotations

import pytest

from ansible_collections.saasops.maintenance.plugins.module_utils.common import MaintenanceError
from ansible_collections.saasops.maintenance.plugins.module_utils.logrotate import Logrotate, parse
from ansible_collections.saasops.maintenance.plugins.module_utils.runner import Runner

VERBOSE = """reading config file /etc/logrotate.d/stairs
Handling 2 logs
rotating pattern: /srv/logs/*.log  forced from command line (7 rotations)
considering log /srv/logs/app.log
  log needs rotating
rotating log /srv/logs/app.log, log->rotateCount is 7
considering log /srv/logs/empty.log
  log does not need rotating (log is empty)
"""


class FakeModule:
    def __init__(self, *replies):
        self.replies = list(replies)
        self.calls = []

    def run_command(self, argv, data=None, environ_update=None, check_rc=False, binary_data=False):
        self.calls.append((argv, environ_update))
        return self.replies.pop(0)


@pytest.fixture
def conf(tmp_path):
    path = tmp_path / "stairs"
    path.write_text("/srv/logs/*.log {\n}\n")
    return str(path)


def test_parse_reads_errors_warnings_and_rotations():
    info = parse("warning: logrotate in debug mode does nothing except printing debug messages!\n"
                 "warning: Potentially dangerous mode on x: 0664\nerror: Ignoring x because it is writable\n" + VERBOSE)
    assert info["errors"] == ["Ignoring x because it is writable"]
    assert info["warnings"] == ["Potentially dangerous mode on x: 0664"]
    assert info["considered"] == ["/srv/logs/app.log", "/srv/logs/empty.log"]
    assert info["rotated"] == ["/srv/logs/app.log"]
    assert info["due"] == ["/srv/logs/app.log"]


def test_forced_run_checks_first_then_rotates(conf, tmp_path):
    module = FakeModule((0, "", VERBOSE), (0, "", VERBOSE))
    res = Logrotate(Runner(module), "/usr/sbin/logrotate").run([conf], str(tmp_path / "status"), force=True)
    check_argv, env = module.calls[0]
    assert check_argv[:3] == ["/usr/sbin/logrotate", "-d", "-f"] and check_argv[3] == "-s"
    assert check_argv[4].endswith("/status") and check_argv[4] != str(tmp_path / "status")
    assert check_argv[5:] == [conf]
    assert env["LANG"] == "C"
    assert module.calls[1][0] == ["/usr/sbin/logrotate", "-v", "-f", "-s", str(tmp_path / "status"), conf]
    assert res["changed"] is True and res["rotated"] == ["/srv/logs/app.log"]


def test_check_mode_runs_the_dry_run_only(conf, tmp_path):
    module = FakeModule((0, "", VERBOSE))
    res = Logrotate(Runner(module)).run([conf], str(tmp_path / "status"), force=True, check_mode=True)
    assert len(module.calls) == 1 and module.calls[0][0][1] == "-d"
    assert res["changed"] is True and res["rotated"] == ["/srv/logs/app.log"]
    module = FakeModule((0, "", VERBOSE))
    res = Logrotate(Runner(module)).run([conf], str(tmp_path / "status"), force=False, check_mode=True)
    assert res["changed"] is False and res["rotated"] == []


def test_error_line_with_rc_0_fails(conf):
    module = FakeModule((0, "", "error: %s:2 unknown option 'dailyx' -- ignoring line\n" % conf))
    with pytest.raises(MaintenanceError, match="logrotate rejects .*unknown option 'dailyx'") as err:
        Logrotate(Runner(module)).check([conf])
    assert err.value.details["rc"] == 0
    assert err.value.details["errors"] == ["%s:2 unknown option 'dailyx' -- ignoring line" % conf]


def test_rotation_errors_say_what_was_rotated(conf, tmp_path):
    module = FakeModule((0, "", VERBOSE), (1, "", VERBOSE + "error: error renaming /srv/logs/b.log: Permission denied\n"))
    with pytest.raises(MaintenanceError, match="after rotating /srv/logs/app.log: error renaming") as err:
        Logrotate(Runner(module)).run([conf], str(tmp_path / "status"), force=True)
    assert err.value.details["rc"] == 1 and err.value.details["rotated"] == ["/srv/logs/app.log"]


def test_missing_inputs(conf, tmp_path):
    with pytest.raises(MaintenanceError, match="does not exist"):
        Logrotate(Runner(FakeModule())).check([str(tmp_path / "nope")])
    with pytest.raises(MaintenanceError, match="no logrotate configuration"):
        Logrotate(Runner(FakeModule())).check([])
    module = FakeModule((0, "", VERBOSE))
    with pytest.raises(MaintenanceError, match="state file .* does not exist"):
        Logrotate(Runner(module)).run([conf], str(tmp_path / "no" / "status"))
