"""Helpers for the housekeeping roles' tests: run a role in a play, read the recap."""

from __future__ import annotations

import json
import os
import re

from tests.support.ansible import run_playbook

RECAP = re.compile(r"^localhost\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)


class RoleRun:
    def __init__(self, play, facts):
        self.play = play
        self.rc = play.rc
        match = RECAP.search(play.stdout)
        if not match:
            raise AssertionError("no play recap: rc=%s\n%s\n%s" % (play.rc, play.stdout[-3000:], play.stderr[-3000:]))
        self.ok, self.changed, _unreachable, self.failed = (int(x) for x in match.groups())
        self.facts = facts

    @property
    def output(self):
        return self.play.stdout + self.play.stderr


def run_role(tmp_path, role, role_vars, check=False, facts=(), name="play"):
    """Run one role of the collection on localhost; returns RoleRun with the named facts afterwards."""
    out = tmp_path / ("%s-facts.json" % name)
    if out.exists():
        out.unlink()
    play = [{
        "hosts": "localhost", "gather_facts": False,
        "roles": [{"role": "saasops.maintenance.%s" % role}],
        "post_tasks": [{
            "name": "keep the facts", "check_mode": False, "changed_when": False,
            "ansible.builtin.copy": {
                "content": "{{ %s | to_json }}" % ("{" + ", ".join("%r: %s | default(None)" % (f, f) for f in facts) + "}"),
                "dest": str(out), "mode": "0600"},
        }],
    }]
    path = tmp_path / ("%s.yml" % name)
    path.write_text(json.dumps(play))
    res = run_playbook(str(path), extra_vars=role_vars, check=check)
    data = json.loads(out.read_text()) if out.exists() else None
    return RoleRun(res, data)


def mode(path):
    return os.stat(path).st_mode & 0o7777
