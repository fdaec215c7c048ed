"""module_utils/runner.py: the environment a command gets."""

from __future__ import annotations

from ansible_collections.saasops.maintenance.plugins.module_utils.runner import Runner
from tests.support.edge import FakeModule


def test_environment_values_become_text():
    # YAML and Jinja give numbers and booleans (APP_PORT: 3000); os.environ only takes text
    module = FakeModule().on(lambda argv: True)
    Runner(module, {"APP_PORT": 3000, "DEBUG": False}).run(["true"], env={"WORKERS": 2})
    env = module.calls[0]["env"]
    assert env["APP_PORT"] == "3000" and env["DEBUG"] == "False" and env["WORKERS"] == "2"
    assert env["LANG"] == "C"
