#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, saasops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
module: logrotate_run
short_description: Run logrotate on given configurations and report what rotated
version_added: 0.1.0
description:
  - Checks the configurations first (as M(saasops.maintenance.logrotate_check)
    does), then runs C(logrotate -v -s STATE), with C(-f) when O(force=true),
    and reports the logs that were rotated. logrotate's verbose output is read;
    any C(error:) line fails the task even when logrotate exits 0.
  - V(changed) is true only when a log was rotated; with C(notifempty) a second
    forced run right after the first rotates nothing.
author:
  - saasops maintainers (@saasops)
extends_documentation_fragment:
  - saasops.maintenance.attributes
attributes:
  check_mode:
    support: full
    details:
      - Runs C(logrotate -d) only. A forced run reports the logs it would
        rotate; an unforced run cannot be predicted from a dry run and reports
        nothing.
  diff_mode:
    support: none
options:
  configs:
    description: The configuration files.
    type: list
    elements: path
    required: true
  state_file:
    description:
      - logrotate's state file (when each log was last rotated). Its directory
        must exist.
    type: path
    default: /var/lib/logrotate/status
  force:
    description: Rotate every log now, due or not (C(logrotate -f)).
    type: bool
    default: false
  logrotate_path:
    description: The C(logrotate) program; looked up in E(PATH) by default.
    type: path
    default: logrotate
seealso:
  - module: saasops.maintenance.logrotate_check
"""

EXAMPLES = r"""
- name: Rotate the application logs now
  saasops.maintenance.logrotate_run:
    configs: [/etc/logrotate.d/stairs]
    force: true
"""

RETURN = r"""
rotated:
  description: The logs rotated (in check mode, the logs a forced run would rotate).
  returned: success
  type: list
  elements: str
logs:
  description: The logs logrotate considered.
  returned: success
  type: list
  elements: str
warnings:
  description: logrotate's warnings.
  returned: success
  type: list
  elements: str
errors:
  description: logrotate's error lines, on failure.
  returned: failure
  type: list
  elements: str
state_file:
  description: The state file used.
  returned: success
  type: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.saasops.maintenance.plugins.module_utils.common import MaintenanceError
from ansible_collections.saasops.maintenance.plugins.module_utils.logrotate import Logrotate
from ansible_collections.saasops.maintenance.plugins.module_utils.runner import Runner


def main() -> None:
    module = AnsibleModule(
        argument_spec=dict(
            configs=dict(type="list", elements="path", required=True),
            state_file=dict(type="path", default="/var/lib/logrotate/status"),
            force=dict(type="bool", default=False),
            logrotate_path=dict(type="path", default="logrotate"),
        ),
        supports_check_mode=True,
    )
    params = module.params
    try:
        result = Logrotate(Runner(module), params["logrotate_path"]).run(
            params["configs"], params["state_file"], force=params["force"], check_mode=module.check_mode)
    except MaintenanceError as err:
        module.fail_json(msg=str(err), **err.details)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
