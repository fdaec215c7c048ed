#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, saasops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
module: mongo_backup
short_description: Verified MongoDB (Atlas) backup with mongodump into a backup store
version_added: 0.1.0
description:
  - Runs C(mongodump --archive=<file> --gzip) into a temporary directory of a
    backup store, verifies the archive (complete gzip stream, mongodump archive
    header, sha256 checksums, size against the previous verified backup of the
    series), writes a manifest with C(kind=mongodb) and only then renames the
    backup into place. A failed attempt leaves no partial backup and is
    recorded in the store's C(.failed/) folder.
  - The store and manifest are those of M(saasops.maintenance.pg_backup), so
    M(saasops.maintenance.backup_info) and M(saasops.maintenance.backup_prune)
    report on and prune MongoDB backups like PostgreSQL ones.
  - The manifest lists the dumped collections with their document counts, as
    mongodump reports them (C(done dumping db.coll (N documents))).
  - B(Not tested against a real MongoDB server); see the notes.
author:
  - saasops maintainers (@saasops)
extends_documentation_fragment:
  - saasops.maintenance.mongodb
  - saasops.maintenance.attributes
attributes:
  check_mode:
    support: full
    details: Runs nothing and writes nothing; reports the backup it would write.
  diff_mode:
    support: none
options:
  db:
    description:
      - Database to dump (C(--db)). Every database of the deployment is dumped
        when unset (the database of O(uri) only names the authentication database).
    type: str
  dest:
    description:
      - The backup store, a directory; created with mode 0700 if missing.
    type: path
    required: true
  name:
    description:
      - Series name, the prefix of the backup's directory name
        (C(<name>-<UTC timestamp>)). Defaults to O(db), the database of O(uri) or C(mongodb).
    type: str
  exclude_collections:
    description:
      - Collections of O(db) to leave out (C(--excludeCollection)).
    type: list
    elements: str
    default: []
  oplog:
    description:
      - Also capture the oplog during the dump (C(--oplog)) for a point-in-time
        consistent dump of a replica set. Cannot be combined with O(db).
    type: bool
    default: false
  read_preference:
    description:
      - C(--readPreference), for example C(secondary) to dump from a secondary.
    type: str
  min_size_ratio:
    description:
      - Fail when the new archive is smaller than this fraction of the previous
        verified backup of the same series. C(0) turns the guard off.
    type: float
    default: 0.5
  mongodump_path:
    description:
      - The C(mongodump) program; looked up in E(PATH) when unset.
    type: path
seealso:
  - module: saasops.maintenance.mongo_restore
  - module: saasops.maintenance.backup_info
  - module: saasops.maintenance.backup_prune
"""

EXAMPLES = r"""
- name: Nightly backup of the Atlas database
  saasops.maintenance.mongo_backup:
    uri: "{{ vault_atlas_uri }}"
    db: app
    dest: /var/backups/mongodb

- name: Whole replica set with the oplog, read from a secondary
  saasops.maintenance.mongo_backup:
    uri: "mongodb+srv://backup@cluster0.abcde.mongodb.net/admin"
    login_password: "{{ vault_atlas_backup_password }}"
    dest: /var/backups/mongodb
    name: cluster0
    oplog: true
    read_preference: secondary
"""

RETURN = r"""
name:
  description: Name of the backup in the store.
  returned: always
  type: str
  sample: app-20261124T020000Z
series:
  description: The series of the backup (retention and freshness work per series).
  returned: always
  type: str
backup:
  description: Path of the backup directory (the input of M(saasops.maintenance.mongo_restore)).
  returned: always
  type: str
target:
  description: The connection string without its password.
  returned: always
  type: str
  sample: mongodb+srv://backup:********@cluster0.abcde.mongodb.net/app
manifest:
  description: Path of the backup's manifest.
  returned: success
  type: str
size:
  description: Bytes written.
  returned: success
  type: int
duration:
  description: Seconds the backup took, verification included.
  returned: success
  type: float
phases:
  description: Seconds per phase (C(dump)).
  returned: success
  type: dict
database:
  description: The database dumped, or null for all of them.
  returned: success
  type: str
collections:
  description: Number of collections mongodump reported as dumped.
  returned: success
  type: int
documents:
  description: Documents mongodump reported as dumped.
  returned: success
  type: int
verification:
  description: What was verified.
  returned: success
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.saasops.maintenance.plugins.module_utils.common import MaintenanceError
from ansible_collections.saasops.maintenance.plugins.module_utils.mongo import (
    MongoBackup, MongoConnection, mongo_argument_spec,
)


def main() -> None:
    argument_spec = mongo_argument_spec()
    argument_spec.update(
        db=dict(type="str"),
        dest=dict(type="path", required=True),
        name=dict(type="str"),
        exclude_collections=dict(type="list", elements="str", default=[]),
        oplog=dict(type="bool", default=False),
        read_preference=dict(type="str"),
        min_size_ratio=dict(type="float", default=0.5),
        mongodump_path=dict(type="path"),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True,
                           mutually_exclusive=[("oplog", "db")])
    try:
        conn = MongoConnection(module, module.params["uri"], module.params.get("login_password"))
        result = MongoBackup(conn, module.params, check_mode=module.check_mode).run()
    except MaintenanceError as err:
        module.fail_json(msg=str(err), **err.details)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
