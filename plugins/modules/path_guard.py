#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, saasops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
module: path_guard
short_description: Refuse paths outside allowed roots before anything is deleted
version_added: 0.1.0
description:
  - Checks, on the managed host, that every path lies inside one of O(roots);
    its written form and its real form (all symlinks resolved, parent
    directories included) must both be inside a root. Fails, naming each
    refused path and the reason, when a path is outside the roots, is C(/), or
    goes through a symlink that leaves the roots.
  - Returns the real paths, which the caller then works on (so a symlink
    cannot be swapped in between).
  - Exists because M(ansible.builtin.stat) resolves a symlink only when the path
    itself is one, not when a parent directory is, and a filter would resolve
    paths on the controller instead of the managed host.
author:
  - saasops maintainers (@saasops)
extends_documentation_fragment:
  - saasops.maintenance.attributes
attributes:
  check_mode:
    support: full
    details: Only reads; runs the same in check mode.
  diff_mode:
    support: none
options:
  paths:
    description: The paths to check; relative ones are taken relative to O(base).
    type: list
    elements: str
    required: true
  roots:
    description: Absolute directories the paths must stay inside; C(/) is refused.
    type: list
    elements: path
    required: true
  base:
    description: Directory relative paths are joined to.
    type: path
"""

EXAMPLES = r"""
- name: Only ever clean inside the application directory
  saasops.maintenance.path_guard:
    paths: [uploads/certificates, temp]
    base: /var/www/stairs-new/backend
    roots: [/var/www/stairs-new/backend]
  register: guard
"""

RETURN = r"""
paths:
  description: The real path of each accepted path, in order.
  returned: success
  type: list
  elements: str
checked:
  description: Per accepted path, the written and real form, its root, whether it exists and goes through a symlink.
  returned: always
  type: list
  elements: dict
refused:
  description: Per refused path, the reason.
  returned: always
  type: list
  elements: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.saasops.maintenance.plugins.module_utils.common import MaintenanceError
from ansible_collections.saasops.maintenance.plugins.module_utils.path_guard import PathGuard


def main() -> None:
    module = AnsibleModule(
        argument_spec=dict(
            paths=dict(type="list", elements="str", required=True),
            roots=dict(type="list", elements="path", required=True),
            base=dict(type="path"),
        ),
        supports_check_mode=True,
    )
    try:
        result = PathGuard(module.params["roots"], module.params["base"]).run(module.params["paths"])
    except MaintenanceError as err:
        module.fail_json(msg=str(err), **err.details)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
