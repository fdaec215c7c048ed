#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, saasops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
module: pm2_info
short_description: List PM2 processes with status, restarts, uptime, memory and cpu
version_added: 0.1.0
description:
  - Reads C(pm2 jlist) of one PM2 daemon and returns a whitelisted view of each process.
  - Never returns the process environment (C(pm2 jlist) carries every environment
    variable of each app, secrets included).
  - Does not start a PM2 daemon; when none runs, the list is empty.
author:
  - saasops maintainers (@saasops)
extends_documentation_fragment:
  - saasops.maintenance.attributes
attributes:
  check_mode:
    support: full
    details: Read-only.
  diff_mode:
    support: none
options:
  name:
    description: Only this app; an error when PM2 has no app of that name.
    type: str
  user:
    description: The user the PM2 daemon runs as (commands run through C(runuser) when it is not the current user).
    type: str
  pm2_home:
    description: The PM2_HOME of the daemon; defaults to C(~USER/.pm2) or the E(PM2_HOME) of the module.
    type: path
  pm2_path:
    description: The C(pm2) program; looked up in E(PATH) when unset.
    type: path
seealso:
  - module: saasops.maintenance.pm2_process
"""

EXAMPLES = r"""
- name: Status of the backend (what "pm2 status" shows, as data)
  saasops.maintenance.pm2_info:
    name: stairs-backend
    user: deploy
  register: backend

- name: Alert when it restarts too often
  ansible.builtin.assert:
    that: backend.processes | map(attribute='unstable_restarts') | max < 5
"""

RETURN = r"""
processes:
  description: One entry per PM2 process.
  returned: always
  type: list
  elements: dict
  contains:
    name: {description: "App name.", type: str, returned: always}
    pm_id: {description: "PM2 id.", type: int, returned: always}
    pid: {description: "OS process id (null when not running).", type: int, returned: always}
    status: {description: "online, stopped, errored, launching...", type: str, returned: always}
    restarts: {description: "Restart count.", type: int, returned: always}
    unstable_restarts: {description: "Restarts that happened before the app reached PM2's min_uptime.", type: int, returned: always}
    uptime: {description: "Seconds since the process started (0 when not online).", type: float, returned: always}
    memory: {description: "Resident memory in bytes.", type: int, returned: always}
    cpu: {description: "CPU percent.", type: float, returned: always}
    exec_mode: {description: "fork or cluster.", type: str, returned: always}
    instances: {description: "Configured instances.", type: raw, returned: always}
    max_memory_restart: {description: "Memory limit in bytes, if any.", type: int, returned: always}
    script: {description: "The script PM2 runs.", type: str, returned: always}
    cwd: {description: "Working directory.", type: str, returned: always}
    out_log: {description: "Output log file.", type: str, returned: always}
    err_log: {description: "Error log file.", type: str, returned: always}
    namespace: {description: "PM2 namespace.", type: str, returned: always}
    version: {description: "App version (from package.json).", type: str, returned: always}
total:
  description: Number of processes.
  returned: always
  type: int
online:
  description: Number of online processes.
  returned: always
  type: int
daemon_running:
  description: Whether a PM2 daemon runs for this PM2_HOME.
  returned: always
  type: bool
pm2_home:
  description: The PM2_HOME used.
  returned: always
  type: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.saasops.maintenance.plugins.module_utils.common import MaintenanceError
from ansible_collections.saasops.maintenance.plugins.module_utils.pm2 import Pm2, pm2_info


def main() -> None:
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type="str"),
            user=dict(type="str"),
            pm2_home=dict(type="path"),
            pm2_path=dict(type="path"),
        ),
        supports_check_mode=True,
    )
    try:
        pm2 = Pm2(module, module.params["pm2_path"], module.params["pm2_home"], module.params["user"])
        result = pm2_info(pm2, module.params["name"])
    except MaintenanceError as err:
        module.fail_json(msg=str(err), **err.details)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
