# -*- coding: utf-8 -*-
# Copyright: (c) 2026, saasops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one place where external commands are started.

Commands are always argv lists (never a shell string), run with ``LANG=C``;
secrets travel in the environment or on stdin, never in argv, so the
command that appears in errors and results is safe to show.
"""

from __future__ import annotations

import os
import subprocess

from ansible_collections.saasops.maintenance.plugins.module_utils.common import MaintenanceError

__metaclass__ = type

C_LOCALE = {"LANG": "C", "LC_ALL": "C", "LC_MESSAGES": "C"}


class Result:
    __slots__ = ("rc", "out", "err", "argv")

    def __init__(self, rc, out, err, argv):
        self.rc = rc
        self.out = out
        self.err = err
        self.argv = argv


def tail(text, lines=20):
    text = text or ""
    return "\n".join(text.rstrip().splitlines()[-lines:])


class Runner:
    """Runs commands for a module.

    ``module`` only needs ``run_command(args, data=..., environ_update=...,
    check_rc=False)``, so tests can pass a recorder instead of AnsibleModule.
    ``env`` is added to every command's environment (e.g. PGPASSWORD).
    """

    def __init__(self, module, env=None):
        self.module = module
        self.env = dict(env or {})

    def environ(self, extra=None):
        env = dict(C_LOCALE)
        env.update(self.env)
        if extra:
            env.update(extra)
        # values from YAML or templating may be numbers or booleans (APP_PORT: 3000); the environment takes text
        return dict((key, value if isinstance(value, str) else str(value)) for key, value in env.items())

    def run(self, argv, data=None, env=None, check=True, what=None):
        argv = [str(a) for a in argv]
        rc, out, err = self.module.run_command(
            argv, data=data, environ_update=self.environ(env), check_rc=False,
            binary_data=True,
        )
        result = Result(rc, out, err, argv)
        if check and rc != 0:
            raise MaintenanceError(
                "%s failed (rc=%s): %s" % (what or argv[0], rc, first_error(err) or tail(out, 3)),
                rc=rc, stderr=tail(err), cmd=argv,
            )
        return result

    def popen(self, argv, stdin=None, stdout=None, stderr=subprocess.PIPE, env=None, cwd=None):
        """Start a streaming process (for pipelines such as pg_dump | zstd)."""
        full_env = dict(os.environ)
        full_env.update(self.environ(env))
        try:
            return subprocess.Popen(  # noqa: S603 - argv list, no shell
                [str(a) for a in argv], stdin=stdin, stdout=stdout, stderr=stderr,
                env=full_env, cwd=cwd, close_fds=True,
            )
        except OSError as err:
            raise MaintenanceError("cannot start %s: %s" % (argv[0], err.strerror), cmd=list(argv))


def first_error(err):
    """The most telling line of a tool's stderr (the first error:/FATAL line)."""
    lines = [line.strip() for line in (err or "").splitlines() if line.strip()]
    for line in lines:
        low = line.lower()
        if "error" in low or "fatal" in low or "could not" in low or "no such" in low:
            return line
    return lines[0] if lines else ""
