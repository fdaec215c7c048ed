"""Helpers for the PostgreSQL maintenance tests: churned databases and client sessions."""

from __future__ import annotations

import subprocess
import time

HOSTILE_DB = 'maint "db"; ü'
HOSTILE_SCHEMA = 'Sché "ma"; drop'
HOSTILE_TABLE = 'Event Orders; x'
HOSTILE_INDEX = 'idx "orders"; ü'


def ident(name):
    """SQL identifier quoting for test set-up (the code under test never does this)."""
    return '"%s"' % name.replace('"', '""')


def qualified(schema, name):
    return "%s.%s" % (ident(schema), ident(name))


def make_churned(pg, db=HOSTILE_DB, rows=20000):
    """A database with a churned table whose heap has dead tuples and whose index is bloated."""
    pg.dropdb(db)
    pg.createdb(db)
    table = qualified(HOSTILE_SCHEMA, HOSTILE_TABLE)
    pg.psql("""
CREATE SCHEMA %(schema)s;
CREATE TABLE %(table)s (id int PRIMARY KEY, status text NOT NULL, note text)
  WITH (autovacuum_enabled = false);
CREATE INDEX %(index)s ON %(table)s (status, id);
CREATE TABLE public.quiet (id int PRIMARY KEY) WITH (autovacuum_enabled = false);
INSERT INTO public.quiet SELECT generate_series(1, 100);
INSERT INTO %(table)s SELECT g, 'new-' || g, repeat('x', 40) FROM generate_series(1, %(rows)d) g;
ANALYZE;
""" % dict(schema=ident(HOSTILE_SCHEMA), table=table, index=ident(HOSTILE_INDEX), rows=rows), db=db)
    churn(pg, db, table)
    return db


def churn(pg, db, table):
    """Updates of the indexed column and deletes: dead tuples and a bloated index."""
    for step in range(3):
        pg.psql("UPDATE %s SET status = 'upd-%d-' || id WHERE id %% 2 = 0;" % (table, step), db=db)
    pg.psql("DELETE FROM %s WHERE id %% 5 = 0;" % table, db=db)


def table_facts(pg, db, schema=HOSTILE_SCHEMA, name=HOSTILE_TABLE, index=HOSTILE_INDEX):
    """What the server says now: dead tuples, heap and index bytes, index file node."""
    out = pg.psql("""
SELECT s.n_dead_tup, pg_relation_size(s.relid), pg_relation_size(i.oid), i.relfilenode
FROM pg_stat_user_tables s, pg_class i JOIN pg_namespace n ON n.oid = i.relnamespace
WHERE s.schemaname = %s AND s.relname = %s AND n.nspname = %s AND i.relname = %s;
""" % (literal(schema), literal(name), literal(schema), literal(index)), db=db)
    dead, heap, idx, node = out.split("|")
    return dict(dead=int(dead), heap=int(heap), index=int(idx), filenode=int(node))


def literal(text):
    return "'%s'" % text.replace("'", "''")


class Client:
    """A psql client started in the background (an idle session or a long query)."""

    def __init__(self, pg, sql, db="postgres", user=None, password=None, appname="saasops-test"):
        env = pg.env()
        env["PGAPPNAME"] = appname
        if user:
            env["PGUSER"] = user
            env["PGPASSWORD"] = password
        self.proc = subprocess.Popen(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, env=env)
        self.proc.stdin.write(sql + "\n")
        self.proc.stdin.flush()
        self.pg = pg
        self.appname = appname

    def pid(self, timeout=20):
        """The backend pid of this client, once the server shows its session."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            out = self.pg.psql("SELECT pid FROM pg_stat_activity WHERE application_name = %s;" % literal(self.appname))
            if out:
                return int(out.splitlines()[0])
            time.sleep(0.1)
        raise AssertionError("client %s never connected" % self.appname)

    def wait_state(self, state, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            out = self.pg.psql("SELECT state FROM pg_stat_activity WHERE application_name = %s;" % literal(self.appname))
            if out == state:
                return
            time.sleep(0.1)
        raise AssertionError("client %s never reached state %s" % (self.appname, state))

    def alive(self):
        return self.pg.psql("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s;"
                            % literal(self.appname)) == "1"

    def gone(self, timeout=20):
        """True once the server no longer shows this session (termination is asynchronous)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                return True
            time.sleep(0.1)
        return False

    def close(self):
        # end the server side first: a killed client leaves its backend running (and holding locks)
        self.pg.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s;"
                     % literal(self.appname))
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            try:
                stream.close()
            except (BrokenPipeError, OSError):
                pass


# A small application schema like the runbooks' (Users, Coaches, EventOrders).
APP_SQL = r'''
CREATE TABLE "Users" (id serial PRIMARY KEY, email text NOT NULL, role text NOT NULL,
                      "isActive" boolean NOT NULL DEFAULT true, "createdAt" timestamptz NOT NULL);
CREATE TABLE "Coaches" (id serial PRIMARY KEY, "userId" int REFERENCES "Users", "subscriptionExpiry" timestamptz);
CREATE TABLE "EventOrders" (id serial PRIMARY KEY, "paymentStatus" text, amount numeric(10,2), "createdAt" timestamptz);
INSERT INTO "Users" (email, role, "createdAt") VALUES
  ('admin@example.com', 'ADMIN', now() - interval '400 days'),
  ('coach1@example.com', 'COACH', now() - interval '2 days'),
  ('coach2@example.com', 'COACH', now() - interval '30 days'),
  ('new@example.com', 'USER', now() - interval '1 day');
INSERT INTO "Coaches" ("userId", "subscriptionExpiry") VALUES (2, now() + interval '3 days'), (3, now() + interval '20 days');
INSERT INTO "EventOrders" ("paymentStatus", amount, "createdAt") VALUES
  ('FAILED', 10.50, now() - interval '1 day'), ('FAILED', 20, now() - interval '10 days'),
  ('PAID', 30, now() - interval '1 day');
CREATE FUNCTION sneaky() RETURNS int LANGUAGE sql AS $$ DELETE FROM "EventOrders" RETURNING 1 $$;
'''

# the runbooks' queries (docs/pg_reports.md), with the period as a psql variable
RUNBOOK = {
    "failed_payments": """SELECT id, amount FROM "EventOrders"
        WHERE "paymentStatus" = 'FAILED' AND "createdAt" > now() - make_interval(days => :'days'::int);""",
    "expiring_subscriptions": """SELECT c.id, u.email, c."subscriptionExpiry" FROM "Coaches" c
        JOIN "Users" u ON c."userId" = u.id
        WHERE c."subscriptionExpiry" < now() + make_interval(days => :'days'::int) AND c."subscriptionExpiry" > now()""",
    "new_registrations": """SELECT date("createdAt") AS day, count(*) AS registrations FROM "Users"
        WHERE "createdAt" > now() - make_interval(days => :'days'::int) GROUP BY 1 ORDER BY 1""",
    "admin_users": """SELECT u.email, u."createdAt" FROM "Users" u WHERE u.role = 'ADMIN'""",
}
