# -*- coding: utf-8 -*-
# Copyright: (c) 2026, saasops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  login_host:
    description:
      - Host name or IP address of the PostgreSQL server.
      - Passed to the client tools as C(PGHOST).
    type: str
    aliases: [host]
  login_unix_socket:
    description:
      - Directory of the server's Unix socket. Mutually exclusive with O(login_host).
    type: path
    aliases: [unix_socket]
  port:
    description:
      - Server port (C(PGPORT)). The client default (5432) applies when unset.
    type: int
    aliases: [login_port]
  login_user:
    description:
      - Role to connect as (C(PGUSER)).
    type: str
    aliases: [user]
  login_password:
    description:
      - Password. It is passed to the client tools in the environment
        (C(PGPASSWORD)), never on the command line, and never returned.
    type: str
  uri:
    description:
      - A libpq connection URI, for managed servers such as Supabase,
        for example C(postgresql://user:secret@db.example.com:5432/app?sslmode=require).
      - The URI is split into libpq environment variables, so its password
        never appears on a command line. Its database is used when the module's
        own database option is not set.
      - Mutually exclusive with O(login_host) and O(login_unix_socket).
    type: str
  ssl_mode:
    description:
      - libpq C(sslmode) (C(PGSSLMODE)).
    type: str
    choices: [disable, allow, prefer, require, verify-ca, verify-full]
  ca_cert:
    description:
      - CA certificate file that verifies the server (C(PGSSLROOTCERT)).
    type: path
    aliases: [ssl_rootcert]
  connect_timeout:
    description:
      - Seconds to wait for a connection (C(PGCONNECT_TIMEOUT)).
    type: int
    default: 10
  exec_prefix:
    description:
      - An argv list put in front of every client command, to run C(psql),
        C(pg_dump) and the other tools somewhere else, for example inside the
        database container of a docker-compose project, for example
        C(docker-compose exec -T -e PGPASSWORD db).
      - The connection settings travel as C(PG*) environment variables; the
        prefix must forward the ones it needs (C(docker exec -e NAME) forwards
        a variable without putting its value on the command line).
    type: list
    elements: str
    default: []
  client_bin_dir:
    description:
      - Directory of the PostgreSQL client tools, for example
        C(/usr/lib/postgresql/15/bin). The tools are looked up in E(PATH) when unset.
      - Ignored with O(exec_prefix).
    type: path
notes:
  - The client tools (C(psql), C(pg_dump), C(pg_restore), C(pg_dumpall)) must be
    installed on the target; no Python database driver is needed.
"""
