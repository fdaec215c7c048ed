#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, saasops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
module: pg_info
short_description: Health facts of a PostgreSQL server and database
version_added: 0.1.0
description:
  - Reads, in one read-only pass, what the runbooks paste into psql by hand -
    database size, connections by state against C(max_connections), long-running
    and idle-in-transaction sessions, the cache hit ratio, the largest tables
    (the runbooks' bloat query, for every user schema), unused indexes and the
    transaction ID wraparound age.
  - Adds the top statements from C(pg_stat_statements) when that extension is
    installed and loaded, and says clearly when it is not (C(not installed) or
    C(not loaded)).
  - With O(thresholds) it also returns C(info.at_risk), the list of what crosses a
    threshold (what the M(saasops.maintenance.pg_health) role asserts on).
author:
  - saasops maintainers (@saasops)
extends_documentation_fragment:
  - saasops.maintenance.postgres
  - saasops.maintenance.attributes
attributes:
  check_mode:
    support: full
    details: Only reads; runs the same in check mode.
  diff_mode:
    support: none
options:
  db:
    description:
      - Database to inspect (server-wide facts are the same from any database).
        Defaults to the database of O(uri), else C(postgres).
    type: str
    aliases: [database]
  gather:
    description:
      - Sections to return. All by default.
    type: list
    elements: str
    choices: [database, connections, sessions, cache, tables, indexes, wraparound, statements]
  long_running_seconds:
    description:
      - An active query running longer than this is listed in C(sessions.long_running).
    type: float
    default: 300
  idle_in_transaction_seconds:
    description:
      - A session idle in a transaction for longer than this is listed in C(sessions.idle_in_transaction).
    type: float
    default: 60
  limit:
    description:
      - Entries in the lists of largest tables, unused indexes and top statements.
    type: int
    default: 10
  query_chars:
    description:
      - Characters of query text kept per session or statement (query text can hold personal data).
    type: int
    default: 200
  thresholds:
    description:
      - When set, C(info.at_risk) lists what crosses these limits. Missing keys take
        their defaults; a key set to null is not checked.
      - C(connections_ratio) (0.8) - client connections over C(max_connections).
      - C(wraparound_age) (1000000000) - the oldest C(datfrozenxid) age of any database.
      - C(cache_hit_ratio) (0.95) - below this the database reads too much from disk.
      - C(long_running) (0) and C(idle_in_transaction) (0) - how many such sessions are tolerated.
    type: dict
seealso:
  - module: saasops.maintenance.pg_maintenance
  - module: saasops.maintenance.pg_sessions
"""

EXAMPLES = r"""
- name: Read the health facts of the application database
  saasops.maintenance.pg_info:
    db: stairs_production
    login_unix_socket: /run/postgresql
    login_user: postgres
  register: health

- name: Show the largest tables
  ansible.builtin.debug:
    msg: "{{ health.info.tables | map(attribute='size') }}"

- name: What is at risk with stricter limits
  saasops.maintenance.pg_info:
    db: stairs_production
    gather: [connections, cache, wraparound, sessions]
    thresholds:
      connections_ratio: 0.7
      cache_hit_ratio: 0.99
"""

RETURN = r"""
info:
  description: The facts, one key per gathered section, plus C(server_version) and C(server_version_num).
  returned: always
  type: dict
  contains:
    database:
      description: C(name), C(bytes) and C(size) (human readable).
      type: dict
    connections:
      description: C(total) client connections, C(max_connections), C(superuser_reserved), C(ratio) and C(by_state).
      type: dict
      sample: {total: 12, max_connections: 100, ratio: 0.12, by_state: {active: 1, idle: 11}}
    sessions:
      description: C(long_running) and C(idle_in_transaction) lists of pid, user, database, application_name,
        client_addr, state, seconds and (truncated) query.
      type: dict
    cache:
      description: C(blocks_hit), C(blocks_read) and C(hit_ratio) of the database (null before any read).
      type: dict
    tables:
      description:
        - Largest tables with schema, name, bytes, size, live and dead tuples and the last (auto)vacuum and analyze.
        - A table locked exclusively (C(locked), for example by C(VACUUM FULL)) is sized from C(pg_class) instead of waiting.
      type: list
    indexes:
      description: C(unused) - indexes never scanned (not unique, not primary keys), largest first.
      type: dict
    wraparound:
      description: C(max_age), C(ratio) of the 2^31 limit, per-database ages, C(autovacuum_freeze_max_age)
        and the oldest tables of this database.
      type: dict
    statements:
      description: C(status) (C(installed), C(not installed), C(not loaded)), C(message) when not usable,
        and C(top) statements by total time (query, calls, total_ms, mean_ms, rows).
      type: dict
    at_risk:
      description: With O(thresholds) - a list of C(check), C(value), C(threshold), C(message) and C(database).
      type: list
      returned: when O(thresholds) is set
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.saasops.maintenance.plugins.module_utils.common import MaintenanceError
from ansible_collections.saasops.maintenance.plugins.module_utils.pg_info import SECTIONS, PgInfo
from ansible_collections.saasops.maintenance.plugins.module_utils.postgres import (
    POSTGRES_MUTUALLY_EXCLUSIVE, Postgres, postgres_argument_spec,
)


def main() -> None:
    argument_spec = postgres_argument_spec()
    argument_spec.update(
        db=dict(type="str", aliases=["database"]),
        gather=dict(type="list", elements="str", choices=SECTIONS),
        long_running_seconds=dict(type="float", default=300),
        idle_in_transaction_seconds=dict(type="float", default=60),
        limit=dict(type="int", default=10),
        query_chars=dict(type="int", default=200),
        thresholds=dict(type="dict"),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True,
                           mutually_exclusive=POSTGRES_MUTUALLY_EXCLUSIVE)
    try:
        pg = Postgres.from_params(module, module.params)
        result = PgInfo(pg, module.params).run()
    except MaintenanceError as err:
        module.fail_json(msg=str(err), **err.details)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
