# -*- coding: utf-8 -*-
# Copyright: (c) 2026, saasops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Connection options shared by every PostgreSQL module, and the psql helper.

Connection parameters become libpq environment variables (PGHOST, PGPASSWORD,
...), so no secret ever appears in argv. Database names go into argv only as
a quoted conninfo (``dbname='...'``), which libpq never re-parses, so hostile
names (quotes, ``=``, spaces, unicode) are safe.
"""

from __future__ import annotations

import json
import os
import re
from urllib.parse import parse_qsl, unquote, urlsplit

from ansible_collections.saasops.maintenance.plugins.module_utils.common import MaintenanceError
from ansible_collections.saasops.maintenance.plugins.module_utils.runner import Runner, first_error, tail

__metaclass__ = type

SSL_MODES = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]


def postgres_argument_spec():
    """The connection options, documented once in doc_fragments/postgres.py."""
    return dict(
        login_host=dict(type="str", aliases=["host"]),
        login_unix_socket=dict(type="path", aliases=["unix_socket"]),
        port=dict(type="int", aliases=["login_port"]),
        login_user=dict(type="str", aliases=["user"]),
        login_password=dict(type="str", no_log=True),
        uri=dict(type="str", no_log=True),
        ssl_mode=dict(type="str", choices=SSL_MODES),
        ca_cert=dict(type="path", aliases=["ssl_rootcert"]),
        connect_timeout=dict(type="int", default=10),
        exec_prefix=dict(type="list", elements="str", default=[]),
        client_bin_dir=dict(type="path"),
    )


POSTGRES_MUTUALLY_EXCLUSIVE = [
    ("uri", "login_host"),
    ("uri", "login_unix_socket"),
    ("login_host", "login_unix_socket"),
]

# libpq URI query parameters and the environment variables that carry them.
_URI_PARAMS = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "application_name": "PGAPPNAME",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
    "options": "PGOPTIONS",
    "host": "PGHOST",
    "port": "PGPORT",
    "user": "PGUSER",
    "password": "PGPASSWORD",
    "dbname": "PGDATABASE",
}

FIELD_SEP = "\x1f"
RECORD_SEP = "\x1e"


def conninfo_db(name):
    """``dbname='...'`` with libpq quoting: safe for any database name."""
    return "dbname='%s'" % name.replace("\\", "\\\\").replace("'", "\\'")


def parse_uri(uri):
    """libpq environment variables for a postgres:// URI (secrets stay out of argv)."""
    parts = urlsplit(uri)
    if parts.scheme not in ("postgres", "postgresql"):
        raise MaintenanceError("uri must start with postgresql:// or postgres://")
    env = {}
    if parts.hostname:
        env["PGHOST"] = unquote(parts.hostname)
    try:
        port = parts.port
    except ValueError:
        raise MaintenanceError("uri has an invalid port")
    if port:
        env["PGPORT"] = str(port)
    if parts.username:
        env["PGUSER"] = unquote(parts.username)
    if parts.password:
        env["PGPASSWORD"] = unquote(parts.password)
    if parts.path and parts.path != "/":
        env["PGDATABASE"] = unquote(parts.path.lstrip("/"))
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key not in _URI_PARAMS:
            raise MaintenanceError("uri parameter %r is not supported" % key)
        env[_URI_PARAMS[key]] = value
    return env


class Postgres:
    """How to reach one server: environment, client tools, optional exec prefix."""

    def __init__(self, module, env, exec_prefix=None, bin_dir=None, default_db=None):
        self.module = module
        self.env = env
        self.exec_prefix = list(exec_prefix or [])
        self.bin_dir = bin_dir
        self.default_db = default_db
        self.runner = Runner(module, env)

    @classmethod
    def from_params(cls, module, params):
        env = {}
        if params.get("uri"):
            env.update(parse_uri(params["uri"]))
        host = params.get("login_unix_socket") or params.get("login_host")
        if host:
            env["PGHOST"] = host
        if params.get("port"):
            env["PGPORT"] = str(params["port"])
        if params.get("login_user"):
            env["PGUSER"] = params["login_user"]
        if params.get("login_password"):
            env["PGPASSWORD"] = params["login_password"]
        if params.get("ssl_mode"):
            env["PGSSLMODE"] = params["ssl_mode"]
        if params.get("ca_cert"):
            env["PGSSLROOTCERT"] = params["ca_cert"]
        if params.get("connect_timeout"):
            env["PGCONNECT_TIMEOUT"] = str(params["connect_timeout"])
        env.setdefault("PGAPPNAME", "saasops.maintenance")
        default_db = env.pop("PGDATABASE", None)
        return cls(module, env, params.get("exec_prefix"), params.get("client_bin_dir"), default_db)

    def target(self):
        """Where we connect, for messages (never the password)."""
        host = self.env.get("PGHOST", "local socket")
        port = self.env.get("PGPORT", "5432")
        return "%s:%s" % (host, port)

    def tool(self, name):
        if self.bin_dir and not self.exec_prefix:
            return os.path.join(self.bin_dir, name)
        return name

    def cmd(self, name, *args):
        return self.exec_prefix + [self.tool(name)] + [str(a) for a in args]

    def psql_argv(self, db, variables=None):
        argv = self.cmd("psql", "--no-psqlrc", "--quiet", "--no-align", "--tuples-only",
                        "--set", "ON_ERROR_STOP=1", "--field-separator", FIELD_SEP,
                        "--record-separator", RECORD_SEP, "--dbname", conninfo_db(db or self.default_db or "postgres"))
        for key, value in sorted((variables or {}).items()):
            argv += ["--set", "%s=%s" % (key, value)]
        return argv

    def psql(self, sql, db=None, variables=None, what=None):
        """Run SQL (from stdin) and return rows as lists of strings."""
        result = self.runner.run(self.psql_argv(db, variables), data=sql, check=False)
        if result.rc != 0:
            raise self.error(what or "psql", result)
        out = result.out
        if out.endswith("\n"):
            out = out[:-1]
        if not out:
            return []
        return [rec.split(FIELD_SEP) for rec in out.split(RECORD_SEP) if rec != ""]

    def psql_json(self, sql, db=None, variables=None, what=None):
        """Run SQL whose last statement returns one json value; return it parsed."""
        rows = self.psql(sql, db=db, variables=variables, what=what)
        if not rows:
            return None
        return json.loads(rows[-1][0])

    def error(self, what, result):
        """A MaintenanceError naming the cause (auth, down, missing db, ...)."""
        cause = classify(result.err)
        msg = "%s on %s failed: %s" % (what, self.target(), cause or first_error(result.err) or "rc=%s" % result.rc)
        return MaintenanceError(msg, rc=result.rc, stderr=tail(result.err), cmd=result.argv)

    def server_version(self, db=None):
        rows = self.psql("SHOW server_version;", db=db, what="reading the server version")
        return rows[0][0] if rows else None

    def client_version(self, tool="pg_dump"):
        result = self.runner.run(self.cmd(tool, "--version"), check=False)
        if result.rc != 0:
            raise MaintenanceError("%s is not available: %s" % (tool, first_error(result.err) or "rc=%s" % result.rc),
                                   rc=result.rc, cmd=result.argv)
        match = re.search(r"(\d+(?:\.\d+)+)", result.out)
        return match.group(1) if match else result.out.strip()


_CAUSES = [
    (re.compile(r"password authentication failed|no password supplied|authentication failed", re.I),
     "authentication failed (wrong user or password)"),
    (re.compile(r"database \".*\" does not exist", re.I), None),
    (re.compile(r"role \".*\" does not exist", re.I), None),
    (re.compile(r"Connection refused|No such file or directory\s*\n?\s*Is the server running|could not connect to server|"
                r"server closed the connection unexpectedly|timeout expired", re.I),
     "the server is not reachable (is it running and listening?)"),
    (re.compile(r"No space left on device", re.I), "no space left on device"),
    (re.compile(r"Permission denied", re.I), None),
]


def classify(err):
    """A short cause for a libpq/pg_dump error output."""
    text = err or ""
    for pattern, label in _CAUSES:
        match = pattern.search(text)
        if match:
            if label:
                return label
            line = next((ln for ln in text.splitlines() if match.group(0) in ln), match.group(0))
            return line.split("FATAL:")[-1].split("error:")[-1].strip()
    return None
