#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, saasops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
module: compose_service
short_description: Start, stop or restart docker-compose services, health-gated
version_added: 0.1.0
description:
  - Brings services of a compose project to O(state) - the runbooks'
    C(docker-compose restart web), C(up -d), C(stop) - and reports them before and after.
  - Every start or restart is health-gated. The module waits until every container
    of the service runs, its healthcheck (when the service has one) is C(healthy),
    it has been up for O(min_uptime) seconds, its restart count has not moved, and
    O(health_url) (when given) answers 2xx. Otherwise it fails with the reason and
    the service's last log lines (C(docker-compose logs --tail)), so a broken
    deploy stops the play instead of looking done.
  - Results never contain the container environment.
author:
  - saasops maintainers (@saasops)
extends_documentation_fragment:
  - saasops.maintenance.attributes
  - saasops.maintenance.compose
  - saasops.maintenance.health_gate
attributes:
  check_mode:
    support: full
    details: Reads the containers and reports the actions it would take.
  diff_mode:
    support: full
    details: Shows the state of each service before and after.
options:
  services:
    description: The services to act on; all declared services by default. An unknown service is an error.
    type: list
    elements: str
    default: []
  state:
    description:
      - V(started) starts the services that do not run (C(start), or C(up -d --no-recreate)
        for a service without a container) and leaves running ones alone.
      - V(restarted) always restarts them (C(docker-compose restart)).
      - V(stopped) stops the ones that run.
    type: str
    choices: [started, stopped, restarted]
    default: started
  min_uptime:
    description: Seconds a container must have been up (with a stable restart count) to count as healthy.
    type: int
    default: 2
  log_lines:
    description: Log lines of the failing service to put in the error of a failed health gate.
    type: int
    default: 30
notes:
  - A container that exits or restarts while waiting fails the gate at once.
seealso:
  - module: saasops.maintenance.compose_info
  - module: saasops.maintenance.pm2_process
"""

EXAMPLES = r"""
- name: Restart the web service and wait until the app answers
  saasops.maintenance.compose_service:
    files: [/srv/app/docker-compose.yml]
    services: [web]
    state: restarted
    health_url: http://127.0.0.1:8000/health/

- name: Make sure every service of the project runs
  saasops.maintenance.compose_service:
    project_dir: /srv/app
    state: started
"""

RETURN = r"""
actions:
  description: What was done (or would be done in check mode) to each service - created, started, restarted or stopped.
  returned: always
  type: dict
  sample: {"web": "restarted"}
services:
  description: The services after, as M(saasops.maintenance.compose_info) returns them.
  returned: always
  type: list
  elements: dict
services_before:
  description: The services before.
  returned: always
  type: list
  elements: dict
health:
  description: The passed health gate - seconds waited, restart counts, and the URL's status code and latency.
  returned: when a service was started or restarted
  type: dict
  sample: {"passed": true, "waited": 2.6, "min_uptime": 2, "restart_counts": [0], "url": "http://127.0.0.1:8000/health/", "status_code": 200, "latency_ms": 1.2}
commands:
  description: The compose commands run (argv lists).
  returned: always
  type: list
  elements: list
logs:
  description: The failing service's last log lines.
  returned: when the health gate failed
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.saasops.maintenance.plugins.module_utils.common import MaintenanceError
from ansible_collections.saasops.maintenance.plugins.module_utils.compose import COMPOSE_ARGS, ComposeService, compose_from_params
from ansible_collections.saasops.maintenance.plugins.module_utils.endpoints import HEALTH_GATE_ARGS


def main() -> None:
    module = AnsibleModule(
        argument_spec=dict(
            COMPOSE_ARGS,
            services=dict(type="list", elements="str", default=[]),
            state=dict(type="str", default="started", choices=["started", "stopped", "restarted"]),
            min_uptime=dict(type="int", default=2),
            log_lines=dict(type="int", default=30),
            **HEALTH_GATE_ARGS
        ),
        supports_check_mode=True,
    )
    try:
        result = ComposeService(compose_from_params(module), module.params, check_mode=module.check_mode).run()
    except MaintenanceError as err:
        module.fail_json(msg=str(err), **err.details)
    if not module._diff:
        result.pop("diff", None)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
