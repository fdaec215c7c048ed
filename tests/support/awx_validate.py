"""Validate extensions/awx against the argument specs of the awx.awx modules, offline.

Run with the python of the venv holding the full `ansible` package (make awx-venv):

    build/awx-venv/bin/python tests/support/awx_validate.py [AWX_DIR]

Each task of extensions/awx/configure.yml that calls an awx.awx module is templated
for every item of its loop (definitions.yml as the variables), exactly as
ansible-playbook would, and its arguments are checked with ansible-core's
ArgumentSpecValidator against the spec the module itself builds (its main() is run
up to the point where it creates its ControllerAPIModule). No AWX server is needed.
Prints a JSON document: {"checked": [...], "errors": [...]}.
"""

from __future__ import annotations

import importlib
import json
import os
import sys

# this file's folder holds tests/support/ansible.py: keep it from hiding the ansible package
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != os.path.dirname(os.path.abspath(__file__))]

import yaml  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
AWX_DIR = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "extensions", "awx")


class _Captured(Exception):
    pass


def module_spec(name):
    """The argument spec and constraints awx.awx.<name> passes to its module class."""
    api = importlib.import_module("ansible_collections.awx.awx.plugins.module_utils.controller_api")

    class _Capture:
        def __init__(self, argument_spec=None, **kwargs):
            raise _Captured(argument_spec, kwargs)

    real = api.ControllerAPIModule
    api.ControllerAPIModule = _Capture
    captured = None
    try:
        mod = importlib.import_module("ansible_collections.awx.awx.plugins.modules." + name)
        mod = importlib.reload(mod)
        try:
            mod.main()
        except _Captured as cap:
            captured = cap.args
    finally:
        api.ControllerAPIModule = real
    if captured is None:
        raise AssertionError("awx.awx.%s did not build its module" % name)
    spec, kwargs = captured
    # the connection options every controller module adds (controller_host, ...)
    full = dict(api.ControllerModule.AUTH_ARGSPEC)
    full.update(spec)
    return full, kwargs


def main():
    import ansible
    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
    from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder
    from ansible.parsing.dataloader import DataLoader
    from ansible.template import Templar, trust_as_template

    def trusted(value):
        """Mark strings of our own files as templates, as ansible-playbook does for playbooks."""
        if isinstance(value, str):
            return trust_as_template(value)
        if isinstance(value, dict):
            return {key: trusted(val) for key, val in value.items()}
        if isinstance(value, list):
            return [trusted(val) for val in value]
        return value

    # awx.awx as the `ansible` package ships it, beside ansible-core
    site = os.path.dirname(os.path.dirname(ansible.__file__))
    _AnsibleCollectionFinder(paths=[site])._install()  # pylint: disable=protected-access
    with open(os.path.join(AWX_DIR, "configure.yml")) as handle:
        play = yaml.safe_load(handle)[0]
    variables = dict(play.get("vars", {}))
    for name in play.get("vars_files", []):
        with open(os.path.join(AWX_DIR, name)) as handle:
            variables.update(yaml.safe_load(handle))
    variables["awx_project_scm_url"] = "https://git.example.com/ops/saasops.git"
    variables = trusted(variables)

    checked, errors = [], []
    for task in play["tasks"]:
        action = next((key for key in task if key.startswith("awx.awx.")), None)
        if action is None:
            continue
        spec, kwargs = module_spec(action.split(".")[-1])
        validator = ArgumentSpecValidator(
            spec, mutually_exclusive=kwargs.get("mutually_exclusive"), required_together=kwargs.get("required_together"),
            required_one_of=kwargs.get("required_one_of"), required_if=kwargs.get("required_if"),
            required_by=kwargs.get("required_by"))
        items = Templar(loader=DataLoader(), variables=variables).template(trusted(task["loop"])) if "loop" in task else [None]
        for item in items:
            scope = dict(variables, item=item, omit="__omit_place_holder__")
            templar = Templar(loader=DataLoader(), variables=scope)
            args = {}
            for key, value in task[action].items():
                value = templar.template(trusted(value))
                if value != "__omit_place_holder__":
                    args[key] = value
            result = validator.validate(args)
            label = "%s %s" % (action, item["name"] if item else task["name"])
            checked.append({"task": task["name"], "module": action, "label": label, "args": sorted(args)})
            errors += ["%s: %s" % (label, msg) for msg in result.error_messages]
            # parameters the module does not know are errors above; unused data is one too
            if item:
                dropped = sorted(set(item) - set(args))
                if dropped:
                    errors.append("%s: definition keys not passed to the module: %s" % (label, ", ".join(dropped)))
    json.dump({"checked": checked, "errors": errors}, sys.stdout)


if __name__ == "__main__":
    main()
