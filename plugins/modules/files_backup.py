#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, saasops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
module: files_backup
short_description: Verified tar archive of directories and files into a backup store
version_added: 0.1.0
description:
  - Archives directories and files (uploads, media, C(.env), C(docker-compose.yml))
    with GNU tar into C(files.tar.zst) or C(files.tar.gz) inside a new backup of the
    store, under a temporary name; fsyncs it, reads the whole archive back to verify
    it, writes a JSON manifest (sources, members, sizes, sha256) and only then
    renames it into place, like M(saasops.maintenance.pg_backup).
  - Members are stored relative to C(/) (C(var/www/app/uploads/a.png)), with
    permissions, ACLs and extended attributes.
  - Files that change while they are read (tar exit code 1) are archived and
    reported in RV(warnings); any other tar error fails the backup.
author:
  - saasops maintainers (@saasops)
extends_documentation_fragment:
  - saasops.maintenance.attributes
attributes:
  check_mode:
    support: full
    details: Checks the sources and reports the backup it would write.
  diff_mode:
    support: none
options:
  src:
    description:
      - Absolute paths of directories and files to archive.
    type: list
    elements: path
    required: true
  dest:
    description:
      - The backup store, a directory; created with mode 0700 if missing.
        It must not be inside a source.
    type: path
    required: true
  name:
    description:
      - Series name, the prefix of the backup's name (C(<name>-<UTC timestamp>)).
    type: str
    default: files
  exclude:
    description:
      - GNU tar exclude patterns (shell wildcards matched against member names),
        for example C(*/cache/*) or C(*.tmp).
    type: list
    elements: str
    default: []
  compression:
    description:
      - Compression of the archive.
    type: str
    choices: [zstd, gzip]
    default: zstd
  compression_level:
    description:
      - Compression level; 3 for zstd and 6 for gzip when unset.
    type: int
  ignore_missing:
    description:
      - Archive the sources that exist instead of failing when one is missing
        (the missing ones are listed in the result and the manifest).
    type: bool
    default: false
  min_size_ratio:
    description:
      - Fail when the archive is smaller than this fraction of the previous
        verified backup of the same series. C(0) turns the guard off.
    type: float
    default: 0
  zstd_path:
    description:
      - The C(zstd) program; looked up in E(PATH) when unset.
    type: path
  tar_path:
    description:
      - GNU C(tar); looked up in E(PATH) when unset.
    type: path
seealso:
  - module: saasops.maintenance.pg_backup
  - module: saasops.maintenance.backup_prune
"""

EXAMPLES = r"""
- name: Back up the uploads and the app's configuration
  saasops.maintenance.files_backup:
    src:
      - /var/www/stairs-new/backend/uploads
      - /var/www/stairs-new/backend/.env
    exclude: ["*/temp/*"]
    dest: /var/backups/files
    name: stairs-uploads
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
backup:
  description: Path of the backup directory.
  returned: always
  type: str
manifest:
  description: Path of the manifest.
  returned: success
  type: str
size:
  description: Bytes of the archive.
  returned: success
  type: int
members:
  description: Entries (files, directories, links) in the archive.
  returned: success
  type: int
duration:
  description: Seconds, verification included.
  returned: success
  type: float
sources:
  description: The sources archived.
  returned: success
  type: list
  elements: str
missing:
  description: Sources that did not exist (with O(ignore_missing)).
  returned: success
  type: list
  elements: str
warnings:
  description: Messages of tar about files that changed while they were read.
  returned: success
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.saasops.maintenance.plugins.module_utils.common import MaintenanceError
from ansible_collections.saasops.maintenance.plugins.module_utils.files_backup import FilesBackup


def main() -> None:
    module = AnsibleModule(
        argument_spec=dict(
            src=dict(type="list", elements="path", required=True),
            dest=dict(type="path", required=True),
            name=dict(type="str", default="files"),
            exclude=dict(type="list", elements="str", default=[]),
            compression=dict(type="str", choices=["zstd", "gzip"], default="zstd"),
            compression_level=dict(type="int"),
            ignore_missing=dict(type="bool", default=False),
            min_size_ratio=dict(type="float", default=0),
            zstd_path=dict(type="path"),
            tar_path=dict(type="path"),
        ),
        supports_check_mode=True,
    )
    try:
        result = FilesBackup(module, module.params, check_mode=module.check_mode).run()
    except MaintenanceError as err:
        module.fail_json(msg=str(err), **err.details)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
