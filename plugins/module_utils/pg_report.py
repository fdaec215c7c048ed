# -*- coding: utf-8 -*-
# Copyright: (c) 2026, saasops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Named read-only report queries (logic of pg_report).

Each query runs in its own session, inside ``BEGIN TRANSACTION READ ONLY`` with
a local statement_timeout, and with ``default_transaction_read_only=on`` for the
whole session, so a statement that would write is refused by the server. The
rows come back as JSON built by the server (``json_agg``), typed as PostgreSQL
types map to JSON.
"""

from __future__ import annotations

import json
import re

from ansible_collections.saasops.maintenance.plugins.module_utils.common import MaintenanceError, Stopwatch
from ansible_collections.saasops.maintenance.plugins.module_utils.postgres import FIELD_SEP, RECORD_SEP
from ansible_collections.saasops.maintenance.plugins.module_utils.runner import tail

__metaclass__ = type

PROLOGUE = ("\\set VERBOSITY verbose\n"
            "BEGIN TRANSACTION READ ONLY;\n"
            "SET LOCAL statement_timeout = :'statement_timeout';\n")

WRAPPED = ("SELECT coalesce(json_agg(q), '[]'::json) FROM (SELECT * FROM (\n%s\n) AS q0 "
           "LIMIT :'row_limit'::int) AS q;\nROLLBACK;\n")

# For statements that cannot be wrapped (SHOW, EXPLAIN, or a write the server must refuse).
RAW = "\\pset tuples_only off\n\\pset footer off\n%s;\nROLLBACK;\n"

ERROR_RE = re.compile(r"^(?:psql:[^\n]*?)?ERROR:\s+([0-9A-Z]{5}):\s*(.*)$", re.M)

READ_ONLY = "25006"
SYNTAX = "42601"
TIMEOUT = "57014"


def sqlstate(err):
    """(SQLSTATE, message) of the first server error in psql's verbose stderr."""
    match = ERROR_RE.search(err or "")
    if not match:
        return None, None
    return match.group(1), match.group(2).strip()


def clean(sql):
    text = (sql or "").strip()
    while text.endswith(";"):
        text = text[:-1].rstrip()
    return text


class PgReport:
    def __init__(self, pg, params):
        self.pg = pg
        self.p = params
        self.db = params.get("db") or pg.default_db
        if not self.db:
            raise MaintenanceError("no database given: set db (or a database in uri)")
        self.queries = params.get("queries") or {}
        if not self.queries:
            raise MaintenanceError("no queries given")
        for name, sql in self.queries.items():
            if not isinstance(sql, str) or not clean(sql):
                raise MaintenanceError("report query %r is empty or not a string" % name)
            if "\\" in sql:
                raise MaintenanceError("report query %r contains a backslash, which psql would read as a "
                                       "meta-command; write the value with chr() or pass it in variables" % name)
        self.max_rows = int(params.get("max_rows", 1000))
        self.variables = {k: str(v) for k, v in (params.get("variables") or {}).items()}
        bad = [k for k in self.variables if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", k)]
        if bad:
            raise MaintenanceError("variable names must be letters, digits and _: %s" % ", ".join(sorted(bad)))
        self.variables.update(statement_timeout=params.get("statement_timeout") or "30s",
                              row_limit=str(self.max_rows + 1))
        options = (pg.env.get("PGOPTIONS", "") + " -c default_transaction_read_only=on").strip()
        self.session_env = {"PGOPTIONS": options}

    def psql(self, script):
        argv = self.pg.psql_argv(self.db, self.variables)
        return self.pg.runner.run(argv, data=script, env=self.session_env, check=False)

    def one(self, name, sql):
        watch = Stopwatch()
        result = self.psql(PROLOGUE + WRAPPED % clean(sql))
        if result.rc == 0:
            rows = json.loads(result.out.strip())
            truncated = len(rows) > self.max_rows
            rows = rows[:self.max_rows]
            return dict(name=name, status="ok", rows=rows, row_count=len(rows), truncated=truncated,
                        duration=watch.elapsed())
        state, message = sqlstate(result.err)
        if state == SYNTAX:
            # not a query that can be wrapped: let the server judge the statement itself
            result = self.psql(PROLOGUE + RAW % clean(sql))
            if result.rc == 0:
                rows = parse_table(result.out)
                truncated = len(rows) > self.max_rows
                rows = rows[:self.max_rows]
                return dict(name=name, status="ok", rows=rows, row_count=len(rows), truncated=truncated,
                            duration=watch.elapsed())
            state, message = sqlstate(result.err)
        entry = dict(name=name, status="failed", rows=[], row_count=0, truncated=False, duration=watch.elapsed(),
                     sqlstate=state, stderr=tail(result.err, 5))
        if state == READ_ONLY:
            entry["error"] = ("report %r was refused by the server because it writes (%s); reports run in a "
                              "READ ONLY transaction" % (name, message))
            entry["status"] = "refused"
        elif state == TIMEOUT:
            entry["error"] = "report %r ran longer than statement_timeout %s and was cancelled" % (
                name, self.variables["statement_timeout"])
        elif state:
            entry["error"] = "report %r failed: %s" % (name, message)
        else:
            entry["error"] = str(self.pg.error("report %r" % name, result))
        return entry

    def run(self):
        watch = Stopwatch()
        results = {}
        for name in self.queries:
            results[name] = self.one(name, self.queries[name])
        failed = [r for r in results.values() if r["status"] != "ok"]
        out = dict(changed=False, database=self.db, reports=results, duration=watch.elapsed(),
                   failed_queries=[r["name"] for r in failed])
        if failed and self.p.get("fail_on_error", True):
            raise MaintenanceError(failed[0]["error"] + (" (and %d more failed)" % (len(failed) - 1) if len(failed) > 1 else ""),
                                   **out)
        return out


def parse_table(out):
    """Rows of psql's unaligned output with a header line, as dicts of text (NULL is '')."""
    text = (out or "").rstrip("\n")
    if not text:
        return []
    records = text.split(RECORD_SEP)
    header = records[0].split(FIELD_SEP)
    return [dict(zip(header, rec.split(FIELD_SEP))) for rec in records[1:]]
