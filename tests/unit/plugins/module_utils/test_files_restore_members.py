"""Member checks of files_restore: what is refused and why."""

from __future__ import annotations

import tarfile

import pytest

from ansible_collections.saasops.maintenance.plugins.module_utils.files_restore import member_problem

SOURCES = ["var/www/app/uploads", "srv/app/.env"]


def member(name, kind=tarfile.REGTYPE, linkname=""):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = linkname
    return info


@pytest.mark.parametrize("info,problem", [
    (member("var/www/app/uploads/a.png"), None),
    (member("var/www/app/uploads"), None),
    (member("srv/app/.env"), None),
    (member("var/www/app/uploads/l", tarfile.SYMTYPE, "a.png"), None),
    (member("var/www/app/uploads/d/l", tarfile.SYMTYPE, "../a.png"), None),
    (member("var/www/app/uploads/l", tarfile.SYMTYPE, "/var/www/app/uploads/a.png"), None),
    (member("var/www/app/uploads/h", tarfile.LNKTYPE, "var/www/app/uploads/a.png"), None),
    (member("/etc/passwd"), "absolute path"),
    (member("var/www/app/uploads/../../../../etc/x"), "'..' in its path"),
    (member("var/www/app/uploads/null", tarfile.CHRTYPE), "device file"),
    (member("var/www/app/uploads/sda", tarfile.BLKTYPE), "device file"),
    (member("var/www/app/uploads/p", tarfile.FIFOTYPE), "FIFO"),
    (member("var/www/app/uploads2/x"), "outside the backup's sources"),
    (member("etc/cron.d/x"), "outside the backup's sources"),
    (member("var/www/app/uploads/l", tarfile.SYMTYPE, "../../../../etc/shadow"),
     "symbolic link to ../../../../etc/shadow leaves /var/www/app/uploads"),
    (member("var/www/app/uploads/l", tarfile.SYMTYPE, ".."), "symbolic link to .. leaves"),
    (member("var/www/app/uploads/l", tarfile.SYMTYPE, "/etc"), "symbolic link to /etc leaves"),
    (member("var/www/app/uploads/h", tarfile.LNKTYPE, "srv/app/.env"), "hard link to srv/app/.env leaves"),
    (member("var/www/app/uploads/h", tarfile.LNKTYPE, "var/www/app/uploads/../../x"), "hard link to"),
])
def test_member_problem(info, problem):
    found = member_problem(info, SOURCES)
    if problem is None:
        assert found is None
    else:
        assert found is not None and found.startswith(problem), found
