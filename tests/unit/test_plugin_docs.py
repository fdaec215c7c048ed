"""Every DOCUMENTATION, EXAMPLES and RETURN string of the plugins is YAML (seconds, before sanity's minutes)."""

from __future__ import annotations

import ast
import pathlib

import pytest
import yaml

PLUGINS = pathlib.Path(__file__).resolve().parents[2] / "plugins"
DOC_NAMES = ("DOCUMENTATION", "EXAMPLES", "RETURN")


def doc_strings():
    for path in sorted(PLUGINS.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                    and node.targets[0].id in DOC_NAMES and isinstance(node.value, ast.Constant)):
                yield pytest.param(node.value.value, id="%s:%s" % (path.relative_to(PLUGINS), node.targets[0].id))


@pytest.mark.parametrize("text", list(doc_strings()))
def test_parses_as_yaml(text):
    assert yaml.safe_load(text) is not None


def test_every_module_has_its_three_strings():
    found = {}
    for param in doc_strings():
        path = param.id.split(":")[0]
        found.setdefault(path, set()).add(param.id.split(":")[1])
    modules = [p for p in found if p.startswith("modules/")]
    assert len(modules) == len(list((PLUGINS / "modules").glob("*.py")))
    assert all(found[p] == set(DOC_NAMES) for p in modules), found
