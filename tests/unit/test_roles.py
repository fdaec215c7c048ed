"""Every role: defaults and argument specs agree value for value; README generated from them."""

from __future__ import annotations

import pathlib
import subprocess
import sys

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent
ROLES = sorted(p for p in (ROOT / "roles").iterdir() if (p / "meta" / "argument_specs.yml").exists())


def test_there_are_roles():
    assert len(ROLES) >= 3


@pytest.mark.parametrize("role", ROLES, ids=lambda p: p.name)
def test_defaults_match_argument_specs(role):
    spec = yaml.safe_load((role / "meta" / "argument_specs.yml").read_text())["argument_specs"]["main"]["options"]
    defaults_file = role / "defaults" / "main.yml"
    defaults = yaml.safe_load(defaults_file.read_text()) if defaults_file.exists() else {}
    defaults = defaults or {}
    for name, value in defaults.items():
        assert name.startswith(role.name + "_"), "public variable %s lacks the role prefix" % name
        assert name in spec, "%s is in defaults but not in argument_specs" % name
        assert spec[name].get("default") == value, "%s: defaults say %r, argument_specs %r" % (
            name, value, spec[name].get("default"))
    for name, option in spec.items():
        assert name.startswith(role.name + "_"), "option %s lacks the role prefix" % name
        if not option.get("required"):
            assert name in defaults, "%s has no value in defaults/main.yml" % name


def test_role_readmes_are_generated():
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "role_readme.py"), "--check"],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout
