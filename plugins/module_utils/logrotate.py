# -*- coding: utf-8 -*-
# Copyright: (c) 2026, saasops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""logrotate: checking configurations and rotating, reading what it really did.

logrotate 3.21 exits 0 after many configuration errors (an unknown option, a
config writable by group or others: the whole file is then ignored), so its
exit code is not enough: every ``error:`` line on stderr is a failure. Its
verbose output (on stderr) says which logs it rotated.
"""

from __future__ import annotations

import os
import re
import tempfile

from ansible_collections.saasops.maintenance.plugins.module_utils.common import MaintenanceError
from ansible_collections.saasops.maintenance.plugins.module_utils.runner import tail

__metaclass__ = type

ROTATING = re.compile(r"^rotating log (.+), log->rotateCount is \d+")
CONSIDERING = re.compile(r"^considering log (.+)$")
NEEDS = re.compile(r"^\s*log needs rotating")
DEBUG_WARNING = "logrotate in debug mode does nothing"


def _text(data):
    if isinstance(data, bytes):
        return data.decode("utf-8", "replace")
    return data or ""


def parse(stderr):
    """errors, warnings, logs considered, logs rotated (or due, in debug mode)."""
    errors, warnings, considered, rotated, due = [], [], [], [], []
    current = None
    for raw in _text(stderr).splitlines():
        line = raw.rstrip()
        if line.startswith("error:"):
            errors.append(line[len("error:"):].strip())
        elif line.startswith("warning:"):
            if DEBUG_WARNING not in line:
                warnings.append(line[len("warning:"):].strip())
        match = CONSIDERING.match(line)
        if match:
            current = match.group(1).strip()
            if current not in considered:
                considered.append(current)
            continue
        match = ROTATING.match(line)
        if match:
            rotated.append(match.group(1).strip())
            continue
        if NEEDS.match(line) and current and current not in due:
            due.append(current)
    return dict(errors=errors, warnings=warnings, considered=considered, rotated=rotated, due=due)


class Logrotate:
    def __init__(self, runner, binary="logrotate"):
        self.runner = runner
        self.binary = binary or "logrotate"

    def _configs(self, configs):
        if not configs:
            raise MaintenanceError("no logrotate configuration given")
        for conf in configs:
            if not os.path.exists(conf):
                raise MaintenanceError("logrotate configuration %s does not exist" % conf)
        return list(configs)

    def check(self, configs, force=False):
        """Dry run (-d) with a throwaway state file: what is wrong, what would rotate."""
        configs = self._configs(configs)
        with tempfile.TemporaryDirectory(prefix="logrotate-check-") as tmp:
            argv = [self.binary, "-d"] + (["-f"] if force else []) + ["-s", os.path.join(tmp, "status")] + configs
            res = self.runner.run(argv, check=False)
        info = parse(res.err)
        if res.rc != 0 or info["errors"]:
            raise MaintenanceError(
                "logrotate rejects %s: %s" % (", ".join(configs), "; ".join(info["errors"]) or tail(_text(res.err), 3)),
                rc=res.rc, errors=info["errors"], warnings=info["warnings"], cmd=res.argv)
        return dict(changed=False, configs=configs, errors=[], warnings=info["warnings"], logs=info["considered"],
                    due=info["due"], cmd=res.argv)

    def run(self, configs, state_file, force=False, check_mode=False):
        """Rotate (-v, -f when forced) with the real state file; changed when a log rotated."""
        configs = self._configs(configs)
        checked = self.check(configs, force=force)
        if check_mode:
            # the dry run with a fresh state cannot know the last rotation: only forced runs are predictable
            would = checked["due"] if force else []
            return dict(changed=bool(would), rotated=would, logs=checked["logs"], warnings=checked["warnings"],
                        state_file=state_file, cmd=checked["cmd"])
        parent = os.path.dirname(state_file)
        if parent and not os.path.isdir(parent):
            raise MaintenanceError("the directory of the logrotate state file %s does not exist" % state_file)
        argv = [self.binary, "-v"] + (["-f"] if force else []) + ["-s", state_file] + configs
        res = self.runner.run(argv, check=False)
        info = parse(res.err)
        if res.rc != 0 or info["errors"]:
            raise MaintenanceError(
                "logrotate failed on %s after rotating %s: %s" % (
                    ", ".join(configs), ", ".join(info["rotated"]) or "nothing",
                    "; ".join(info["errors"]) or tail(_text(res.err), 3)),
                rc=res.rc, errors=info["errors"], rotated=info["rotated"], cmd=res.argv)
        return dict(changed=bool(info["rotated"]), rotated=info["rotated"], logs=info["considered"],
                    warnings=info["warnings"], state_file=state_file, cmd=res.argv)
