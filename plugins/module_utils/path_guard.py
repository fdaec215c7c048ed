# -*- coding: utf-8 -*-
# Copyright: (c) 2026, saasops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Refuse to work on paths outside the configured roots.

A path is accepted when its written form (``os.path.normpath``) lies inside a
root, and its real form (``os.path.realpath``: every symlink of every component
resolved, on the managed host) lies inside a real root too. ``/`` is never a
root and never accepted. ansible.builtin.stat only resolves a symlink when the
path itself is one, not a symlinked parent directory, hence this helper.
"""

from __future__ import annotations

import os

from ansible_collections.saasops.maintenance.plugins.module_utils.common import MaintenanceError

__metaclass__ = type


def inside(path, root):
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


class PathGuard:
    def __init__(self, roots, base=None):
        if not roots:
            raise MaintenanceError("no roots configured: refusing to work on any path")
        self.roots = []
        for root in roots:
            if not os.path.isabs(root):
                raise MaintenanceError("root %s is not an absolute path" % root)
            lexical = os.path.normpath(root)
            real = os.path.realpath(root)
            if lexical == os.sep or real == os.sep:
                raise MaintenanceError("root %s is the filesystem root: refusing" % root)
            self.roots.append((lexical, real))
        self.base = base

    def check(self, path):
        """(resolved info, None) or (None, reason)."""
        given = path
        if not os.path.isabs(path):
            if not self.base:
                return None, "%s is relative and no base directory is set" % given
            path = os.path.join(self.base, path)
        lexical = os.path.normpath(path)
        real = os.path.realpath(path)
        if lexical == os.sep or real == os.sep:
            return None, "%s is the filesystem root" % given
        lexical_ok = [r for r in self.roots if inside(lexical, r[0]) or inside(lexical, r[1])]
        if not lexical_ok:
            return None, "%s is outside the roots (%s)" % (given, ", ".join(r[0] for r in self.roots))
        real_ok = [r for r in self.roots if inside(real, r[1])]
        if not real_ok:
            return None, "%s resolves to %s, outside the roots (a symlink escapes)" % (given, real)
        return dict(given=given, path=lexical, real=real, root=real_ok[0][0], exists=os.path.lexists(path),
                    symlink=real != lexical), None

    def run(self, paths):
        accepted, refused = [], []
        for path in paths:
            info, reason = self.check(path)
            if info:
                accepted.append(info)
            else:
                refused.append(dict(given=path, reason=reason))
        if refused:
            raise MaintenanceError("refusing paths: %s" % "; ".join(r["reason"] for r in refused),
                                   refused=refused, checked=accepted)
        return dict(changed=False, paths=[a["real"] for a in accepted], checked=accepted, refused=[])
