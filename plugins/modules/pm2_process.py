#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, saasops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
module: pm2_process
short_description: Start, stop, restart, reload or delete a PM2 app, health-gated
version_added: 0.1.0
description:
  - Brings one PM2 app (all processes with that name) to O(state) and reports
    the processes before and after.
  - Every start, restart or reload is health-gated. The module waits until every
    process of the app is C(online), its uptime is at least O(min_uptime) seconds,
    its restart count has not moved since the command, and O(health_url) (when
    given) answers 2xx. Otherwise it fails with the reason and the app's last
    error-log lines, so a broken deploy stops the play instead of looking done.
  - C(PM2_HOME) is passed explicitly on every C(pm2) call (O(pm2_home), or the
    C(.pm2) directory of O(user)); a daemon is started with C(pm2 ping) before
    C(pm2 jlist), which prints a banner on a cold daemon.
  - Results never contain the process environment (C(pm2 jlist) exposes every
    environment variable of the app, secrets included).
author:
  - saasops maintainers (@saasops)
extends_documentation_fragment:
  - saasops.maintenance.attributes
  - saasops.maintenance.health_gate
attributes:
  check_mode:
    support: full
    details: Reads the process list (without starting a PM2 daemon) and reports the action it would take.
  diff_mode:
    support: full
    details: Shows the status of the app before and after.
options:
  name:
    description: Name of the PM2 app.
    type: str
    required: true
  state:
    description:
      - V(started) starts the app when it is absent (from O(script) or O(ecosystem)),
        stopped or errored, and restarts it when its O(max_memory_restart) differs;
        an online app is left alone.
      - V(restarted) and V(reloaded) always act (C(pm2 restart) / C(pm2 reload));
        an absent app is started when O(script) or O(ecosystem) is given.
      - V(stopped) stops an app that is not stopped; V(absent) deletes it from PM2.
      - An unknown app is an error unless it can be started from O(script) or O(ecosystem).
    type: str
    choices: [started, stopped, restarted, reloaded, absent]
    default: started
  script:
    description: Script to start when the app is absent (C(pm2 start SCRIPT --name NAME)).
    type: path
  args:
    description: Arguments for O(script) (after C(--)).
    type: list
    elements: str
  cwd:
    description: Working directory of a new app.
    type: path
  interpreter:
    description: Interpreter of a new app (for example C(python3)); PM2 uses node by default.
    type: str
  instances:
    description: Number of instances of a new app (cluster mode for node apps).
    type: int
  ecosystem:
    description: Ecosystem file to start the app from (C(pm2 start FILE --only NAME)).
    type: path
  ecosystem_env:
    description: Environment section of O(ecosystem) to use (C(--env NAME)).
    type: str
  env:
    description:
      - Environment variables for the C(pm2) commands this module runs; a new app
        gets them, an existing one only with O(update_env).
      - Values are never logged or returned.
    type: dict
  update_env:
    description: Pass C(--update-env) to restart and reload so the app gets the current environment.
    type: bool
    default: false
  max_memory_restart:
    description:
      - Memory limit after which PM2 restarts the app (C(500M), C(1G)).
      - With O(state=started), an online app whose limit differs is restarted with the new limit.
    type: str
  flush_logs:
    description: Empty the app's log files (C(pm2 flush NAME)); changed only when they were not empty.
    type: bool
    default: false
  user:
    description:
      - The user the PM2 daemon runs as. When it is not the user running the module,
        commands run through C(runuser -u USER --), which needs root (C(become)).
    type: str
  pm2_home:
    description: The PM2_HOME of the daemon; defaults to C(~USER/.pm2) or the E(PM2_HOME) of the module.
    type: path
  pm2_path:
    description: The C(pm2) program; looked up in E(PATH) when unset.
    type: path
  min_uptime:
    description: Seconds the app must have been up (with a stable restart count) to count as healthy.
    type: int
    default: 5
notes:
  - A crash-looping app fails fast, as soon as its restart count moves while waiting.
seealso:
  - module: saasops.maintenance.pm2_info
"""

EXAMPLES = r"""
- name: Restart the backend and wait until its health endpoint answers
  saasops.maintenance.pm2_process:
    name: stairs-backend
    state: restarted
    update_env: true
    user: deploy
    health_url: http://127.0.0.1:5000/api/health
    min_uptime: 10

- name: Make sure the backend runs, with a memory limit
  saasops.maintenance.pm2_process:
    name: stairs-backend
    script: /var/www/stairs-new/backend/src/index.js
    cwd: /var/www/stairs-new/backend
    max_memory_restart: 500M
    user: deploy

- name: Start from an ecosystem file
  saasops.maintenance.pm2_process:
    name: api
    ecosystem: /srv/app/ecosystem.config.js
    ecosystem_env: production
"""

RETURN = r"""
name:
  description: The app.
  returned: always
  type: str
action:
  description: What was done (or would be done in check mode) - started, restarted, reloaded, stopped, deleted or none.
  returned: always
  type: str
  sample: restarted
pids_before:
  description: PIDs of the app's processes before.
  returned: always
  type: list
  elements: int
pids:
  description: PIDs of the app's processes after.
  returned: always
  type: list
  elements: int
status:
  description: Distinct statuses of the app's processes after (C(absent) when it has none).
  returned: always
  type: list
  elements: str
processes:
  description: The app's processes after (see M(saasops.maintenance.pm2_info) for the fields); no environment.
  returned: always
  type: list
  elements: dict
health:
  description: The passed health gate - seconds waited, restart counts, and the URL's status code and latency.
  returned: when the app was started, restarted or reloaded
  type: dict
  sample: {"passed": true, "waited": 5.6, "min_uptime": 5, "restarts": [3], "url": "http://127.0.0.1:5000/health", "status_code": 200, "latency_ms": 1.9}
flushed_logs:
  description: Whether the app's logs were (or would be) flushed.
  returned: when O(flush_logs=true)
  type: bool
commands:
  description: The pm2 commands run (argv lists; no environment values).
  returned: always
  type: list
  elements: list
pm2_home:
  description: The PM2_HOME used.
  returned: always
  type: str
error_log:
  description: The app's last error-log lines.
  returned: when the health gate failed
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.saasops.maintenance.plugins.module_utils.common import MaintenanceError
from ansible_collections.saasops.maintenance.plugins.module_utils.endpoints import HEALTH_GATE_ARGS
from ansible_collections.saasops.maintenance.plugins.module_utils.pm2 import Pm2, Pm2Process


def main() -> None:
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            state=dict(type="str", default="started", choices=["started", "stopped", "restarted", "reloaded", "absent"]),
            script=dict(type="path"),
            args=dict(type="list", elements="str"),
            cwd=dict(type="path"),
            interpreter=dict(type="str"),
            instances=dict(type="int"),
            ecosystem=dict(type="path"),
            ecosystem_env=dict(type="str"),
            env=dict(type="dict", no_log=True),
            update_env=dict(type="bool", default=False),
            max_memory_restart=dict(type="str"),
            flush_logs=dict(type="bool", default=False),
            user=dict(type="str"),
            pm2_home=dict(type="path"),
            pm2_path=dict(type="path"),
            min_uptime=dict(type="int", default=5),
            **HEALTH_GATE_ARGS
        ),
        mutually_exclusive=[["script", "ecosystem"]],
        required_by={"ecosystem_env": "ecosystem", "args": "script", "interpreter": "script"},
        supports_check_mode=True,
    )
    try:
        pm2 = Pm2(module, module.params["pm2_path"], module.params["pm2_home"], module.params["user"])
        result = Pm2Process(pm2, module.params, check_mode=module.check_mode).run()
    except MaintenanceError as err:
        module.fail_json(msg=str(err), **err.details)
    if not module._diff:
        result.pop("diff", None)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
