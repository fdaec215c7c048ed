#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, saasops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
module: pg_maintenance
short_description: Measured VACUUM, ANALYZE and REINDEX of the PostgreSQL tables that need it
version_added: 0.1.0
description:
  - Picks the tables of one database that need maintenance from the server's
    statistics (dead-tuple ratio, estimated bloat, time since the last vacuum or
    analyze), or takes the tables it is told, and runs C(VACUUM (ANALYZE)),
    C(ANALYZE), C(VACUUM FULL) (opt-in, per table) and C(REINDEX) on them.
  - C(REINDEX) runs C(CONCURRENTLY) where the server supports it (PostgreSQL 12
    and later), for tables, single indexes or the whole database.
  - Every statement runs with O(lock_timeout) and O(statement_timeout), so it
    never queues the application behind a lock for long. A table whose lock
    cannot be taken in time is reported as C(skipped) and the run goes on.
  - The result has, per table, the size and the dead tuples before and after and
    the seconds each statement took.
  - Object names reach the server only as psql identifier variables, so names
    with quotes, spaces, semicolons or unicode are quoted correctly.
author:
  - saasops maintainers (@saasops)
extends_documentation_fragment:
  - saasops.maintenance.postgres
  - saasops.maintenance.attributes
attributes:
  check_mode:
    support: full
    details: Reads the statistics and returns the plan (tables, reasons, statements); runs nothing.
  diff_mode:
    support: none
options:
  db:
    description:
      - Database to maintain. Defaults to the database of O(uri).
    type: str
    aliases: [database]
  operations:
    description:
      - What to do to the selected tables. C(vacuum) and C(analyze) together run
        C(VACUUM (ANALYZE)); C(reindex) runs C(REINDEX TABLE) after it.
      - A table selected only by O(analyze_age_hours) is only analyzed.
    type: list
    elements: str
    choices: [vacuum, analyze, reindex]
    default: [vacuum, analyze]
  tables:
    description:
      - Tables to process regardless of the thresholds, as C(schema.table) or a bare
        table name (which must then be unique across schemas). When set, the
        thresholds, O(include) and O(exclude) are not used.
    type: list
    elements: str
    default: []
  include:
    description:
      - Shell-style patterns (C(public.*), C(*orders*)) matched against C(schema.table)
        and the bare table name; only matching tables are considered. Empty means all.
    type: list
    elements: str
    default: []
  exclude:
    description:
      - Shell-style patterns of tables never selected by the thresholds.
    type: list
    elements: str
    default: []
  vacuum_full:
    description:
      - Tables that get C(VACUUM FULL) instead of C(VACUUM); they are always processed.
      - C(VACUUM FULL) rewrites the table under an exclusive lock, so the application
        cannot read it meanwhile. Opt in per table, in a maintenance window.
    type: list
    elements: str
    default: []
  dead_tuple_ratio:
    description:
      - Select a table whose dead tuples are at least this fraction of its tuples
        (and at least O(min_dead_tuples)). C(0) turns this criterion off.
    type: float
    default: 0.1
  min_dead_tuples:
    description:
      - Dead tuples a table needs before O(dead_tuple_ratio) selects it (ignores tiny tables).
    type: int
    default: 1000
  bloat_ratio:
    description:
      - Select a table whose estimated bloat (free or dead space in its pages,
        estimated from C(pg_stats)) is at least this fraction. C(0) turns this off.
      - Plain C(VACUUM) makes that space reusable but rarely returns it to the
        system; list such tables in O(vacuum_full) to shrink them.
    type: float
    default: 0
  min_bloat_bytes:
    description:
      - Estimated bloat a table needs before O(bloat_ratio) selects it.
    type: int
    default: 1048576
  vacuum_age_hours:
    description:
      - Select a table not vacuumed (by hand or by autovacuum) for this many hours,
        or never. C(0) turns this off.
    type: float
    default: 0
  analyze_age_hours:
    description:
      - Analyze a table not analyzed for this many hours, or never. C(0) turns this off.
    type: float
    default: 0
  reindex_indexes:
    description:
      - Indexes to rebuild, as C(schema.index) or a bare index name.
    type: list
    elements: str
    default: []
  reindex_database:
    description:
      - Rebuild every index of the database (C(REINDEX DATABASE)). With
        O(concurrently) the system catalogs are skipped (the server warns).
    type: bool
    default: false
  concurrently:
    description:
      - Use C(REINDEX ... CONCURRENTLY) when the server supports it (12 and later),
        so reads and writes go on during the rebuild.
      - An interrupted concurrent rebuild leaves an invalid index named C(*_ccnew);
        drop it and run again.
    type: bool
    default: true
  lock_timeout:
    description:
      - Longest wait for a lock, a PostgreSQL duration (C(5s), C(500ms)). C(0) waits forever.
    type: str
    default: 5s
  statement_timeout:
    description:
      - Longest run of one statement, a PostgreSQL duration. C(0) means no limit.
    type: str
    default: 1h
notes:
  - VACUUM and REINDEX need the table's owner or a superuser; the module fails before
    doing anything when a selected table belongs to another role.
  - Each table is processed by its own C(psql) session; C(VACUUM) and
    C(REINDEX CONCURRENTLY) are sent as statements of their own, outside any transaction block.
seealso:
  - module: saasops.maintenance.pg_info
"""

EXAMPLES = r"""
- name: Vacuum and analyze the tables with more than 10% dead tuples
  saasops.maintenance.pg_maintenance:
    db: stairs_production
    login_unix_socket: /run/postgresql
    login_user: postgres

- name: Plan only (check mode shows the tables and the statements)
  saasops.maintenance.pg_maintenance:
    db: stairs_production
    dead_tuple_ratio: 0.05
    analyze_age_hours: 168
    exclude: ["audit.*"]
  check_mode: true

- name: Monthly - rebuild the indexes of the busiest tables without blocking writes
  saasops.maintenance.pg_maintenance:
    db: stairs_production
    tables: ['public.EventOrders', 'public.Users']
    operations: [vacuum, analyze, reindex]
    lock_timeout: 2s

- name: Shrink one table in a maintenance window
  saasops.maintenance.pg_maintenance:
    db: stairs_production
    vacuum_full: ['public.EventLogs']
    dead_tuple_ratio: 0
    lock_timeout: 30s
"""

RETURN = r"""
database:
  description: The database maintained.
  returned: always
  type: str
server_version_num:
  description: The server's version number (C(150004)).
  returned: always
  type: int
tables:
  description:
    - One entry per selected table, in the order processed.
    - C(status) is C(planned) (check mode), C(done), C(skipped) (lock timeout) or C(failed).
    - C(before) and C(after) hold C(bytes) (total with indexes and TOAST), C(table_bytes),
      C(index_bytes), C(live_tuples) and C(dead_tuples); C(seconds) holds the seconds per action.
  returned: always
  type: list
  elements: dict
  sample:
    - schema: public
      name: EventOrders
      qualified: public."EventOrders"
      reasons: [dead tuples 4000 of 10000 (40%)]
      actions: [vacuum, reindex]
      statements: ['VACUUM (ANALYZE) public."EventOrders"', 'REINDEX TABLE CONCURRENTLY public."EventOrders"']
      before: {bytes: 1884160, table_bytes: 1064960, index_bytes: 819200, live_tuples: 6000, dead_tuples: 4000}
      after: {bytes: 1310720, table_bytes: 1064960, index_bytes: 245760, live_tuples: 6000, dead_tuples: 0}
      seconds: {vacuum: 0.031, reindex: 0.052}
      duration: 0.118
      status: done
indexes:
  description: One entry per index of O(reindex_indexes), with C(before.bytes) and C(after.bytes).
  returned: always
  type: list
  elements: dict
database_reindex:
  description: The C(REINDEX DATABASE) step with the database size before and after, or null.
  returned: always
  type: dict
summary:
  description: Tables planned, done and skipped; total bytes and dead tuples before and after of the done ones.
  returned: always
  type: dict
  sample: {planned: 2, done: 2, skipped: 0, bytes_before: 3000000, bytes_after: 2100000,
           dead_tuples_before: 4100, dead_tuples_after: 0}
duration:
  description: Seconds the whole run took.
  returned: always
  type: float
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.saasops.maintenance.plugins.module_utils.common import MaintenanceError
from ansible_collections.saasops.maintenance.plugins.module_utils.pg_maintenance import OPERATIONS, PgMaintenance
from ansible_collections.saasops.maintenance.plugins.module_utils.postgres import (
    POSTGRES_MUTUALLY_EXCLUSIVE, Postgres, postgres_argument_spec,
)


def main() -> None:
    argument_spec = postgres_argument_spec()
    argument_spec.update(
        db=dict(type="str", aliases=["database"]),
        operations=dict(type="list", elements="str", choices=OPERATIONS, default=["vacuum", "analyze"]),
        tables=dict(type="list", elements="str", default=[]),
        include=dict(type="list", elements="str", default=[]),
        exclude=dict(type="list", elements="str", default=[]),
        vacuum_full=dict(type="list", elements="str", default=[]),
        dead_tuple_ratio=dict(type="float", default=0.1),
        min_dead_tuples=dict(type="int", default=1000),
        bloat_ratio=dict(type="float", default=0.0),
        min_bloat_bytes=dict(type="int", default=1048576),
        vacuum_age_hours=dict(type="float", default=0.0),
        analyze_age_hours=dict(type="float", default=0.0),
        reindex_indexes=dict(type="list", elements="str", default=[]),
        reindex_database=dict(type="bool", default=False),
        concurrently=dict(type="bool", default=True),
        lock_timeout=dict(type="str", default="5s"),
        statement_timeout=dict(type="str", default="1h"),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True,
                           mutually_exclusive=POSTGRES_MUTUALLY_EXCLUSIVE + [("tables", "include"), ("tables", "exclude")])
    try:
        pg = Postgres.from_params(module, module.params)
        result = PgMaintenance(pg, module.params, check_mode=module.check_mode).run()
    except MaintenanceError as err:
        module.fail_json(msg=str(err), **err.details)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
