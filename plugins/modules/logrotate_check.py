#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, saasops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
module: logrotate_check
short_description: Check logrotate configurations the way logrotate will read them
version_added: 0.1.0
description:
  - Runs C(logrotate -d) on the given configuration files with a throwaway state
    file and fails when logrotate prints any C(error:) line. logrotate 3.21 exits
    0 after an unknown option, an unknown user or a configuration writable by
    group or others (it then ignores the whole file), so its exit code alone
    would let a broken configuration through.
  - Checking several files together also finds conflicts between them, such as
    two files rotating the same log.
  - Never changes anything.
author:
  - saasops maintainers (@saasops)
extends_documentation_fragment:
  - saasops.maintenance.attributes
attributes:
  check_mode:
    support: full
    details: The check itself changes nothing; it runs the same in check mode.
  diff_mode:
    support: none
options:
  configs:
    description: The configuration files, read in this order (the main one first).
    type: list
    elements: path
    required: true
  logrotate_path:
    description: The C(logrotate) program; looked up in E(PATH) by default.
    type: path
    default: logrotate
seealso:
  - module: saasops.maintenance.logrotate_run
"""

EXAMPLES = r"""
- name: Check the whole logrotate configuration
  saasops.maintenance.logrotate_check:
    configs: [/etc/logrotate.conf]
"""

RETURN = r"""
configs:
  description: The configuration files checked.
  returned: always
  type: list
  elements: str
logs:
  description: The log files logrotate considered (patterns expanded).
  returned: success
  type: list
  elements: str
warnings:
  description: logrotate's warnings.
  returned: success
  type: list
  elements: str
errors:
  description: logrotate's error lines (the task fails when there is any).
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.saasops.maintenance.plugins.module_utils.common import MaintenanceError
from ansible_collections.saasops.maintenance.plugins.module_utils.logrotate import Logrotate
from ansible_collections.saasops.maintenance.plugins.module_utils.runner import Runner


def main() -> None:
    module = AnsibleModule(
        argument_spec=dict(
            configs=dict(type="list", elements="path", required=True),
            logrotate_path=dict(type="path", default="logrotate"),
        ),
        supports_check_mode=True,
    )
    try:
        result = Logrotate(Runner(module), module.params["logrotate_path"]).check(module.params["configs"])
    except MaintenanceError as err:
        module.fail_json(msg=str(err), configs=module.params["configs"], **err.details)
    result.pop("due", None)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
