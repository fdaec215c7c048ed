#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, saasops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
module: pg_sessions
short_description: Terminate idle and runaway PostgreSQL sessions
version_added: 0.1.0
description:
  - Ends (C(pg_terminate_backend)) client sessions idle longer than
    O(idle_minutes), idle in a transaction longer than O(idle_in_transaction_minutes)
    and, optionally, queries running longer than O(running_minutes) - what the
    runbooks do by hand when "too many connections" hits.
  - Never ends its own session. Replication (walsender) and superuser sessions,
    and background workers, are left alone unless O(include_replication) or
    O(include_superusers) say otherwise.
  - Filters by database, user and application name. A session is ended only if it
    still matches when the terminate statement runs (same pid and start time,
    still over the threshold).
author:
  - saasops maintainers (@saasops)
extends_documentation_fragment:
  - saasops.maintenance.postgres
  - saasops.maintenance.attributes
attributes:
  check_mode:
    support: full
    details: Lists the sessions it would end; ends none.
  diff_mode:
    support: none
options:
  db:
    description:
      - Database to connect to (sessions of every database are considered, see O(databases)).
        Defaults to the database of O(uri), else C(postgres).
    type: str
    aliases: [database]
  idle_minutes:
    description:
      - End sessions idle (state C(idle)) for at least this many minutes. Fractions are allowed.
    type: float
  idle_in_transaction_minutes:
    description:
      - End sessions idle inside a transaction for at least this many minutes
        (they hold locks and stop vacuum).
    type: float
  running_minutes:
    description:
      - End sessions whose current query has run for at least this many minutes.
    type: float
  databases:
    description:
      - Only sessions connected to these databases. Empty means all.
    type: list
    elements: str
    default: []
  users:
    description:
      - Only sessions of these roles. Empty means all.
    type: list
    elements: str
    default: []
  application_names:
    description:
      - Only sessions whose application_name matches one of these shell-style patterns
        (C(*) and C(?)). Empty means all.
    type: list
    elements: str
    default: []
  include_superusers:
    description:
      - Also end sessions of superusers (needs a superuser login).
    type: bool
    default: false
  include_replication:
    description:
      - Also end replication (walsender) sessions. Ending them breaks streaming replicas until they reconnect.
    type: bool
    default: false
  query_chars:
    description:
      - Characters of each session's query text returned.
    type: int
    default: 200
notes:
  - A non-superuser can only end sessions of roles it is a member of, or with the
    C(pg_signal_backend) role.
"""

EXAMPLES = r"""
- name: Free connections - end sessions idle for 10 minutes (the runbook's command)
  saasops.maintenance.pg_sessions:
    idle_minutes: 10
    login_unix_socket: /run/postgresql
    login_user: postgres

- name: List (only) the application's runaway queries
  saasops.maintenance.pg_sessions:
    running_minutes: 30
    databases: [stairs_production]
    application_names: ["node-*", "prisma*"]
  check_mode: true
"""

RETURN = r"""
sessions:
  description:
    - The sessions that matched, with pid, user, database, application_name,
      client_addr, backend_type, state, reason (C(idle), C(idle in transaction),
      C(running)), seconds in that state, superuser, backend_start, query (truncated)
      and terminated (false in check mode).
  returned: always
  type: list
  elements: dict
terminated:
  description: How many sessions were ended.
  returned: always
  type: int
own_pid:
  description: The backend pid of the module's own session (never ended).
  returned: always
  type: int
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.saasops.maintenance.plugins.module_utils.common import MaintenanceError
from ansible_collections.saasops.maintenance.plugins.module_utils.pg_sessions import PgSessions
from ansible_collections.saasops.maintenance.plugins.module_utils.postgres import (
    POSTGRES_MUTUALLY_EXCLUSIVE, Postgres, postgres_argument_spec,
)


def main() -> None:
    argument_spec = postgres_argument_spec()
    argument_spec.update(
        db=dict(type="str", aliases=["database"]),
        idle_minutes=dict(type="float"),
        idle_in_transaction_minutes=dict(type="float"),
        running_minutes=dict(type="float"),
        databases=dict(type="list", elements="str", default=[]),
        users=dict(type="list", elements="str", default=[]),
        application_names=dict(type="list", elements="str", default=[]),
        include_superusers=dict(type="bool", default=False),
        include_replication=dict(type="bool", default=False),
        query_chars=dict(type="int", default=200),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True,
                           mutually_exclusive=POSTGRES_MUTUALLY_EXCLUSIVE,
                           required_one_of=[("idle_minutes", "idle_in_transaction_minutes", "running_minutes")])
    try:
        pg = Postgres.from_params(module, module.params)
        result = PgSessions(pg, module.params, check_mode=module.check_mode).run()
    except MaintenanceError as err:
        module.fail_json(msg=str(err), **err.details)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
