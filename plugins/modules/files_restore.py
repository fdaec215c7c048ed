#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, saasops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
module: files_restore
short_description: Restore a files backup by staging it next to the target and swapping it in
version_added: 0.1.0
description:
  - Restores the sources of a backup written by M(saasops.maintenance.files_backup),
    given by its path or as the newest verified files backup of a store,
    after re-checking the archive's sha256 against the manifest.
  - The whole archive is read first; it is refused when any member has an
    absolute path, a C(..) component, is a device or a FIFO, lies outside the
    backup's sources, or is a symbolic or hard link that leaves its source.
  - Each source is extracted with GNU tar (ownership, modes, ACLs and xattrs
    kept) into C(.<name>.restore-<stamp>) next to its target, then swapped in
    by renames; the previous tree is kept as C(<target>.before-<stamp>).
    A failed extraction removes the staging directory and leaves the target
    as it was.
author:
  - saasops maintainers (@saasops)
extends_documentation_fragment:
  - saasops.maintenance.attributes
attributes:
  check_mode:
    support: full
    details: Re-checks the checksums and every member of the archive, reports what would be restored.
  diff_mode:
    support: none
options:
  backup:
    description:
      - Path of the backup directory (C(<store>/<series>-<stamp>)). Mutually exclusive with O(store).
    type: path
  store:
    description:
      - A backup store; its newest verified files backup (of O(series) when set) is restored.
    type: path
  series:
    description:
      - With O(store), only consider backups of this series.
    type: str
  paths:
    description:
      - The sources of the backup to restore (absolute paths as listed in its
        manifest). All of them when unset.
    type: list
    elements: path
  root:
    description:
      - Restore under this directory instead of C(/); the source
        C(/var/www/app/uploads) then goes to C(<root>/var/www/app/uploads).
        Useful to inspect a backup without touching the live tree.
    type: path
    default: /
  zstd_path:
    description:
      - The C(zstd) program; looked up in E(PATH) when unset.
    type: path
  tar_path:
    description:
      - The GNU C(tar) program; looked up in E(PATH) when unset.
    type: path
notes:
  - The previous trees (C(<target>.before-<stamp>)) are kept; remove them
    once the restore is confirmed.
  - With several sources each one is swapped in turn; a failure while
    swapping one leaves the ones before it restored (and their previous
    trees kept).
seealso:
  - module: saasops.maintenance.files_backup
  - module: saasops.maintenance.pg_restore
"""

EXAMPLES = r"""
- name: Restore the uploads from the newest verified files backup
  saasops.maintenance.files_restore:
    store: /var/backups/files
    series: uploads
    paths: [/var/www/stairs-new/backend/uploads]

- name: Unpack a backup under /srv/inspect to look at it
  saasops.maintenance.files_restore:
    backup: /var/backups/files/uploads-20261124T020000Z
    root: /srv/inspect
"""

RETURN = r"""
backup:
  description: Path of the backup restored.
  returned: always
  type: str
backup_end:
  description: When the backup was taken (its end, UTC).
  returned: always
  type: str
data_age_hours:
  description: Age of the restored files (hours since the backup ended).
  returned: always
  type: float
restored:
  description: One item per restored source, with C(source), C(target), C(previous) (where the previous tree is kept, or null) and C(members).
  returned: always
  type: list
  elements: dict
members:
  description: Archive members restored.
  returned: always
  type: int
phases:
  description: Seconds per phase (checksums, inspect, extract, swap).
  returned: success
  type: dict
duration:
  description: Seconds the restore took.
  returned: success
  type: float
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.saasops.maintenance.plugins.module_utils.common import MaintenanceError
from ansible_collections.saasops.maintenance.plugins.module_utils.files_restore import FilesRestore


def main() -> None:
    module = AnsibleModule(
        argument_spec=dict(
            backup=dict(type="path"),
            store=dict(type="path"),
            series=dict(type="str"),
            paths=dict(type="list", elements="path"),
            root=dict(type="path", default="/"),
            zstd_path=dict(type="path"),
            tar_path=dict(type="path"),
        ),
        supports_check_mode=True,
        mutually_exclusive=[("backup", "store")],
        required_one_of=[("backup", "store")],
        required_by={"series": "store"},
    )
    try:
        result = FilesRestore(module, module.params, check_mode=module.check_mode).run()
    except MaintenanceError as err:
        module.fail_json(msg=str(err), **err.details)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
