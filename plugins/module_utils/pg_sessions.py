# -*- coding: utf-8 -*-
# Copyright: (c) 2026, saasops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Terminate idle and runaway PostgreSQL sessions (logic of pg_sessions).

The candidates and the termination are both decided by the server: the list
query and the terminate statement apply the same conditions, and the terminate
statement re-checks each session (same pid, same backend start, still over the
threshold), so a session that became busy in between is left alone.
"""

from __future__ import annotations

import json

from ansible_collections.saasops.maintenance.plugins.module_utils.common import MaintenanceError

__metaclass__ = type

# The conditions, shared by the listing and the termination. Thresholds are
# seconds; a negative one turns its criterion off.
MATCH_SQL = r"""
  FROM pg_stat_activity a
  LEFT JOIN pg_roles r ON r.oid = a.usesysid
  CROSS JOIN LATERAL (SELECT CASE
       WHEN a.state = 'idle' AND :'idle_seconds'::float >= 0
            AND now() - a.state_change >= make_interval(secs => :'idle_seconds'::float) THEN 'idle'
       WHEN a.state LIKE 'idle in transaction%' AND :'idle_in_transaction_seconds'::float >= 0
            AND now() - a.state_change >= make_interval(secs => :'idle_in_transaction_seconds'::float)
            THEN 'idle in transaction'
       WHEN a.state = 'active' AND :'running_seconds'::float >= 0
            AND now() - a.query_start >= make_interval(secs => :'running_seconds'::float) THEN 'running'
       END AS reason) m
  WHERE a.pid <> pg_backend_pid()
    AND m.reason IS NOT NULL
    AND (a.backend_type = 'client backend' OR (:'include_replication' = 'yes' AND a.backend_type = 'walsender'))
    AND (:'include_superusers' = 'yes' OR NOT coalesce(r.rolsuper, false))
    AND (:'databases' = '[]' OR a.datname IN (SELECT json_array_elements_text(:'databases'::json)))
    AND (:'users' = '[]' OR a.usename IN (SELECT json_array_elements_text(:'users'::json)))
    AND (:'application_names' = '[]'
         OR a.application_name LIKE ANY (SELECT json_array_elements_text(:'application_names'::json)))
"""

COLUMNS_SQL = r"""a.pid, a.usename AS "user", a.datname AS database, a.application_name,
       a.client_addr::text AS client_addr, a.backend_type, a.state, m.reason,
       coalesce(r.rolsuper, false) AS superuser,
       round(extract(epoch FROM now() - CASE WHEN m.reason = 'running' THEN a.query_start
                                             ELSE a.state_change END))::bigint AS seconds,
       to_char(a.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS backend_start,
       left(a.query, :'query_chars'::int) AS query"""

LIST_SQL = ("SELECT json_build_object('own_pid', pg_backend_pid(), 'sessions', coalesce("
            "(SELECT json_agg(x ORDER BY x.pid) FROM (SELECT " + COLUMNS_SQL + MATCH_SQL + ") x), '[]'::json));\n")

# Only the sessions listed (pid and backend start), and only if they still match.
TERMINATE_SQL = ("SELECT json_build_object('own_pid', pg_backend_pid(), 'sessions', coalesce("
                 "(SELECT json_agg(x ORDER BY x.pid) FROM (SELECT " + COLUMNS_SQL
                 + ", pg_terminate_backend(a.pid) AS terminated" + MATCH_SQL
                 + "    AND (a.pid, to_char(a.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')) IN"
                 " (SELECT p.pid, p.backend_start FROM json_to_recordset(:'targets'::json)"
                 " AS p(pid int, backend_start text))) x), '[]'::json));\n")


def seconds(minutes):
    return -1 if minutes is None else float(minutes) * 60


class PgSessions:
    def __init__(self, pg, params, check_mode=False):
        self.pg = pg
        self.p = params
        self.check_mode = check_mode
        self.db = params.get("db") or pg.default_db or "postgres"
        if all(params.get(k) is None for k in ("idle_minutes", "idle_in_transaction_minutes", "running_minutes")):
            raise MaintenanceError("nothing to terminate: set idle_minutes, idle_in_transaction_minutes "
                                   "or running_minutes")
        for key in ("idle_minutes", "idle_in_transaction_minutes", "running_minutes"):
            if params.get(key) is not None and params[key] < 0:
                raise MaintenanceError("%s must be 0 or more" % key)
        self.variables = dict(
            idle_seconds=seconds(params.get("idle_minutes")),
            idle_in_transaction_seconds=seconds(params.get("idle_in_transaction_minutes")),
            running_seconds=seconds(params.get("running_minutes")),
            include_replication="yes" if params.get("include_replication") else "no",
            include_superusers="yes" if params.get("include_superusers") else "no",
            databases=json.dumps(params.get("databases") or []),
            users=json.dumps(params.get("users") or []),
            application_names=json.dumps([glob_to_like(p) for p in params.get("application_names") or []]),
            query_chars=params.get("query_chars", 200),
        )

    def run(self):
        listed = self.pg.psql_json(LIST_SQL, db=self.db, variables=self.variables,
                                   what="listing the sessions on %s" % self.pg.target())
        sessions = listed["sessions"]
        result = dict(changed=False, check_mode=self.check_mode, terminated=0, sessions=sessions)
        if self.check_mode or not sessions:
            for item in sessions:
                item["terminated"] = False
            result["changed"] = bool(sessions)
            result["own_pid"] = listed["own_pid"]
            return result
        targets = json.dumps([dict(pid=s["pid"], backend_start=s["backend_start"]) for s in sessions])
        done = self.pg.psql_json(TERMINATE_SQL, db=self.db, variables=dict(self.variables, targets=targets),
                                 what="terminating sessions on %s" % self.pg.target())
        ended = {s["pid"]: s for s in done["sessions"]}
        for item in sessions:
            item["terminated"] = bool(ended.get(item["pid"], {}).get("terminated"))
        result["terminated"] = len([s for s in sessions if s["terminated"]])
        result["changed"] = result["terminated"] > 0
        result["own_pid"] = done["own_pid"]
        return result


def glob_to_like(pattern):
    """Shell-style * and ? to a LIKE pattern (LIKE's own % and _ are escaped)."""
    out = []
    for char in pattern:
        if char in "%_\\":
            out.append("\\" + char)
        elif char == "*":
            out.append("%")
        elif char == "?":
            out.append("_")
        else:
            out.append(char)
    return "".join(out)
