#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, saasops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
module: backup_prune
short_description: Apply a retention policy to a backup store
version_added: 0.1.0
description:
  - Deletes the verified backups of a store that fall outside a
    grandfather-father-son policy, per series (the name prefix of the backups),
    the newest backup of each of the last O(keep_daily) days, O(keep_weekly) ISO
    weeks and O(keep_monthly) months that have a backup, and at least the
    O(min_keep) newest.
  - Never deletes the newest verified backup. Deletes nothing in a series whose
    newest backup attempt failed (a failure is recorded by
    M(saasops.maintenance.pg_backup) and M(saasops.maintenance.files_backup)),
    unless O(prune_after_failure) is set, so a broken nightly backup never
    eats the last good ones.
  - Never deletes a backup whose manifest is missing or unverified (it is
    reported for a person to look at); removes leftovers of interrupted backups
    (C(.tmp-*)).
  - Check mode lists what would be deleted and why.
author:
  - saasops maintainers (@saasops)
extends_documentation_fragment:
  - saasops.maintenance.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
options:
  dest:
    description: The backup store.
    type: path
    required: true
  series:
    description: Only this series (backup name prefix); all series when unset.
    type: str
  keep_daily:
    description: Days (that have a backup) whose newest backup is kept.
    type: int
    default: 7
  keep_weekly:
    description: ISO weeks whose newest backup is kept.
    type: int
    default: 4
  keep_monthly:
    description: Months whose newest backup is kept.
    type: int
    default: 6
  min_keep:
    description: The newest verified backups kept whatever their age.
    type: int
    default: 3
  prune_after_failure:
    description: Prune a series even when its newest backup attempt failed.
    type: bool
    default: false
  remove_partials:
    description: Remove leftovers of interrupted backups (C(.tmp-*)).
    type: bool
    default: true
seealso:
  - module: saasops.maintenance.backup_info
"""

EXAMPLES = r"""
- name: Keep a week of dailies, a month of weeklies, half a year of monthlies
  saasops.maintenance.backup_prune:
    dest: /var/backups/postgresql
    keep_daily: 7
    keep_weekly: 4
    keep_monthly: 6
"""

RETURN = r"""
deleted:
  description: Backups deleted (or, in check mode, that would be), with the reason.
  returned: always
  type: list
  elements: dict
kept:
  description: Backups kept, with the reasons.
  returned: always
  type: list
  elements: dict
partials:
  description: Leftovers of interrupted backups removed.
  returned: always
  type: list
  elements: str
skipped:
  description: Series left alone, with the reason (newest attempt failed).
  returned: always
  type: list
  elements: dict
failed_series:
  description: Series whose newest backup attempt failed.
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.saasops.maintenance.plugins.module_utils.common import MaintenanceError
from ansible_collections.saasops.maintenance.plugins.module_utils.retention import Prune


def main() -> None:
    module = AnsibleModule(
        argument_spec=dict(
            dest=dict(type="path", required=True),
            series=dict(type="str"),
            keep_daily=dict(type="int", default=7),
            keep_weekly=dict(type="int", default=4),
            keep_monthly=dict(type="int", default=6),
            min_keep=dict(type="int", default=3),
            prune_after_failure=dict(type="bool", default=False),
            remove_partials=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    for key in ("keep_daily", "keep_weekly", "keep_monthly", "min_keep"):
        if module.params[key] < 0:
            module.fail_json(msg="%s must not be negative" % key)
    try:
        result = Prune(module.params, check_mode=module.check_mode).run()
    except MaintenanceError as err:
        module.fail_json(msg=str(err), **err.details)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
