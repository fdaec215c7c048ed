# -*- coding: utf-8 -*-
# Copyright: (c) 2026, saasops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Health facts of a PostgreSQL server and database (logic of pg_info), and the health thresholds."""

from __future__ import annotations

from ansible_collections.saasops.maintenance.plugins.module_utils.common import MaintenanceError

__metaclass__ = type

SECTIONS = ["database", "connections", "sessions", "cache", "tables", "indexes", "wraparound", "statements"]

# Everything but pg_stat_statements in one read-only round trip. Sessions show at
# most :query_chars characters of their query.
INFO_SQL = r"""
SET lock_timeout = '10s';
SELECT json_build_object(
  'server_version', current_setting('server_version'),
  'server_version_num', current_setting('server_version_num')::int,
  'database', json_build_object(
     'name', current_database(),
     'bytes', pg_database_size(current_database()),
     'size', pg_size_pretty(pg_database_size(current_database()))),
  'connections', (SELECT json_build_object(
     'total', count(*),
     'max_connections', current_setting('max_connections')::int,
     'superuser_reserved', current_setting('superuser_reserved_connections')::int,
     'ratio', round(count(*)::numeric / current_setting('max_connections')::int, 3),
     'by_state', coalesce((SELECT json_object_agg(st, n) FROM (
         SELECT coalesce(state, 'unknown') AS st, count(*) AS n FROM pg_stat_activity
         WHERE backend_type = 'client backend' GROUP BY 1) x), '{}'::json))
     FROM pg_stat_activity WHERE backend_type = 'client backend'),
  'long_running', coalesce((SELECT json_agg(x ORDER BY x.seconds DESC) FROM (
     SELECT pid, usename AS "user", datname AS database, application_name, client_addr::text AS client_addr,
            state, round(extract(epoch FROM now() - query_start))::bigint AS seconds,
            left(query, :'query_chars'::int) AS query
     FROM pg_stat_activity
     WHERE state = 'active' AND backend_type = 'client backend' AND pid <> pg_backend_pid()
       AND now() - query_start > make_interval(secs => :'long_running_seconds'::float)) x), '[]'::json),
  'idle_in_transaction', coalesce((SELECT json_agg(x ORDER BY x.seconds DESC) FROM (
     SELECT pid, usename AS "user", datname AS database, application_name, client_addr::text AS client_addr,
            state, round(extract(epoch FROM now() - state_change))::bigint AS seconds,
            left(query, :'query_chars'::int) AS query
     FROM pg_stat_activity
     WHERE state LIKE 'idle in transaction%' AND backend_type = 'client backend'
       AND now() - state_change > make_interval(secs => :'idle_in_transaction_seconds'::float)) x), '[]'::json),
  'cache', (SELECT json_build_object(
     'blocks_hit', blks_hit, 'blocks_read', blks_read,
     'hit_ratio', CASE WHEN blks_hit + blks_read > 0 THEN round(blks_hit::numeric / (blks_hit + blks_read), 4) END)
     FROM pg_stat_database WHERE datname = current_database()),
  'tables', coalesce((SELECT json_agg(x) FROM (
     SELECT n.nspname AS schema, c.relname AS name, sz.bytes, pg_size_pretty(sz.bytes) AS size, sz.locked,
            coalesce(s.n_live_tup, 0) AS live_tuples, coalesce(s.n_dead_tup, 0) AS dead_tuples,
            s.last_vacuum, s.last_autovacuum, s.last_analyze, s.last_autoanalyze
     FROM pg_class c
     JOIN pg_namespace n ON n.oid = c.relnamespace
     LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
     CROSS JOIN LATERAL (SELECT EXISTS (SELECT 1 FROM pg_locks l WHERE l.relation = c.oid
                         AND l.mode = 'AccessExclusiveLock') AS locked) lk
     -- a table locked by VACUUM FULL or LOCK TABLE is sized from pg_class (no wait)
     CROSS JOIN LATERAL (SELECT lk.locked, CASE WHEN lk.locked THEN c.relpages::bigint * current_setting('block_size')::int
                                                ELSE pg_total_relation_size(c.oid) END AS bytes) sz
     WHERE c.relkind IN ('r', 'm', 'p')
       AND n.nspname NOT IN ('pg_catalog', 'information_schema')
       AND n.nspname !~ '^pg_toast' AND n.nspname !~ '^pg_temp_'
     ORDER BY sz.bytes DESC
     LIMIT :'limit'::int) x), '[]'::json),
  'unused_indexes', coalesce((SELECT json_agg(x) FROM (
     SELECT s.schemaname AS schema, s.relname AS "table", s.indexrelname AS name, s.idx_scan AS scans,
            pg_relation_size(s.indexrelid) AS bytes, pg_size_pretty(pg_relation_size(s.indexrelid)) AS size
     FROM pg_stat_user_indexes s JOIN pg_index i ON i.indexrelid = s.indexrelid
     WHERE s.idx_scan = 0 AND NOT i.indisunique AND NOT i.indisprimary
       AND NOT EXISTS (SELECT 1 FROM pg_locks l WHERE l.relation IN (s.indexrelid, s.relid)
                       AND l.mode = 'AccessExclusiveLock')
     ORDER BY pg_relation_size(s.indexrelid) DESC
     LIMIT :'limit'::int) x), '[]'::json),
  'wraparound', json_build_object(
     'autovacuum_freeze_max_age', current_setting('autovacuum_freeze_max_age')::bigint,
     'max_age', (SELECT max(age(datfrozenxid)) FROM pg_database),
     'ratio', (SELECT round(max(age(datfrozenxid))::numeric / 2147483647, 4) FROM pg_database),
     'databases', (SELECT json_agg(json_build_object('name', datname, 'age', age(datfrozenxid))
                                   ORDER BY age(datfrozenxid) DESC) FROM pg_database),
     'oldest_tables', coalesce((SELECT json_agg(x) FROM (
        SELECT n.nspname AS schema, c.relname AS name, age(c.relfrozenxid) AS age
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'm', 't')
        ORDER BY age(c.relfrozenxid) DESC LIMIT 5) x), '[]'::json)),
  'pg_stat_statements', (SELECT json_build_object('schema', n.nspname, 'version', e.extversion)
     FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
     WHERE e.extname = 'pg_stat_statements'),
  'preloaded', 'pg_stat_statements' = ANY(string_to_array(replace(current_setting('shared_preload_libraries'), ' ', ''), ','))
);
"""

# The view's schema comes in as an identifier variable; the column names differ before 13,
# so there are two constant texts (nothing from the input is ever formatted into SQL).
_STATEMENTS_TEMPLATE = r"""
SELECT coalesce(json_agg(x), '[]'::json) FROM (
  SELECT left(query, :'query_chars'::int) AS query, calls,
         round(%(total)s::numeric, 3) AS total_ms, round(%(mean)s::numeric, 3) AS mean_ms, rows
  FROM :"ext_schema".pg_stat_statements
  WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
  ORDER BY %(total)s DESC LIMIT :'limit'::int) x;
"""
STATEMENTS_SQL = _STATEMENTS_TEMPLATE % dict(total="total_exec_time", mean="mean_exec_time")
STATEMENTS_SQL_PRE13 = _STATEMENTS_TEMPLATE % dict(total="total_time", mean="mean_time")

NOT_INSTALLED = ("pg_stat_statements is not installed in this database: add it to shared_preload_libraries, "
                 "restart the server and run CREATE EXTENSION pg_stat_statements")
NOT_LOADED = ("the pg_stat_statements extension exists but the library is not loaded: add it to "
              "shared_preload_libraries and restart the server")


class PgInfo:
    def __init__(self, pg, params):
        self.pg = pg
        self.p = params
        self.db = params.get("db") or pg.default_db or "postgres"
        self.gather = list(params.get("gather") or SECTIONS)
        self.variables = dict(
            query_chars=params.get("query_chars", 200),
            long_running_seconds=params.get("long_running_seconds", 300),
            idle_in_transaction_seconds=params.get("idle_in_transaction_seconds", 60),
            limit=params.get("limit", 10),
        )

    def statements(self, raw):
        ext = raw.get("pg_stat_statements")
        if not ext:
            return dict(status="not installed", message=NOT_INSTALLED, top=[])
        if not raw.get("preloaded"):
            return dict(status="not loaded", message=NOT_LOADED, version=ext["version"], top=[])
        sql = STATEMENTS_SQL if raw["server_version_num"] >= 130000 else STATEMENTS_SQL_PRE13
        variables = dict(self.variables, ext_schema=ext["schema"])
        top = self.pg.psql_json(sql, db=self.db, variables=variables,
                                what="reading pg_stat_statements of %s" % self.db)
        return dict(status="installed", version=ext["version"], top=top)

    def run(self):
        raw = self.pg.psql_json(INFO_SQL, db=self.db, variables=self.variables,
                                what="reading the health facts of %s" % self.db)
        if raw is None:
            raise MaintenanceError("reading the health facts of %s returned nothing" % self.db)
        info = dict(server_version=raw["server_version"], server_version_num=raw["server_version_num"])
        sections = dict(
            database=lambda: raw["database"],
            connections=lambda: raw["connections"],
            sessions=lambda: dict(long_running=raw["long_running"], idle_in_transaction=raw["idle_in_transaction"]),
            cache=lambda: raw["cache"],
            tables=lambda: raw["tables"],
            indexes=lambda: dict(unused=raw["unused_indexes"]),
            wraparound=lambda: raw["wraparound"],
            statements=lambda: self.statements(raw),
        )
        for name in self.gather:
            info[name] = sections[name]()
        thresholds = self.p.get("thresholds")
        if thresholds:
            info["at_risk"] = [dict(r, database=self.db) for r in at_risk(info, thresholds)]
        return dict(changed=False, info=info)


DEFAULT_THRESHOLDS = dict(connections_ratio=0.8, wraparound_age=1000000000, cache_hit_ratio=0.95,
                          long_running=0, idle_in_transaction=0)


def at_risk(info, thresholds):
    """What crosses a threshold, as a list of {check, value, threshold, message}.

    A threshold set to null (None) is not checked; a section not gathered is not checked.
    """
    limits = dict(DEFAULT_THRESHOLDS)
    limits.update(thresholds or {})
    unknown = sorted(set(limits) - set(DEFAULT_THRESHOLDS))
    if unknown:
        raise MaintenanceError("unknown threshold(s) %s; known: %s" % (", ".join(unknown), ", ".join(sorted(DEFAULT_THRESHOLDS))))
    risks = []

    def add(check, value, limit, message):
        risks.append(dict(check=check, value=value, threshold=limit, message=message))

    conn = info.get("connections")
    limit = limits["connections_ratio"]
    if conn and limit is not None and conn["ratio"] > float(limit):
        add("connections", conn["ratio"], limit,
            "%d of max_connections %d in use (%.0f%%, above %.0f%%)"
            % (conn["total"], conn["max_connections"], 100 * conn["ratio"], 100 * float(limit)))
    wrap = info.get("wraparound")
    limit = limits["wraparound_age"]
    if wrap and limit is not None and wrap["max_age"] > int(limit):
        oldest = wrap["databases"][0]["name"] if wrap.get("databases") else "?"
        add("wraparound", wrap["max_age"], limit,
            "transaction ID age %d (database %s) is above %d: vacuum (freeze) it before wraparound"
            % (wrap["max_age"], oldest, int(limit)))
    cache = info.get("cache")
    limit = limits["cache_hit_ratio"]
    if cache and limit is not None and cache.get("hit_ratio") is not None and cache["hit_ratio"] < float(limit):
        add("cache_hit_ratio", cache["hit_ratio"], limit,
            "cache hit ratio %.4f is below %.4f: shared_buffers may be too small" % (cache["hit_ratio"], float(limit)))
    sessions = info.get("sessions")
    for key, label in (("long_running", "queries running long"), ("idle_in_transaction", "sessions idle in transaction")):
        limit = limits[key]
        if sessions and limit is not None and len(sessions[key]) > int(limit):
            add(key, len(sessions[key]), limit, "%d %s (pids %s)"
                % (len(sessions[key]), label, ", ".join(str(s["pid"]) for s in sessions[key][:10])))
    return risks
