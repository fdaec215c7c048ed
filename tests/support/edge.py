"""Helpers for the edge-service tests: a recording module, a fake clock, role plays and their recap."""

from __future__ import annotations

import json
import re


class FakeModule:
    """``responses``: list of (predicate(argv), (rc, out, err)); the first match answers."""

    def __init__(self, responses=()):
        self.responses = list(responses)
        self.calls = []

    def on(self, predicate, rc=0, out="", err=""):
        self.responses.append((predicate, (rc, out, err)))
        return self

    def run_command(self, argv, data=None, environ_update=None, check_rc=False, binary_data=False):
        self.calls.append({"argv": list(argv), "env": dict(environ_update or {}), "data": data})
        for predicate, answer in self.responses:
            if predicate(argv):
                return answer
        raise AssertionError("unexpected command: %s" % (argv,))

    def argvs(self):
        return [call["argv"] for call in self.calls]


class FakeClock:
    def __init__(self, start=1000.0):
        self.now = start

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def role_play(tmp_path, role, variables):
    """A playbook file that applies one role of the collection to localhost."""
    path = tmp_path / ("play-%s.yml" % role)
    path.write_text(json.dumps([{"hosts": "localhost", "gather_facts": False,
                                 "roles": [{"role": "saasops.maintenance." + role, "vars": variables}]}]))
    return str(path)


def recap(stdout):
    """ok/changed/failed counts of localhost from ansible-playbook's PLAY RECAP."""
    match = re.search(r"localhost\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", stdout)
    if not match:
        raise AssertionError("no PLAY RECAP in:\n%s" % stdout[-3000:])
    return {"ok": int(match.group(1)), "changed": int(match.group(2)), "failed": int(match.group(4))}
