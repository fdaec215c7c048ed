# -*- coding: utf-8 -*-
# Copyright: (c) 2026, saasops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read-only dependency audit of application directories (npm, pip)."""

from __future__ import annotations

import json
import os
import shutil

from ansible_collections.saasops.maintenance.plugins.module_utils.common import MaintenanceError
from ansible_collections.saasops.maintenance.plugins.module_utils.runner import Runner, first_error

__metaclass__ = type

SEVERITIES = ("critical", "high", "moderate", "low", "info")


def _json(text):
    text = (text or "").strip()
    if not text:
        return None
    try:
        return json.loads(text[text.index("{"):] if "{" in text else text)
    except ValueError:
        return None


class DependencyAudit:
    """Runs ``npm outdated``/``npm audit`` and ``pip-audit`` without changing anything."""

    def __init__(self, module, params):
        self.runner = Runner(module)
        self.p = params

    def run(self):
        results = []
        for path in self.p["paths"]:
            if not os.path.isdir(path):
                raise MaintenanceError("application directory %s does not exist" % path)
            entry = dict(path=path, tools=[], outdated=[], vulnerabilities={s: 0 for s in SEVERITIES}, errors=[])
            if os.path.exists(os.path.join(path, "package.json")):
                self._npm(path, entry)
            req = os.path.join(path, self.p.get("requirements_file") or "requirements.txt")
            if os.path.exists(req):
                self._pip(path, req, entry)
            results.append(entry)
        total = {s: sum(r["vulnerabilities"][s] for r in results) for s in SEVERITIES}
        at_risk = []
        for r in results:
            serious = r["vulnerabilities"]["critical"] + r["vulnerabilities"]["high"]
            if serious:
                at_risk.append(dict(what="%s: critical/high vulnerabilities" % r["path"], value=serious, threshold=0))
            for err in r["errors"]:
                at_risk.append(dict(what="%s: audit incomplete" % r["path"], value=err))
        return dict(changed=False, apps=results, vulnerabilities=total,
                    outdated=sum(len(r["outdated"]) for r in results), at_risk=at_risk)

    def _npm(self, path, entry):
        npm = self.p.get("npm_path") or shutil.which("npm")
        entry["tools"].append("npm")
        if not npm:
            entry["errors"].append("npm: not installed")
            return
        # npm outdated exits 1 when something is outdated: the JSON decides.
        res = self.runner.run([npm, "outdated", "--json", "--prefix", path], check=False)
        data = _json(res.out)
        if isinstance(data, dict):
            for name, info in sorted(data.items()):
                if isinstance(info, dict):
                    entry["outdated"].append(dict(name=name, current=info.get("current"), wanted=info.get("wanted"),
                                                  latest=info.get("latest"), ecosystem="npm"))
        elif res.rc not in (0, 1):
            entry["errors"].append("npm outdated: %s" % (first_error(res.err) or "rc=%s" % res.rc))
        res = self.runner.run([npm, "audit", "--json", "--omit=dev", "--prefix", path], check=False)
        data = _json(res.out)
        vulns = (data or {}).get("metadata", {}).get("vulnerabilities") if isinstance(data, dict) else None
        if isinstance(vulns, dict):
            for sev in SEVERITIES:
                entry["vulnerabilities"][sev] += int(vulns.get(sev) or 0)
        else:
            reason = (data or {}).get("message") if isinstance(data, dict) else None
            entry["errors"].append("npm audit: %s" % (reason or first_error(res.err) or "no result (rc=%s)" % res.rc))

    def _pip(self, path, req, entry):
        tool = self.p.get("pip_audit_path") or shutil.which("pip-audit")
        entry["tools"].append("pip-audit")
        if not tool:
            entry["errors"].append("pip-audit: not installed")
            return
        res = self.runner.run([tool, "--requirement", req, "--format", "json", "--progress-spinner", "off"],
                              check=False)
        data = _json(res.out)
        if not isinstance(data, dict) or "dependencies" not in data:
            entry["errors"].append("pip-audit: %s" % (first_error(res.err) or "not available (rc=%s)" % res.rc))
            return
        for dep in data["dependencies"]:
            for _vuln in dep.get("vulns") or []:
                # pip-audit reports no severity: count them as high, a person decides
                entry["vulnerabilities"]["high"] += 1
