#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, saasops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
module: mongo_restore
short_description: Restore a verified MongoDB backup with mongorestore
version_added: 0.1.0
description:
  - Checks a backup written by M(saasops.maintenance.mongo_backup) against its
    manifest (sha256 of every file, complete gzip stream, archive header) and
    restores it with C(mongorestore --archive=<file> --gzip --stopOnError).
  - Fails when mongorestore reports documents that failed to restore.
  - B(Not tested against a real MongoDB server); see the notes.
author:
  - saasops maintainers (@saasops)
extends_documentation_fragment:
  - saasops.maintenance.mongodb
  - saasops.maintenance.attributes
attributes:
  check_mode:
    support: full
    details: Verifies the backup, restores nothing.
  diff_mode:
    support: none
options:
  backup:
    description:
      - The backup directory (RV(saasops.maintenance.mongo_backup#module:backup)).
    type: path
    required: true
  drop:
    description:
      - Drop each collection before restoring it (C(--drop)).
    type: bool
    default: false
  ns_include:
    description:
      - Only restore these namespaces (C(--nsInclude), for example C(app.users)).
    type: list
    elements: str
    default: []
  ns_from:
    description:
      - Rename namespaces while restoring (C(--nsFrom)), for example C(app.*)
        with O(ns_to=app_restored.*) to restore beside the live database.
    type: str
  ns_to:
    description:
      - Target of O(ns_from) (C(--nsTo)).
    type: str
  oplog_replay:
    description:
      - Replay the oplog captured by a O(saasops.maintenance.mongo_backup#module:oplog) backup (C(--oplogReplay)).
    type: bool
    default: false
  mongorestore_path:
    description:
      - The C(mongorestore) program; looked up in E(PATH) when unset.
    type: path
seealso:
  - module: saasops.maintenance.mongo_backup
"""

EXAMPLES = r"""
- name: Restore last night's backup beside the live database
  saasops.maintenance.mongo_restore:
    uri: "{{ vault_atlas_uri }}"
    backup: /var/backups/mongodb/app-20261124T020000Z
    ns_from: "app.*"
    ns_to: "app_restored.*"
"""

RETURN = r"""
backup:
  description: The backup restored.
  returned: always
  type: str
name:
  description: The backup's name.
  returned: always
  type: str
target:
  description: The connection string without its password.
  returned: always
  type: str
verified:
  description: The backup matched its manifest before the restore.
  returned: always
  type: bool
restored_documents:
  description: Documents mongorestore reported as restored.
  returned: success
  type: int
failed_documents:
  description: Documents mongorestore reported as failed to restore (the module fails when any did).
  returned: success
  type: int
expected_documents:
  description: Documents the backup's manifest says were dumped.
  returned: success
  type: int
duration:
  description: Seconds the restore took.
  returned: success
  type: float
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.saasops.maintenance.plugins.module_utils.common import MaintenanceError
from ansible_collections.saasops.maintenance.plugins.module_utils.mongo import (
    MongoConnection, MongoRestore, mongo_argument_spec,
)


def main() -> None:
    argument_spec = mongo_argument_spec()
    argument_spec.update(
        backup=dict(type="path", required=True),
        drop=dict(type="bool", default=False),
        ns_include=dict(type="list", elements="str", default=[]),
        ns_from=dict(type="str"),
        ns_to=dict(type="str"),
        oplog_replay=dict(type="bool", default=False),
        mongorestore_path=dict(type="path"),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True,
                           required_together=[("ns_from", "ns_to")])
    try:
        conn = MongoConnection(module, module.params["uri"], module.params.get("login_password"))
        result = MongoRestore(conn, module.params, check_mode=module.check_mode).run()
    except MaintenanceError as err:
        module.fail_json(msg=str(err), **err.details)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
