"""Stand-ins for unit tests of module_utils: a module whose run_command records argv."""

from __future__ import annotations


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
