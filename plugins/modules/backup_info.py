#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, saasops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
module: backup_info
short_description: List the backups of a store, check their freshness and checksums
version_added: 0.1.0
description:
  - Lists the backups of a store with their verified state, size and age, the
    failed attempts newer than the newest verified backup, and leftovers of
    interrupted backups.
  - O(max_age_hours) makes it fail when the newest verified backup is older
    (or missing); that is the freshness check of a daily run.
  - O(verify) re-reads backups and compares every file with the sha256 of its
    manifest (for example on the offsite copy after a sync).
author:
  - saasops maintainers (@saasops)
extends_documentation_fragment:
  - saasops.maintenance.attributes
attributes:
  check_mode:
    support: full
    details: Reads only.
  diff_mode:
    support: none
options:
  dest:
    description: The backup store.
    type: path
    required: true
  series:
    description: Only this series (backup name prefix).
    type: str
  max_age_hours:
    description: Fail when the newest verified backup is older than this, or when there is none.
    type: float
  verify:
    description:
      - Re-check checksums against the manifests, of no backup, the newest verified one, or all.
    type: str
    choices: [none, newest, all]
    default: none
seealso:
  - module: saasops.maintenance.backup_prune
"""

EXAMPLES = r"""
- name: Fail the daily run when last night's backup is missing
  saasops.maintenance.backup_info:
    dest: /var/backups/postgresql
    series: stairs_production
    max_age_hours: 26
"""

RETURN = r"""
backups:
  description: The backups, oldest first (name, backup path, series, kind, verified, end, size, age_hours, ...).
  returned: always
  type: list
  elements: dict
newest:
  description: The newest verified backup, or null.
  returned: always
  type: dict
newest_age_hours:
  description: Age of the newest verified backup in hours, or null.
  returned: always
  type: float
fresh:
  description: Whether the newest verified backup is within O(max_age_hours) (true when not set).
  returned: success
  type: bool
failures:
  description: Failed attempts newer than the newest verified backup, with their error.
  returned: always
  type: list
  elements: dict
partials:
  description: Leftovers of interrupted backups.
  returned: always
  type: list
  elements: str
count:
  description: Number of backups.
  returned: always
  type: int
verified_count:
  description: Number of verified backups.
  returned: always
  type: int
total_size:
  description: Bytes of all backups.
  returned: always
  type: int
problems:
  description: Checksum problems found by O(verify).
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.saasops.maintenance.plugins.module_utils.common import MaintenanceError
from ansible_collections.saasops.maintenance.plugins.module_utils.retention import Info


def main() -> None:
    module = AnsibleModule(
        argument_spec=dict(
            dest=dict(type="path", required=True),
            series=dict(type="str"),
            max_age_hours=dict(type="float"),
            verify=dict(type="str", choices=["none", "newest", "all"], default="none"),
        ),
        supports_check_mode=True,
    )
    try:
        result = Info(module.params).run()
    except MaintenanceError as err:
        module.fail_json(msg=str(err), **err.details)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
