"""path_guard on a real directory tree with symlinks."""

from __future__ import annotations


import pytest

from ansible_collections.saasops.maintenance.plugins.module_utils.common import MaintenanceError
from ansible_collections.saasops.maintenance.plugins.module_utils.path_guard import PathGuard


@pytest.fixture
def tree(tmp_path):
    app = tmp_path / "app"
    (app / "uploads").mkdir(parents=True)
    (tmp_path / "outside").mkdir()
    (app / "escape").symlink_to(tmp_path / "outside")
    (app / "inner").symlink_to(app / "uploads")
    (tmp_path / "applink").symlink_to(app)
    return tmp_path, app


def test_accepts_paths_inside_the_roots(tree):
    tmp, app = tree
    res = PathGuard([str(app)], base=str(app)).run(["uploads", str(app / "uploads" / "new"), "inner", str(app)])
    assert res["paths"] == [str(app / "uploads"), str(app / "uploads" / "new"), str(app / "uploads"), str(app)]
    assert [c["exists"] for c in res["checked"]] == [True, False, True, True]
    assert res["checked"][2]["symlink"] is True
    assert res["changed"] is False
    # a root given through a symlink works both ways
    res = PathGuard([str(tmp / "applink")]).run([str(app / "uploads"), str(tmp / "applink" / "uploads")])
    assert res["paths"] == [str(app / "uploads")] * 2


@pytest.mark.parametrize("path,reason", [
    ("escape", "a symlink escapes"),
    ("escape/sub", "a symlink escapes"),
    ("../outside", "outside the roots"),
    ("uploads/../../outside", "outside the roots"),
    ("/", "filesystem root"),
    ("/etc", "outside the roots"),
])
def test_refuses(tree, path, reason):
    _tmp, app = tree
    with pytest.raises(MaintenanceError, match=reason) as err:
        PathGuard([str(app)], base=str(app)).run(["uploads", path])
    assert err.value.details["refused"][0]["given"] == path
    assert err.value.details["checked"][0]["real"] == str(app / "uploads")


def test_bad_roots(tree):
    _tmp, app = tree
    with pytest.raises(MaintenanceError, match="no roots"):
        PathGuard([])
    with pytest.raises(MaintenanceError, match="filesystem root"):
        PathGuard(["/"])
    with pytest.raises(MaintenanceError, match="filesystem root"):
        PathGuard([str(app / "..") + "/../" * 20])
    with pytest.raises(MaintenanceError, match="not an absolute"):
        PathGuard(["app"])
    with pytest.raises(MaintenanceError, match="no base directory"):
        PathGuard([str(app)]).run(["uploads"])
