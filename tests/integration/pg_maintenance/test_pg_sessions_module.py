"""pg_sessions against a real PostgreSQL 15: idle sessions and long queries of psql clients."""

from __future__ import annotations

import pytest

from tests.support.ansible import run_module
from tests.support.pg_maintenance import Client

APP_PASSWORD = "app-Pw-1"


def sessions(pg, check=False, **kw):
    args = dict(pg.conn_args())
    args.update(kw)
    res, _play = run_module("saasops.maintenance.pg_sessions", args, check=check)
    assert res.get("failed") is not True, res.get("msg")
    return res


@pytest.fixture
def clients(pg):
    pg.psql("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'app user') THEN "
            "CREATE ROLE \"app user\" LOGIN PASSWORD '%s'; END IF; END $$;" % APP_PASSWORD)
    made = dict(
        idle=Client(pg, "SELECT 1;", user="app user", password=APP_PASSWORD, appname="saasops-idle"),
        long=Client(pg, "SELECT pg_sleep(600);", user="app user", password=APP_PASSWORD, appname="saasops-long"),
        su_idle=Client(pg, "SELECT 1;", appname="saasops-su-idle"),
        other=Client(pg, "SELECT 1;", user="app user", password=APP_PASSWORD, appname="other-app"),
    )
    for name, client in made.items():
        client.wait_state("active" if name == "long" else "idle")
    yield made
    for client in made.values():
        client.close()


def test_check_mode_lists_and_ends_nothing(pg, clients):
    res = sessions(pg, check=True, idle_minutes=0, running_minutes=0, application_names=["saasops-*"])
    listed = {s["application_name"]: s for s in res["sessions"]}
    assert set(listed) == {"saasops-idle", "saasops-long"}
    assert listed["saasops-idle"]["reason"] == "idle" and listed["saasops-long"]["reason"] == "running"
    assert listed["saasops-long"]["query"] == "SELECT pg_sleep(600);"
    assert listed["saasops-idle"]["user"] == "app user"
    assert res["changed"] is True and res["terminated"] == 0
    assert all(c.alive() for c in clients.values())


def test_idle_and_long_sessions_end_own_and_protected_survive(pg, clients):
    pids = {name: c.pid() for name, c in clients.items()}
    # not idle long enough yet: nothing ends
    res = sessions(pg, idle_minutes=60, application_names=["saasops-*"])
    assert res["changed"] is False and res["sessions"] == []
    # the module's own application name matches too: its own session must survive
    res = sessions(pg, idle_minutes=0, running_minutes=0, application_names=["saasops-*", "saasops.maintenance"])
    assert res["changed"] is True
    ended = {s["pid"] for s in res["sessions"] if s["terminated"]}
    assert ended == {pids["idle"], pids["long"]}
    assert res["own_pid"] not in {s["pid"] for s in res["sessions"]}
    assert clients["idle"].gone() and clients["long"].gone()
    # the superuser's session and the other application's session are still there
    assert clients["su_idle"].alive() and clients["other"].alive()
    # filters by user and database: the other app's session is in postgres, by "app user"
    res = sessions(pg, idle_minutes=0, users=["nobody"])
    assert res["sessions"] == []
    res = sessions(pg, idle_minutes=0, users=["app user"], databases=["postgres"], application_names=["other-*"])
    assert [s["pid"] for s in res["sessions"]] == [pids["other"]] and res["terminated"] == 1
    assert clients["other"].gone()
    # superusers only when told
    res = sessions(pg, idle_minutes=0, application_names=["saasops-su-idle"], include_superusers=True)
    assert [s["pid"] for s in res["sessions"]] == [pids["su_idle"]] and res["sessions"][0]["superuser"] is True
    assert clients["su_idle"].gone()


def test_a_threshold_is_required(pg):
    res, _play = run_module("saasops.maintenance.pg_sessions", dict(pg.conn_args()))
    assert res["failed"] is True
    assert "idle_minutes" in res["msg"]
