#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, saasops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
module: pg_backup
short_description: Verified backup of one PostgreSQL database into a backup store
version_added: 0.1.0
description:
  - Dumps one database with C(pg_dump) into a backup store directory, under a
    temporary name; fsyncs it, verifies it, writes a JSON manifest beside the
    dump and only then renames it into place. A failed or interrupted backup
    never looks complete and never touches older backups.
  - Verification covers the exit codes, C(pg_restore --list) for archive
    formats, the table data files of a directory dump (each must end with the
    COPY terminator), the completion line of a plain dump, sha256 checksums of
    every file, and a size guard against the previous verified backup
    (C(pg_dump) can exit 0 after a refused connection and leave an empty dump).
  - The manifest records format, compression, database, server and client
    versions, start, end, duration, sizes, the sha256 of every file and the
    tables with their row counts. Row counts are exact (counted from the dump
    itself) for directory dumps compressed with zstd or not compressed, and
    estimated from the statistics otherwise; the manifest says which.
  - With O(format=directory) and O(compression=zstd) the table data files are
    compressed by C(zstd) while C(pg_dump) is still writing them, so compression
    overlaps with the dump; each compressed file is hashed and fsynced as soon as it
    is complete, while other tables are still being dumped. Named pipes wait under
    the names of the table data files (those of the previous backup of the series,
    or for its first backup those a data-less C(pg_dump) probe predicts), so the
    data goes from C(pg_dump) to C(zstd) without being written uncompressed first
    (RV(streamed_tables)).
    C(pg_restore) of PostgreSQL 15 cannot read those
    C(.zst) files; use M(saasops.maintenance.pg_restore) or decompress them first.
author:
  - saasops maintainers (@saasops)
extends_documentation_fragment:
  - saasops.maintenance.postgres
  - saasops.maintenance.attributes
attributes:
  check_mode:
    support: full
    details: Connects and lists the tables, writes nothing.
  diff_mode:
    support: none
options:
  db:
    description:
      - Database to back up. Defaults to the database of O(uri).
    type: str
    aliases: [database]
  dest:
    description:
      - The backup store, a directory; created with mode 0700 if missing.
    type: path
    required: true
  name:
    description:
      - Series name, the prefix of the backup's directory name
        (C(<name>-<UTC timestamp>)). Defaults to a file-name-safe form of O(db).
      - Retention (M(saasops.maintenance.backup_prune)) works per series.
    type: str
  format:
    description:
      - C(directory) dumps tables in parallel (O(jobs)); C(custom) and C(plain)
        write one file (and are what works through O(exec_prefix)).
    type: str
    choices: [directory, custom, plain]
    default: directory
  compression:
    description:
      - C(zstd) (multithreaded, default), C(gzip) (by C(pg_dump) itself) or C(none).
    type: str
    choices: [zstd, gzip, none]
    default: zstd
  compression_level:
    description:
      - Level for the chosen compression; 2 for zstd and 6 for gzip when unset.
      - zstd level 2 is the cheapest level that keeps the backup no bigger than
        C(gzip -6) of the same dump on typical SaaS data (see docs/performance.md).
    type: int
  jobs:
    description:
      - Parallel C(pg_dump) jobs for O(format=directory) and zstd threads;
        defaults to the number of CPUs of the target.
    type: int
  globals:
    description:
      - Also dump roles, role memberships and tablespaces with
        C(pg_dumpall --globals-only) into C(globals.sql) (needs a superuser).
    type: bool
    default: false
  min_size_ratio:
    description:
      - Fail when the new backup is smaller than this fraction of the previous
        verified backup of the same series. C(0) turns the guard off.
    type: float
    default: 0.5
  zstd_path:
    description:
      - The C(zstd) program; looked up in E(PATH) when unset.
    type: path
notes:
  - The backup store is locked while a backup is written; a second backup or
    prune on the same store fails fast instead of waiting.
seealso:
  - module: saasops.maintenance.backup_info
  - module: saasops.maintenance.backup_prune
"""

EXAMPLES = r"""
- name: Nightly verified backup of the application database
  saasops.maintenance.pg_backup:
    db: stairs_production
    dest: /var/backups/postgresql
    login_unix_socket: /run/postgresql
    login_user: postgres
    globals: true

- name: Back up a managed database (Supabase) by URI; the password stays out of argv
  saasops.maintenance.pg_backup:
    uri: "{{ vault_supabase_db_uri }}"
    dest: /var/backups/supabase
    format: custom

- name: Back up the database inside a docker-compose project
  saasops.maintenance.pg_backup:
    db: app
    dest: /srv/backups
    format: custom
    login_user: app
    login_password: "{{ vault_db_password }}"
    exec_prefix: [docker-compose, -f, /srv/app/docker-compose.yml, exec, -T, -e, PGPASSWORD, db]
"""

RETURN = r"""
series:
  description: The series of the backup (retention and freshness work per series).
  returned: always
  type: str
name:
  description: Name of the backup in the store.
  returned: always
  type: str
  sample: stairs_production-20261124T020000Z
backup:
  description:
    - Path of the backup directory (the input of M(saasops.maintenance.pg_restore)).
    - Named C(backup), not C(path), because Ansible replaces C(size) with the
      directory's own size in any result that has a C(path).
  returned: always
  type: str
manifest:
  description: Path of the backup's manifest.
  returned: success
  type: str
size:
  description: Bytes written (all files of the backup).
  returned: success
  type: int
duration:
  description: Seconds the backup took, verification included.
  returned: success
  type: float
phases:
  description:
    - Seconds per phase. C(dump) (C(pg_dump) and the compression that overlaps
      with it), C(pg_dump) (directory dumps; until C(pg_dump) exited), C(probe)
      (only the first zstd directory dump of a series; until the probe that names
      the table data files answered, before C(pg_dump) started),
      C(checksums), C(verify) and C(commit) (fsync and rename).
  returned: success
  type: dict
tables:
  description: Number of tables in the database.
  returned: always
  type: int
rows:
  description: Rows in all tables (exact or estimated, see RV(row_counts)).
  returned: success
  type: int
row_counts:
  description: C(exact) when counted from the dump itself, else C(estimated).
  returned: success
  type: str
streamed_tables:
  description:
    - Table data files of a zstd directory dump that C(pg_dump) wrote into named
      pipes straight to zstd (the uncompressed data never reached the disk or the
      page cache). The others were followed as files while C(pg_dump) wrote them;
      both give the same backup.
  returned: success
  type: int
verification:
  description: What was verified (TOC entries, data files, size guard).
  returned: success
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.saasops.maintenance.plugins.module_utils.common import MaintenanceError
from ansible_collections.saasops.maintenance.plugins.module_utils.pg_backup import PgBackup
from ansible_collections.saasops.maintenance.plugins.module_utils.postgres import (
    POSTGRES_MUTUALLY_EXCLUSIVE, Postgres, postgres_argument_spec,
)


def main() -> None:
    argument_spec = postgres_argument_spec()
    argument_spec.update(
        db=dict(type="str", aliases=["database"]),
        dest=dict(type="path", required=True),
        name=dict(type="str"),
        format=dict(type="str", choices=["directory", "custom", "plain"], default="directory"),
        compression=dict(type="str", choices=["zstd", "gzip", "none"], default="zstd"),
        compression_level=dict(type="int"),
        jobs=dict(type="int"),
        globals=dict(type="bool", default=False),
        min_size_ratio=dict(type="float", default=0.5),
        zstd_path=dict(type="path"),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True,
                           mutually_exclusive=POSTGRES_MUTUALLY_EXCLUSIVE)
    try:
        pg = Postgres.from_params(module, module.params)
        result = PgBackup(pg, module.params, check_mode=module.check_mode).run()
    except MaintenanceError as err:
        module.fail_json(msg=str(err), **err.details)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
