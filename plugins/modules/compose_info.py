#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, saasops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
module: compose_info
short_description: The state of the services of a docker-compose project (the runbooks' docker-compose ps)
version_added: 0.1.0
description:
  - Lists the declared services of a compose project with their containers -
    status, health (when the service has a healthcheck), exit code, restart count
    and uptime; optionally the last log lines of each service (C(docker-compose logs)).
  - Never returns the container environment (C(docker inspect) carries it, secrets included).
author:
  - saasops maintainers (@saasops)
extends_documentation_fragment:
  - saasops.maintenance.attributes
  - saasops.maintenance.compose
attributes:
  check_mode:
    support: full
    details: Read-only.
  diff_mode:
    support: none
options:
  services:
    description: Only these services; all declared services by default. An unknown service is an error.
    type: list
    elements: str
    default: []
  log_lines:
    description: Return this many last log lines of each service (0 for none).
    type: int
    default: 0
seealso:
  - module: saasops.maintenance.compose_service
"""

EXAMPLES = r"""
- name: Service status, as docker-compose ps
  saasops.maintenance.compose_info:
    files: [/srv/app/docker-compose.yml]
  register: app_services

- name: Fail when a service is down
  ansible.builtin.assert:
    that: app_services.not_running | length == 0
    fail_msg: "down: {{ app_services.not_running | join(', ') }}"
"""

RETURN = r"""
services:
  description: One entry a service - C(name), C(state) (running, stopped, partial or absent) and C(containers).
  returned: always
  type: list
  elements: dict
  sample:
    - name: web
      state: running
      containers:
        - {"service": "web", "container": "app_web_1", "id": "0c5d1f0e2b7a", "status": "running", "running": true,
           "health": null, "exit_code": 0, "restart_count": 0, "started_at": "2026-12-03T02:00:01.2Z", "uptime": 3600.4}
running:
  description: Services whose containers all run.
  returned: always
  type: list
  elements: str
not_running:
  description: Services that are stopped, partly running or have no container.
  returned: always
  type: list
  elements: str
unhealthy:
  description: Services with a container whose healthcheck is not C(healthy).
  returned: always
  type: list
  elements: str
restarts:
  description: Sum of the restart counts of the containers.
  returned: always
  type: int
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.saasops.maintenance.plugins.module_utils.common import MaintenanceError
from ansible_collections.saasops.maintenance.plugins.module_utils.compose import COMPOSE_ARGS, compose_from_params, compose_info


def main() -> None:
    module = AnsibleModule(
        argument_spec=dict(COMPOSE_ARGS, services=dict(type="list", elements="str", default=[]),
                           log_lines=dict(type="int", default=0)),
        supports_check_mode=True,
    )
    try:
        result = compose_info(compose_from_params(module), module.params["services"], module.params["log_lines"])
    except MaintenanceError as err:
        module.fail_json(msg=str(err), **err.details)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
