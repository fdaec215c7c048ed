#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, saasops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
module: pg_report
short_description: Run named read-only report queries against PostgreSQL
version_added: 0.1.0
description:
  - Runs each query of O(queries) in its own session, inside a C(READ ONLY)
    transaction with a C(statement_timeout), and returns its rows (as JSON built by
    the server, so numbers stay numbers) under its name.
  - The session also has C(default_transaction_read_only) on, so a statement that
    would write is refused by the server; the module then fails and says which
    report tried to write.
  - This protects against mistakes, not against a hostile author (a query could
    switch the setting off); give reports a login role that can only read.
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
      - Database to query. Defaults to the database of O(uri).
    type: str
    aliases: [database]
  queries:
    description:
      - Report name to SQL text. Each is one query returning rows (usually a
        C(SELECT)); a trailing semicolon is allowed. Statements that cannot be
        wrapped in a subquery (C(SHOW), C(EXPLAIN)) run as they are and return text values.
      - Values come in through O(variables) as psql variables (C(:'days') is a quoted
        literal), never by templating them into the SQL.
      - A backslash is refused (psql would read it as a meta-command).
    type: dict
    required: true
  variables:
    description:
      - psql variables available to every query, for example C(days=7) for C(:'days').
      - They are passed on the C(psql) command line; never put secrets in them.
    type: dict
    default: {}
  statement_timeout:
    description:
      - Longest run of one query, a PostgreSQL duration (C(30s)).
    type: str
    default: 30s
  max_rows:
    description:
      - Rows kept per report; C(truncated) says when there were more.
    type: int
    default: 1000
  fail_on_error:
    description:
      - Fail the task when a report fails or is refused. When false, the failure is
        in that report's C(status) and C(error) and the others still run.
    type: bool
    default: true
seealso:
  - module: saasops.maintenance.pg_info
"""

EXAMPLES = r"""
- name: The runbooks' weekly reports
  saasops.maintenance.pg_report:
    db: stairs_production
    login_unix_socket: /run/postgresql
    login_user: report_reader
    variables:
      days: 7
    queries:
      failed_payments: >-
        SELECT * FROM "EventOrders"
        WHERE "paymentStatus" = 'FAILED' AND "createdAt" > now() - make_interval(days => :'days'::int)
      expiring_subscriptions: >-
        SELECT c.id, u.email, c."subscriptionExpiry" FROM "Coaches" c JOIN "Users" u ON c."userId" = u.id
        WHERE c."subscriptionExpiry" < now() + make_interval(days => :'days'::int) AND c."subscriptionExpiry" > now()
      new_registrations: >-
        SELECT date("createdAt") AS day, count(*) FROM "Users"
        WHERE "createdAt" > now() - make_interval(days => :'days'::int) GROUP BY 1 ORDER BY 1
      admin_users: >-
        SELECT u.email, u."createdAt" FROM "Users" u WHERE u.role = 'ADMIN'
  register: weekly

- name: Show the failed payments
  ansible.builtin.debug:
    var: weekly.reports.failed_payments.rows
"""

RETURN = r"""
reports:
  description:
    - Report name to C(status) (C(ok), C(refused) for a write, C(failed)), C(rows) (list of
      dicts, column name to value), C(row_count), C(truncated), C(duration) and, on failure,
      C(error) and C(sqlstate).
  returned: always
  type: dict
  sample:
    admin_users:
      status: ok
      rows: [{email: admin@example.com, createdAt: "2026-01-05T10:00:00+00:00"}]
      row_count: 1
      truncated: false
      duration: 0.041
failed_queries:
  description: Names of the reports that failed or were refused.
  returned: always
  type: list
  elements: str
database:
  description: The database queried.
  returned: always
  type: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.saasops.maintenance.plugins.module_utils.common import MaintenanceError
from ansible_collections.saasops.maintenance.plugins.module_utils.pg_report import PgReport
from ansible_collections.saasops.maintenance.plugins.module_utils.postgres import (
    POSTGRES_MUTUALLY_EXCLUSIVE, Postgres, postgres_argument_spec,
)


def main() -> None:
    argument_spec = postgres_argument_spec()
    argument_spec.update(
        db=dict(type="str", aliases=["database"]),
        queries=dict(type="dict", required=True),
        variables=dict(type="dict", default={}),
        statement_timeout=dict(type="str", default="30s"),
        max_rows=dict(type="int", default=1000),
        fail_on_error=dict(type="bool", default=True),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True,
                           mutually_exclusive=POSTGRES_MUTUALLY_EXCLUSIVE)
    try:
        pg = Postgres.from_params(module, module.params)
        result = PgReport(pg, module.params).run()
    except MaintenanceError as err:
        module.fail_json(msg=str(err), **err.details)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
