# -*- coding: utf-8 -*-
# Copyright: (c) 2026, saasops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Measured VACUUM / ANALYZE / REINDEX of a PostgreSQL database (logic of pg_maintenance).

Tables are chosen from the statistics (dead-tuple ratio, estimated bloat, time
since the last vacuum or analyze) or named explicitly. Every statement names
its object through psql variables (``:"schema".:"table"``), so identifiers are
quoted by psql/the server, never by Python. psql sends each statement on its
own (autocommit), which VACUUM and REINDEX CONCURRENTLY require.
"""

from __future__ import annotations

import fnmatch
import json

from ansible_collections.saasops.maintenance.plugins.module_utils.common import MaintenanceError, Stopwatch
from ansible_collections.saasops.maintenance.plugins.module_utils.runner import tail

__metaclass__ = type

OPERATIONS = ["vacuum", "analyze", "reindex"]

# One row per user table / materialized view, with what the selection needs.
# bloat_ratio is an estimate: 1 - (rows * (average row width + 28 bytes of
# header and line pointer)) / (pages * block size), from pg_stats.
INVENTORY_SQL = r"""
SELECT json_build_object(
  'version', current_setting('server_version_num')::int,
  'database', current_database(),
  'database_ident', quote_ident(current_database()),
  'tables', coalesce((SELECT json_agg(t ORDER BY t.schema, t.name) FROM (
    SELECT c.oid::bigint AS oid, n.nspname AS schema, c.relname AS name,
           format('%I.%I', n.nspname, c.relname) AS qualified,
           CASE c.relkind WHEN 'm' THEN 'materialized view' ELSE 'table' END AS kind,
           CASE WHEN NOT lk.locked THEN pg_total_relation_size(c.oid) END AS bytes,
           CASE WHEN NOT lk.locked THEN pg_relation_size(c.oid) END AS table_bytes,
           CASE WHEN NOT lk.locked THEN pg_indexes_size(c.oid) END AS index_bytes,
           lk.locked,
           coalesce(s.n_live_tup, 0) AS live_tuples,
           coalesce(s.n_dead_tup, 0) AS dead_tuples,
           round(extract(epoch FROM now() - greatest(s.last_vacuum, s.last_autovacuum)))::bigint AS vacuum_age,
           round(extract(epoch FROM now() - greatest(s.last_analyze, s.last_autoanalyze)))::bigint AS analyze_age,
           CASE WHEN c.relpages > 0 AND c.reltuples >= 0 AND w.width IS NOT NULL THEN
             round(greatest(0, 1 - (c.reltuples::numeric * (w.width + 28))
                   / (c.relpages::numeric * current_setting('block_size')::int)), 3)
           END AS bloat_ratio,
           pg_has_role(c.relowner, 'USAGE') AS owned
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_stat_all_tables s ON s.relid = c.oid
    CROSS JOIN LATERAL (SELECT EXISTS (SELECT 1 FROM pg_locks l WHERE l.relation = c.oid
                        AND l.mode = 'AccessExclusiveLock' AND l.pid <> pg_backend_pid()) AS locked) lk
    LEFT JOIN LATERAL (SELECT sum(st.avg_width) AS width FROM pg_stats st
                       WHERE st.schemaname = n.nspname AND st.tablename = c.relname
                         AND NOT st.inherited) w ON true
    WHERE c.relkind IN ('r', 'm')
      AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname !~ '^pg_toast' AND n.nspname !~ '^pg_temp_') t), '[]'::json),
  'indexes', coalesce((SELECT json_agg(x ORDER BY x.schema, x.name) FROM (
    SELECT ic.oid::bigint AS oid, n.nspname AS schema, ic.relname AS name, tc.relname AS "table",
           format('%I.%I', n.nspname, ic.relname) AS qualified,
           CASE WHEN NOT EXISTS (SELECT 1 FROM pg_locks l WHERE l.relation IN (ic.oid, tc.oid)
                                 AND l.mode = 'AccessExclusiveLock' AND l.pid <> pg_backend_pid())
                THEN pg_relation_size(ic.oid) END AS bytes
    FROM pg_index i
    JOIN pg_class ic ON ic.oid = i.indexrelid
    JOIN pg_class tc ON tc.oid = i.indrelid
    JOIN pg_namespace n ON n.oid = ic.relnamespace
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname !~ '^pg_toast' AND n.nspname !~ '^pg_temp_'
      AND :'with_indexes' = 'yes') x), '[]'::json));
"""

TABLE_STATS_SQL = r"""SELECT json_build_object(
  'bytes', pg_total_relation_size(c.oid), 'table_bytes', pg_relation_size(c.oid),
  'index_bytes', pg_indexes_size(c.oid),
  'live_tuples', coalesce(s.n_live_tup, 0), 'dead_tuples', coalesce(s.n_dead_tup, 0))
FROM pg_class c LEFT JOIN pg_stat_all_tables s ON s.relid = c.oid WHERE c.oid = :'oid'::oid;
"""

INDEX_STATS_SQL = "SELECT json_build_object('bytes', pg_relation_size(:'oid'::oid));\n"

DATABASE_STATS_SQL = "SELECT json_build_object('bytes', pg_database_size(current_database()));\n"

TIMEOUTS_SQL = "SET lock_timeout = :'lock_timeout';\nSET statement_timeout = :'statement_timeout';\n"

# Statement templates: constant SQL, objects only through psql identifier variables.
STATEMENTS = {
    "vacuum": "VACUUM %s:\"schema\".:\"name\";",
    "analyze": "ANALYZE :\"schema\".:\"name\";",
    "reindex_table": "REINDEX TABLE %s:\"schema\".:\"name\";",
    "reindex_index": "REINDEX INDEX %s:\"schema\".:\"name\";",
    "reindex_database": "SELECT current_database() AS dbname \\gset\nREINDEX DATABASE %s:\"dbname\";",
}


def vacuum_options(full, analyze):
    opts = [o for o, on in (("FULL", full), ("ANALYZE", analyze)) if on]
    return "(%s) " % ", ".join(opts) if opts else ""


def match_name(entry, item):
    """An entry names an object as ``schema.name`` or as a bare ``name``."""
    return entry == "%s.%s" % (item["schema"], item["name"]) or entry == item["name"]


def match_glob(patterns, item):
    qualified = "%s.%s" % (item["schema"], item["name"])
    return any(fnmatch.fnmatchcase(qualified, p) or fnmatch.fnmatchcase(item["name"], p) for p in patterns)


def resolve(entries, items, kind):
    """Objects named by entries; every entry must name exactly one object."""
    found = []
    for entry in entries:
        hits = [i for i in items if match_name(entry, i)]
        exact = [i for i in hits if entry == "%s.%s" % (i["schema"], i["name"])]
        if exact:
            hits = exact
        if not hits:
            raise MaintenanceError("%s %r does not exist (name it as schema.name)" % (kind, entry))
        if len(hits) > 1:
            raise MaintenanceError("%s %r is ambiguous: it exists in schemas %s; name it as schema.name"
                                   % (kind, entry, ", ".join(sorted(h["schema"] for h in hits))))
        if hits[0] not in found:
            found.append(hits[0])
    return found


def lock_timeout_hit(err):
    return "lock timeout" in (err or "")


class PgMaintenance:
    """Plans and runs maintenance of one database; see the module for the options."""

    def __init__(self, pg, params, check_mode=False):
        self.pg = pg
        self.p = params
        self.check_mode = check_mode
        self.db = params.get("db") or pg.default_db
        if not self.db:
            raise MaintenanceError("no database given: set db (or a database in uri)")
        self.operations = list(params.get("operations") or [])
        self.variables = {
            "lock_timeout": params.get("lock_timeout") or "0",
            "statement_timeout": params.get("statement_timeout") or "0",
        }
        self.version = 0
        self.db_ident = None

    # -- selection ---------------------------------------------------------

    def inventory(self):
        need_indexes = "yes" if self.p.get("reindex_indexes") else "no"
        variables = dict(self.variables, with_indexes=need_indexes)
        data = self.pg.psql_json(TIMEOUTS_SQL + INVENTORY_SQL, db=self.db, variables=variables,
                                 what="reading the table statistics of %s" % self.db)
        self.version = int(data["version"])
        self.db_ident = data.get("database_ident") or self.db
        return data

    def reasons(self, table):
        """Why the thresholds select a table: a list of (reason, wants) pairs."""
        p = self.p
        found = []
        live, dead = table["live_tuples"], table["dead_tuples"]
        ratio = float(p.get("dead_tuple_ratio") or 0)
        if ratio > 0 and dead >= int(p.get("min_dead_tuples") or 0) and dead > 0 \
                and dead / float(live + dead) >= ratio:
            found.append(("dead tuples %d of %d (%.0f%%)" % (dead, live + dead, 100.0 * dead / (live + dead)), "vacuum"))
        bloat = float(p.get("bloat_ratio") or 0)
        est = table.get("bloat_ratio")
        if bloat > 0 and est is not None and table.get("table_bytes") is not None:
            bloat_bytes = int(float(est) * table["table_bytes"])
            if float(est) >= bloat and bloat_bytes >= int(p.get("min_bloat_bytes") or 0):
                found.append(("estimated bloat %.0f%% (%d bytes)" % (100 * float(est), bloat_bytes), "vacuum"))
        for key, wants in (("vacuum_age_hours", "vacuum"), ("analyze_age_hours", "analyze")):
            hours = float(p.get(key) or 0)
            if hours <= 0:
                continue
            age = table.get(wants + "_age")
            if age is None:
                found.append(("never %sd" % ("vacuume" if wants == "vacuum" else "analyze"), wants))
            elif age >= hours * 3600:
                found.append(("last %s %.1f hours ago" % (wants, age / 3600.0), wants))
        return found

    def actions(self, wants, full):
        """The statements for one table, in order, as (action, template) pairs."""
        ops = self.operations
        do_vacuum = full or ("vacuum" in ops and "vacuum" in wants)
        do_analyze = "analyze" in ops and bool(wants)
        out = []
        if do_vacuum:
            out.append(("vacuum_full" if full else "vacuum",
                        STATEMENTS["vacuum"] % vacuum_options(full, do_analyze)))
        elif do_analyze:
            out.append(("analyze", STATEMENTS["analyze"]))
        # VACUUM FULL rewrites the indexes already
        if "reindex" in ops and wants and not full:
            out.append(("reindex", STATEMENTS["reindex_table"] % self.concurrently()))
        return out

    def concurrently(self):
        return "CONCURRENTLY " if self.p.get("concurrently", True) and self.version >= 120000 else ""

    def plan(self, data):
        p = self.p
        tables = data["tables"]
        full = resolve(p.get("vacuum_full") or [], tables, "table")
        planned = []
        if p.get("tables"):
            chosen = [(t, [("named in tables", "all")]) for t in resolve(p["tables"], tables, "table")]
        else:
            chosen = []
            for table in tables:
                if p.get("include") and not match_glob(p["include"], table):
                    continue
                if p.get("exclude") and match_glob(p["exclude"], table):
                    continue
                found = self.reasons(table)
                if found:
                    chosen.append((table, found))
        for table in full:
            if not any(t is table for t, _r in chosen):
                chosen.append((table, [("named in vacuum_full", "vacuum")]))
        for table, found in chosen:
            wants = set()
            for _reason, want in found:
                wants.update(["vacuum", "analyze", "reindex"] if want == "all" else [want])
            if not table["owned"]:
                raise MaintenanceError("table %s is not owned by the login role: VACUUM and REINDEX need its owner "
                                       "or a superuser" % table["qualified"])
            is_full = any(t is table for t in full)
            acts = self.actions(wants, is_full)
            if not acts:
                continue
            planned.append(dict(
                oid=table["oid"], schema=table["schema"], name=table["name"], qualified=table["qualified"],
                reasons=[r for r, _w in found], actions=[a for a, _s in acts],
                statements=[display(s, table["qualified"]) for _a, s in acts],
                before=stats_of(table), templates=[s for _a, s in acts],
            ))
        indexes = []
        for index in resolve(p.get("reindex_indexes") or [], data["indexes"], "index"):
            template = STATEMENTS["reindex_index"] % self.concurrently()
            indexes.append(dict(oid=index["oid"], schema=index["schema"], name=index["name"], table=index["table"],
                                qualified=index["qualified"], statements=[display(template, index["qualified"])],
                                before=dict(bytes=index["bytes"]), templates=[template]))
        return planned, indexes

    # -- execution -------------------------------------------------------------

    def script(self, stats_sql, templates):
        """before stats; each statement between two clock readings; after stats."""
        lines = [TIMEOUTS_SQL, stats_sql, "SELECT clock_timestamp() AS t0 \\gset\n"]
        for pos, template in enumerate(templates, 1):
            lines.append(template + "\n")
            lines.append("SELECT clock_timestamp() AS t%d \\gset\n" % pos)
        steps = ", ".join("extract(epoch FROM :'t%d'::timestamptz - :'t%d'::timestamptz)" % (i, i - 1)
                          for i in range(1, len(templates) + 1))
        lines.append("SELECT json_build_array(%s);\n" % steps)
        lines.append(stats_sql)
        return "".join(lines)

    def execute(self, item, stats_sql, what):
        variables = dict(self.variables, schema=item["schema"], name=item["name"], oid=item["oid"])
        argv = self.pg.psql_argv(self.db, variables)
        watch = Stopwatch()
        result = self.pg.runner.run(argv, data=self.script(stats_sql, item["templates"]), check=False)
        entry = {k: v for k, v in item.items() if k not in ("templates", "oid")}
        entry["duration"] = watch.elapsed()
        # one single-line json value per result set; psql ends each result set with a newline
        rows = [r for r in (result.out or "").split("\n") if r.strip()]
        if rows:
            entry["before"] = json.loads(rows[0])
        if result.rc != 0:
            if lock_timeout_hit(result.err):
                entry.update(status="skipped", error="lock timeout: %s is in use; nothing was changed by the "
                                                     "statement that waited" % item["qualified"])
                return entry
            err = self.pg.error(what % item["qualified"], result)
            entry.update(status="failed", error=str(err), stderr=tail(result.err), rc=result.rc)
            return entry
        entry["after"] = json.loads(rows[-1])
        entry["seconds"] = dict(zip(entry["actions"], [round(float(s), 3) for s in json.loads(rows[-2])]))
        entry["status"] = "done"
        return entry

    def reindex_database(self):
        template = STATEMENTS["reindex_database"] % self.concurrently()
        item = dict(oid=0, schema="", name=self.db, qualified=self.db, actions=["reindex_database"],
                    statements=["REINDEX DATABASE %s%s" % (self.concurrently(), self.db_ident)], templates=[template])
        if self.check_mode:
            return dict(name=self.db, statements=item["statements"], status="planned")
        entry = self.execute(item, DATABASE_STATS_SQL, "REINDEX DATABASE %s")
        return entry

    def run(self):
        watch = Stopwatch()
        data = self.inventory()
        planned, indexes = self.plan(data)
        result = dict(changed=False, database=data["database"], server_version_num=self.version,
                      check_mode=self.check_mode, tables=[], indexes=[], database_reindex=None)
        if self.check_mode:
            result["tables"] = [dict(strip(t), status="planned") for t in planned]
            result["indexes"] = [dict(strip(i), status="planned") for i in indexes]
            if self.p.get("reindex_database"):
                result["database_reindex"] = self.reindex_database()
            result["changed"] = bool(planned or indexes or self.p.get("reindex_database"))
        else:
            for table in planned:
                result["tables"].append(self.execute(table, TABLE_STATS_SQL, "maintenance of table %s"))
            for index in indexes:
                index = dict(index, actions=["reindex"])
                done = self.execute(index, INDEX_STATS_SQL, "REINDEX of index %s")
                done.pop("actions", None)
                result["indexes"].append(done)
            if self.p.get("reindex_database"):
                result["database_reindex"] = self.reindex_database()
            ran = result["tables"] + result["indexes"] + [result["database_reindex"] or {}]
            result["changed"] = any(e.get("status") == "done" for e in ran)
        result["summary"] = summarize(result["tables"])
        result["duration"] = watch.elapsed()
        failed = [e for e in result["tables"] + result["indexes"] + [result["database_reindex"] or {}]
                  if e.get("status") == "failed"]
        if failed:
            raise MaintenanceError("maintenance of %s failed for %d object(s); first: %s"
                                   % (self.db, len(failed), failed[0]["error"]), **result)
        return result


def display(template, qualified):
    """A readable statement for plans and results (the server quoted ``qualified``)."""
    text = template.replace(':"schema".:"name"', qualified)
    if "\\gset" in text:
        text = text.split("\n", 1)[1].replace(':"dbname"', "<current database>")
    return text.rstrip(";")


def stats_of(table):
    return {k: table[k] for k in ("bytes", "table_bytes", "index_bytes", "live_tuples", "dead_tuples")}


def strip(item):
    return {k: v for k, v in item.items() if k not in ("templates", "oid")}


def summarize(entries):
    done = [e for e in entries if e.get("status") == "done"]
    out = dict(planned=len(entries), done=len(done),
               skipped=len([e for e in entries if e.get("status") == "skipped"]))
    for key in ("bytes", "dead_tuples"):
        out[key + "_before"] = sum(e["before"][key] for e in done)
        out[key + "_after"] = sum(e["after"][key] for e in done)
    return out
