"""The venv with the full `ansible` package (awx.awx), built by `make awx-venv`."""

from __future__ import annotations

import os
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
AWX_PYTHON = os.path.join(ROOT, "build", "awx-venv", "bin", "python")


@pytest.fixture(scope="session")
def awx_python():
    if not os.path.exists(AWX_PYTHON):
        subprocess.run(["make", "-s", "-C", ROOT, "awx-venv"], check=True, stdin=subprocess.DEVNULL)
    return AWX_PYTHON
