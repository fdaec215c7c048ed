"""dependency_audit against a real npm project and the real npm registry."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from tests.support.ansible import run_module


@pytest.fixture(scope="module")
def npm_app(tmp_path_factory):
    if not shutil.which("npm"):
        pytest.fail("npm is missing: make deps installs it")
    app = tmp_path_factory.mktemp("app")
    (app / "package.json").write_text(json.dumps({"name": "app", "version": "1.0.0",
                                                  "dependencies": {"is-number": "6.0.0"}}))
    subprocess.run(["npm", "install", "--package-lock-only", "--no-audit", "--no-fund", "--silent"], cwd=app,
                   check=True, capture_output=True)
    return app


def test_outdated_found_and_unavailable_audit_reported(npm_app, tmp_path):
    lock_before = (npm_app / "package-lock.json").read_text()
    res, _play = run_module("saasops.maintenance.dependency_audit", dict(paths=[str(npm_app)]))
    assert res.get("failed") is not True, res.get("msg")
    assert res["changed"] is False
    app = res["apps"][0]
    assert app["tools"] == ["npm"]
    # is-number 6.0.0 is behind 7.x on the registry
    assert [o["name"] for o in app["outdated"]] == ["is-number"]
    assert app["outdated"][0]["current"] is None or app["outdated"][0]["latest"].startswith("7.")
    # the audit either ran (counts) or says why it could not: never a silent clean result
    if app["errors"]:
        assert any(e.startswith("npm audit:") for e in app["errors"])
        assert any(r["what"].endswith("audit incomplete") for r in res["at_risk"])
    else:
        assert set(app["vulnerabilities"]) == {"critical", "high", "moderate", "low", "info"}
    assert (npm_app / "package-lock.json").read_text() == lock_before, "the audit must not change the app"
    assert not (npm_app / "node_modules").exists()


def test_missing_directory_is_an_error(tmp_path):
    res, _play = run_module("saasops.maintenance.dependency_audit", dict(paths=[str(tmp_path / "nope")]))
    assert res["failed"] is True and "does not exist" in res["msg"]
