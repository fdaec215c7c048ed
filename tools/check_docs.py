"""Quick local check: every DOCUMENTATION/EXAMPLES/RETURN string parses as YAML."""
import ast
import pathlib
import sys

import yaml

bad = 0
for path in sorted(pathlib.Path("plugins").rglob("*.py")):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
                and node.targets[0].id in ("DOCUMENTATION", "EXAMPLES", "RETURN") and isinstance(node.value, ast.Constant):
            try:
                yaml.safe_load(node.value.value)
            except yaml.YAMLError as err:
                bad += 1
                print("%s %s: %s" % (path, node.targets[0].id, err))
sys.exit(1 if bad else 0)
