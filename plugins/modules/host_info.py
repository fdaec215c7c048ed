#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, saasops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
module: host_info
short_description: Disk, memory, load and largest directories of a host, with what is at risk
version_added: 0.1.0
description:
  - Reports what the runbooks check with C(df -h), C(free -h), C(uptime) and
    C(du -h -d 1 PATH | sort -hr | head), read from C(/proc) and the filesystem
    without running commands.
  - Disk free per mount is the share of the space ordinary users can still use
    (as C(df) computes it); pseudo filesystems are skipped. A mount with less
    free space or fewer free inodes than O(min_disk_free_percent) is at risk,
    so is memory above O(max_memory_percent) used and a 5-minute load per CPU
    above O(max_load_per_cpu).
  - The largest directories are measured like C(du) (allocated blocks, hard
    links once, symlinks not followed, one filesystem unless told otherwise).
author:
  - saasops maintainers (@saasops)
extends_documentation_fragment:
  - saasops.maintenance.attributes
attributes:
  check_mode:
    support: full
    details: Only reads; runs the same in check mode.
  diff_mode:
    support: none
options:
  mounts:
    description: Only report these mount points; all real filesystems when empty.
    type: list
    elements: path
    default: []
  du_paths:
    description: Directories whose largest subdirectories are reported.
    type: list
    elements: path
    default: []
  top:
    description: How many of the largest subdirectories to report per path.
    type: int
    default: 10
  one_file_system:
    description: Do not count other filesystems mounted below a path (C(du -x)).
    type: bool
    default: true
  min_disk_free_percent:
    description: A mount with less free space (or free inodes) than this is at risk (runbooks, 20%).
    type: float
    default: 20
  max_memory_percent:
    description: Memory use above this is at risk (the runbooks alert above 90%).
    type: float
    default: 90
  max_load_per_cpu:
    description: A 5-minute load average per CPU above this is at risk.
    type: float
    default: 1.0
"""

EXAMPLES = r"""
- name: What is at risk on this host
  saasops.maintenance.host_info:
    du_paths: [/var/www/stairs-new/backend]
  register: health

- name: Show it
  ansible.builtin.debug:
    var: health.at_risk
"""

RETURN = r"""
disks:
  description: Per mount, sizes in bytes, free space and inodes in percent, and whether it is at risk.
  returned: always
  type: list
  elements: dict
  sample: [{mount: /, device: /dev/sda1, fstype: ext4, size: 42949672960, used: 30064771072,
            available: 10737418240, free_percent: 26.3, inodes_free_percent: 91.2, at_risk: false}]
memory:
  description: Total and available memory in bytes, percent used, swap, whether it is at risk.
  returned: always
  type: dict
load:
  description: Load averages, CPU count, 5-minute load per CPU, whether it is at risk.
  returned: always
  type: dict
largest:
  description: Per O(du_paths) item, its size and its largest subdirectories (bytes), biggest first.
  returned: always
  type: list
  elements: dict
at_risk:
  description: One sentence per problem found.
  returned: always
  type: list
  elements: str
  sample: ["disk /var: 12.5% free, below 20%"]
healthy:
  description: Whether nothing is at risk.
  returned: always
  type: bool
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.saasops.maintenance.plugins.module_utils.host_info import HostInfo


def main() -> None:
    module = AnsibleModule(
        argument_spec=dict(
            mounts=dict(type="list", elements="path", default=[]),
            du_paths=dict(type="list", elements="path", default=[]),
            top=dict(type="int", default=10),
            one_file_system=dict(type="bool", default=True),
            min_disk_free_percent=dict(type="float", default=20),
            max_memory_percent=dict(type="float", default=90),
            max_load_per_cpu=dict(type="float", default=1.0),
        ),
        supports_check_mode=True,
    )
    module.exit_json(**HostInfo(module.params).run())


if __name__ == "__main__":
    main()
