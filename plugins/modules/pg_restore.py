#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, saasops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
module: pg_restore
short_description: Restore a verified PostgreSQL backup without losing the current database
version_added: 0.1.0
description:
  - Restores a backup written by M(saasops.maintenance.pg_backup), given by
    its path or as the newest verified backup of a store, after re-checking
    the sha256 checksums of its files against its manifest.
  - The backup is always loaded into a side database C(<db>_restore_<stamp>)
    and verified against the manifest (the same tables; the same row counts
    when the manifest's counts are exact). Only then is it put in place. With
    O(mode=replace) the swap is one short step, blocking and ending the
    connections to the current database, renaming it to
    C(<db>_before_<stamp>) (it is kept) and renaming the side database to
    O(db), both renames in one transaction. The current database is never
    dropped or written to; any failure before the swap drops the side
    database only.
  - Directory dumps whose table data files were compressed with zstd are fed
    to C(pg_restore --jobs) through named pipes, one C(zstd -dc) per table,
    so decompression runs inside the parallel load and needs no disk space.
    Custom dumps compressed with zstd are decompressed to O(tmp_dir) first
    when O(jobs) > 1 (C(pg_restore --jobs) needs a seekable file), or streamed
    when O(jobs=1). Plain dumps are loaded with C(psql) and C(ON_ERROR_STOP).
  - The load runs with C(maintenance_work_mem) raised and
    C(synchronous_commit=off) (through C(PGOPTIONS)); the restored database
    is analyzed before it is verified and swapped in.
author:
  - saasops maintainers (@saasops)
extends_documentation_fragment:
  - saasops.maintenance.postgres
  - saasops.maintenance.attributes
attributes:
  check_mode:
    support: full
    details: Re-checks the checksums, connects and reports what would be done; changes nothing.
  diff_mode:
    support: none
options:
  backup:
    description:
      - Path of the backup directory (C(<store>/<series>-<stamp>)), as returned
        by M(saasops.maintenance.pg_backup) in RV(saasops.maintenance.pg_backup#module:backup).
      - Mutually exclusive with O(store).
    type: path
  store:
    description:
      - A backup store; its newest verified PostgreSQL backup (of O(series)
        when set) is restored.
    type: path
  series:
    description:
      - With O(store), only consider backups of this series.
    type: str
  db:
    description:
      - Database to restore into. Defaults to the database of O(uri), then to
        the database named in the backup's manifest.
    type: str
    aliases: [database]
  mode:
    description:
      - C(replace) swaps the verified restore in for O(db) and keeps the
        previous database as C(<db>_before_<stamp>); when O(db) does not
        exist it is simply created.
      - C(new) restores into O(db), which must not exist.
      - C(drill) restores into a scratch database, verifies it against the
        manifest and drops it (a restore test that changes nothing).
    type: str
    choices: [replace, new, drill]
    default: replace
  jobs:
    description:
      - Parallel C(pg_restore) jobs; defaults to the number of CPUs.
    type: int
  globals:
    description:
      - Apply the backup's C(globals.sql) (roles, memberships, tablespaces)
        before the load. Roles and tablespaces that already exist are left as
        they are (their attributes and passwords are not reset); missing ones
        are created.
    type: bool
    default: false
  no_owner:
    description:
      - Do not restore object ownership (C(pg_restore --no-owner)); objects
        belong to the restoring user, or to O(owner). Use it when the roles
        of the source server do not exist here.
    type: bool
    default: false
  no_acl:
    description:
      - Do not restore privileges (C(pg_restore --no-acl)).
    type: bool
    default: false
  owner:
    description:
      - Owner of the restored database. Defaults to the owner of the current
        O(db) when it exists, else the connecting user.
    type: str
  role_map:
    description:
      - Map of old role to new role; after the load, C(REASSIGN OWNED BY old
        TO new) runs in the restored database. Both roles must exist (apply
        O(globals) or use O(no_owner) otherwise).
      - C(REASSIGN OWNED) also moves shared objects owned by the old role
        (databases, tablespaces) to the new role.
    type: dict
  analyze:
    description:
      - Run C(ANALYZE) on the restored database before it is verified and
        swapped in, so the planner has statistics from the first query
        (C(vacuumdb --analyze-only), O(jobs) tables at a time).
    type: bool
    default: true
  maintenance_work_mem:
    description:
      - C(maintenance_work_mem) for the load (index builds), set per session.
    type: str
    default: 512MB
  tablespace:
    description:
      - Tablespace of the restored database.
    type: str
  tmp_dir:
    description:
      - Scratch space for the named pipes and for decompressing custom dumps.
        The system's temporary directory when unset.
    type: path
  zstd_path:
    description:
      - The C(zstd) program; looked up in E(PATH) when unset.
    type: path
notes:
  - Database-level settings (C(ALTER DATABASE ... SET)) and database
    privileges are not part of a C(pg_dump) without C(--create); the restored
    database gets the owner, encoding and locale of the current one.
  - A restore killed with SIGKILL cannot clean up; its side database
    C(<db>_restore_<stamp>) is left behind (the current database is untouched).
seealso:
  - module: saasops.maintenance.pg_backup
  - module: saasops.maintenance.files_restore
"""

EXAMPLES = r"""
- name: Restore the newest verified backup over the production database (the current one is kept)
  saasops.maintenance.pg_restore:
    store: /var/backups/postgresql
    series: stairs_production
    db: stairs_production
    mode: replace
    jobs: 4
    login_unix_socket: /run/postgresql
    login_user: postgres

- name: Restore one backup into a new database for inspection, without the source's roles
  saasops.maintenance.pg_restore:
    backup: /var/backups/postgresql/stairs_production-20261124T020000Z
    db: stairs_inspect
    mode: new
    no_owner: true
    owner: analyst

- name: Weekly restore test
  saasops.maintenance.pg_restore:
    store: /var/backups/postgresql
    db: restore_drill
    mode: drill
"""

RETURN = r"""
database:
  description: The database restored.
  returned: always
  type: str
backup:
  description: Path of the backup that was restored.
  returned: always
  type: str
backup_name:
  description: Name of the backup in its store.
  returned: always
  type: str
backup_end:
  description: When the backup was taken (its end, UTC).
  returned: always
  type: str
data_age_hours:
  description: Age of the restored data (hours since the backup ended), for a recovery point report.
  returned: always
  type: float
previous_database:
  description: Name under which the previous database is kept (O(mode=replace) over an existing database).
  returned: always
  type: str
side_database:
  description: The side database the backup was loaded into.
  returned: always
  type: str
tables:
  description: Tables in the restored database.
  returned: success
  type: int
rows:
  description: Rows in all tables (counted when the manifest's counts are exact).
  returned: success
  type: int
row_counts:
  description: C(exact) when every table's row count was compared, C(estimated) when only the table set was.
  returned: success
  type: str
loader:
  description: How the data was loaded (for example C(pg_restore --jobs=4 with 12 zstd FIFOs)).
  returned: success
  type: str
phases:
  description: Seconds per phase (checksums, create, globals, load, analyze, verify, swap or drop).
  returned: success
  type: dict
duration:
  description: Seconds the whole restore took.
  returned: success
  type: float
globals_skipped:
  description: Roles and tablespaces of C(globals.sql) that existed already and were left unchanged.
  returned: when O(globals=true)
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.saasops.maintenance.plugins.module_utils.common import MaintenanceError
from ansible_collections.saasops.maintenance.plugins.module_utils.pg_restore import PgRestore
from ansible_collections.saasops.maintenance.plugins.module_utils.postgres import (
    POSTGRES_MUTUALLY_EXCLUSIVE, Postgres, postgres_argument_spec,
)


def main() -> None:
    argument_spec = postgres_argument_spec()
    argument_spec.update(
        backup=dict(type="path"),
        store=dict(type="path"),
        series=dict(type="str"),
        db=dict(type="str", aliases=["database"]),
        mode=dict(type="str", choices=["replace", "new", "drill"], default="replace"),
        jobs=dict(type="int"),
        globals=dict(type="bool", default=False),
        no_owner=dict(type="bool", default=False),
        no_acl=dict(type="bool", default=False),
        owner=dict(type="str"),
        role_map=dict(type="dict"),
        analyze=dict(type="bool", default=True),
        maintenance_work_mem=dict(type="str", default="512MB"),
        tablespace=dict(type="str"),
        tmp_dir=dict(type="path"),
        zstd_path=dict(type="path"),
    )
    module = AnsibleModule(
        argument_spec=argument_spec, supports_check_mode=True,
        mutually_exclusive=POSTGRES_MUTUALLY_EXCLUSIVE + [("backup", "store")],
        required_one_of=[("backup", "store")],
        required_by={"series": "store"},
    )
    try:
        pg = Postgres.from_params(module, module.params)
        result = PgRestore(pg, module.params, check_mode=module.check_mode).run()
    except MaintenanceError as err:
        module.fail_json(msg=str(err), **err.details)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
