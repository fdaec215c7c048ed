#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, saasops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
module: dependency_audit
short_description: Read-only audit of an application's npm and pip dependencies
version_added: 0.1.0
description:
  - For each application directory, runs C(npm outdated --json) and
    C(npm audit --json --omit=dev) when it has a C(package.json), and
    C(pip-audit --requirement requirements.txt) when it has one and C(pip-audit)
    is installed; returns outdated packages and vulnerability counts by severity.
  - Changes nothing (no C(npm audit fix), no C(npm update)); the runbooks' monthly
    update stays a decision for a person, with the findings in the report.
  - An audit that cannot run (no network to the advisory service, tool missing)
    is reported in RV(apps[].errors) and as at risk, not as a clean result.
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
  paths:
    description: Application directories.
    type: list
    elements: path
    required: true
  requirements_file:
    description: Name of the pip requirements file inside each directory.
    type: str
    default: requirements.txt
  npm_path:
    description: The C(npm) program; looked up in E(PATH) when unset.
    type: path
  pip_audit_path:
    description: The C(pip-audit) program; looked up in E(PATH) when unset.
    type: path
"""

EXAMPLES = r"""
- name: Audit the backend's dependencies
  saasops.maintenance.dependency_audit:
    paths: [/var/www/stairs-new/backend]
"""

RETURN = r"""
apps:
  description: Per directory, the tools run, outdated packages, vulnerabilities by severity and errors.
  returned: always
  type: list
  elements: dict
vulnerabilities:
  description: Vulnerabilities by severity over all directories.
  returned: always
  type: dict
outdated:
  description: Number of outdated packages over all directories.
  returned: always
  type: int
at_risk:
  description: Directories with critical or high vulnerabilities, or whose audit could not run.
  returned: always
  type: list
  elements: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.saasops.maintenance.plugins.module_utils.audit import DependencyAudit
from ansible_collections.saasops.maintenance.plugins.module_utils.common import MaintenanceError


def main() -> None:
    module = AnsibleModule(
        argument_spec=dict(
            paths=dict(type="list", elements="path", required=True),
            requirements_file=dict(type="str", default="requirements.txt"),
            npm_path=dict(type="path"),
            pip_audit_path=dict(type="path"),
        ),
        supports_check_mode=True,
    )
    try:
        result = DependencyAudit(module, module.params).run()
    except MaintenanceError as err:
        module.fail_json(msg=str(err), **err.details)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
