"""Run modules and playbooks of the collection straight from the checkout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLLECTIONS = os.path.join(ROOT, "build", "collections")


def ansible_env(extra=None):
    env = dict(os.environ)
    env.update(
        ANSIBLE_COLLECTIONS_PATH=COLLECTIONS,
        ANSIBLE_NOCOWS="1",
        ANSIBLE_RETRY_FILES_ENABLED="0",
        ANSIBLE_HOST_KEY_CHECKING="0",
        ANSIBLE_LOCAL_TEMP=os.path.join(ROOT, "build", "ansible-tmp"),
        ANSIBLE_PYTHON_INTERPRETER=sys.executable,
        ANSIBLE_FORCE_COLOR="0",
    )
    # tests must not see a developer's own connection settings
    for key in ("PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE"):
        env.pop(key, None)
    if extra:
        env.update(extra)
    return env


def bin_path(name):
    return os.path.join(os.path.dirname(sys.executable), name)


class PlayResult:
    def __init__(self, proc):
        self.proc = proc
        self.rc = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr


def run_playbook(path, inventory=None, extra_vars=None, check=False, diff=False, env=None, args=(), cwd=None):
    argv = [bin_path("ansible-playbook"), path]
    if inventory:
        argv += ["-i", inventory]
    else:
        argv += ["-i", "localhost,", "-c", "local"]
    if extra_vars:
        argv += ["-e", json.dumps(extra_vars)]
    if check:
        argv.append("--check")
    if diff:
        argv.append("--diff")
    argv += list(args)
    proc = subprocess.run(argv, capture_output=True, text=True, env=ansible_env(env), cwd=cwd or ROOT,
                          stdin=subprocess.DEVNULL, check=False)
    return PlayResult(proc)


def custom_stats(play):
    """The custom stats ansible-playbook prints (ANSIBLE_SHOW_CUSTOM_STATS): one ``host: {json}`` line per host."""
    text = play.stdout[play.stdout.index("CUSTOM STATS"):]
    out = {}
    for line in text.splitlines()[1:]:
        host, sep, body = line.strip().partition(": ")
        if sep and body.startswith("{"):
            out[host] = json.loads(body)
    return out


def run_module(module, args, check=False, diff=False, env=None, extra=()):
    """Run one module in a one-task play on localhost; returns (result dict, PlayResult)."""
    os.makedirs(os.path.join(ROOT, "build"), exist_ok=True)
    fd, out_path = tempfile.mkstemp(suffix=".json", dir=os.path.join(ROOT, "build"))
    os.close(fd)
    play = [{
        "hosts": "localhost", "gather_facts": False,
        "tasks": [
            {"name": "module under test", module: args, "register": "out", "ignore_errors": True},
            {"name": "keep the result", "check_mode": False,
             "ansible.builtin.copy": {"content": "{{ out | to_json }}", "dest": out_path, "mode": "0600"}},
        ],
    }]
    with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False, dir=os.path.join(ROOT, "build")) as handle:
        json.dump(play, handle)
        path = handle.name
    try:
        res = run_playbook(path, check=check, diff=diff, env=env, args=extra)
        with open(out_path) as handle:
            text = handle.read()
    finally:
        os.unlink(path)
        os.unlink(out_path)
    if not text:
        raise AssertionError("the play did not finish: rc=%s\n%s\n%s" % (res.rc, res.stdout[-3000:], res.stderr[-3000:]))
    return json.loads(text), res
