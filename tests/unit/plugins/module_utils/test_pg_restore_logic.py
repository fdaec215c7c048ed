"""pg_restore logic with the command runner replaced: names, globals filter, verification, swap, check mode."""

from __future__ import annotations

import json
import os

import pytest

from ansible_collections.saasops.maintenance.plugins.module_utils.common import MaintenanceError
from ansible_collections.saasops.maintenance.plugins.module_utils.pg_restore import (
    PgRestore, filter_globals, pg_name,
)
from ansible_collections.saasops.maintenance.plugins.module_utils.postgres import FIELD_SEP, Postgres
from ansible_collections.saasops.maintenance.plugins.module_utils.restore import find_backup
from ansible_collections.saasops.maintenance.plugins.module_utils.store import file_list


class Recorder:
    """Stands in for AnsibleModule.run_command: records argv, stdin and env, replays replies."""

    def __init__(self, replies=None):
        self.calls = []
        self.replies = list(replies or [])

    def run_command(self, args, data=None, environ_update=None, check_rc=False, binary_data=False):
        self.calls.append(dict(args=args, data=data, env=environ_update))
        return self.replies.pop(0) if self.replies else (0, "", "")


def variables(call):
    """psql --set NAME=VALUE pairs of a recorded call."""
    args = call["args"]
    return dict(args[i + 1].split("=", 1) for i, a in enumerate(args) if a == "--set" and "=" in args[i + 1])


def make_backup(tmp_path, tables, row_counts="exact", name="app-20261124T020000Z"):
    path = tmp_path / "store" / name
    (path / "data").mkdir(parents=True)
    (path / "data" / "toc.dat").write_bytes(b"PGDMP")
    manifest = dict(kind="postgresql", series="app", name=name, database="app", format="directory",
                    compression="zstd", data="data", end="2026-11-24T02:00:00Z", verified=True,
                    tables=tables, row_counts=row_counts, files=file_list(str(path)))
    (path / "manifest.json").write_text(json.dumps(manifest))
    return str(path)


def restorer(rec, **params):
    pg = Postgres(rec, {"PGHOST": "db", "PGPASSWORD": "s3cret"})
    base = dict(mode="replace", jobs=2, db="app")
    base.update(params)
    return PgRestore(pg, base)


def test_pg_name_fits_63_bytes_without_splitting_characters():
    name = pg_name("ü" * 40, "_restore_20261124T020000Z")
    assert len(name.encode("utf-8")) <= 63
    assert name.endswith("_restore_20261124T020000Z")
    assert name.startswith("ü")
    assert pg_name("app", "_before_x") == "app_before_x"


def test_filter_globals_keeps_existing_roles_unchanged():
    sql = "\n".join([
        "CREATE ROLE postgres;",
        "ALTER ROLE postgres WITH SUPERUSER LOGIN PASSWORD 'SCRAM-SHA-256$4096:x';",
        'CREATE ROLE "App ""Writer""";',
        'ALTER ROLE "App ""Writer""" WITH LOGIN;',
        "CREATE ROLE app_reader;",
        'GRANT app_reader TO "App ""Writer""" GRANTED BY postgres;',
        "CREATE TABLESPACE fast OWNER postgres LOCATION '/ssd';",
    ])
    out, skipped = filter_globals(sql, roles={"postgres", 'App "Writer"'}, tablespaces={"fast"})
    assert skipped == ['App "Writer"', "fast", "postgres"]
    assert "PASSWORD" not in out and "CREATE ROLE postgres" not in out
    assert "CREATE ROLE app_reader;" in out and "GRANT app_reader" in out
    assert "TABLESPACE" not in out


def test_manifest_missing_and_unverified(tmp_path):
    path = make_backup(tmp_path, [])
    os.unlink(os.path.join(path, "manifest.json"))
    with pytest.raises(MaintenanceError, match="manifest missing"):
        find_backup(path)
    with pytest.raises(MaintenanceError, match="no verified postgresql backup"):
        find_backup(store=str(tmp_path / "store"), kind="postgresql")


def test_checksum_mismatch_stops_before_any_command(tmp_path):
    path = make_backup(tmp_path, [])
    with open(os.path.join(path, "data", "toc.dat"), "ab") as handle:
        handle.write(b"x")
    rec = Recorder()
    with pytest.raises(MaintenanceError, match="failed its checksum check: data/toc.dat has 6 bytes"):
        restorer(rec, backup=path).run()
    assert rec.calls == []


def test_check_mode_reports_the_plan_and_runs_only_lookups(tmp_path):
    path = make_backup(tmp_path, [])
    current = json.dumps(dict(name="app", owner="app", encoding="UTF8", collate="C", ctype="C"))
    rec = Recorder([(0, current + "\n", "")])
    pg = Postgres(rec, {"PGHOST": "db", "PGPASSWORD": "s3cret"})
    res = PgRestore(pg, dict(mode="replace", db="app", backup=path), check_mode=True).run()
    assert res["changed"] is True
    assert res["side_database"].startswith("app_restore_") and res["previous_database"].startswith("app_before_")
    assert "would restore app-20261124T020000Z into app_restore_" in res["msg"]
    assert len(rec.calls) == 1
    call = rec.calls[0]
    assert variables(call)["db"] == "app" and ":'db'" in call["data"]
    assert call["env"]["PGPASSWORD"] == "s3cret" and "s3cret" not in " ".join(call["args"])


def test_mode_new_refuses_an_existing_database(tmp_path):
    path = make_backup(tmp_path, [])
    rec = Recorder([(0, json.dumps(dict(name="app", owner="app")) + "\n", "")])
    with pytest.raises(MaintenanceError, match="database app already exists: mode=new"):
        restorer(rec, backup=path, mode="new").run()


def test_verify_compares_tables_and_exact_counts(tmp_path):
    tables = [dict(schema="public", name="orders", rows=10), dict(schema="public", name="users", rows=2)]
    restore = restorer(Recorder())
    restore.entry = find_backup(make_backup(tmp_path, tables))
    got = [dict(schema="public", name="orders", rows=10), dict(schema="public", name="users", rows=2)]
    restore.pg.module.replies = [(0, json.dumps(got) + "\n", "")]
    assert restore._verify("side", restore.entry.manifest) == dict(tables=2, rows=12, row_counts="exact")
    assert variables(restore.pg.module.calls[-1])["exact"] == "yes"
    restore.pg.module.replies = [(0, json.dumps(got[:1] + [dict(schema="public", name="users", rows=1)]) + "\n", "")]
    with pytest.raises(MaintenanceError, match="public.users has 1 rows, the manifest says 2"):
        restore._verify("side", restore.entry.manifest)
    restore.pg.module.replies = [(0, json.dumps(got[:1]) + "\n", "")]
    with pytest.raises(MaintenanceError, match="missing tables public.users"):
        restore._verify("side", restore.entry.manifest)


def test_verify_with_estimated_counts_checks_the_table_set(tmp_path):
    tables = [dict(schema="s", name="t", rows=1000)]
    restore = restorer(Recorder())
    restore.entry = find_backup(make_backup(tmp_path, tables, row_counts="estimated"))
    restore.pg.module.replies = [(0, json.dumps([dict(schema="s", name="t", rows=None)]) + "\n", "")]
    assert restore._verify("side", restore.entry.manifest)["row_counts"] == "estimated"
    assert variables(restore.pg.module.calls[-1])["exact"] == "no"
    restore.pg.module.replies = [(0, json.dumps([dict(schema="s", name="t", rows=None),
                                                 dict(schema="s", name="extra", rows=None)]) + "\n", "")]
    with pytest.raises(MaintenanceError, match="unexpected tables s.extra"):
        restore._verify("side", restore.entry.manifest)


def test_swap_sends_names_only_as_variables_and_retries_on_busy():
    busy = (3, "", 'ERROR:  database "app" is being accessed by other users\n')
    rec = Recorder([busy, (0, "1" + FIELD_SEP + "\n", "")])
    restore = restorer(rec, db='app"; DROP')
    restore.db = 'app"; DROP'
    restore._swap("side_x", "before_x")
    assert len(rec.calls) == 2
    call = rec.calls[1]
    assert variables(call) == {"db": 'app"; DROP', "side": "side_x", "before": "before_x", "ON_ERROR_STOP": "1"}
    assert "DROP" not in call["data"]
    assert call["data"].index("ALLOW_CONNECTIONS false") < call["data"].index("pg_terminate_backend") \
        < call["data"].index("BEGIN") < call["data"].index("RENAME TO :\"before\"") < call["data"].index("COMMIT")


def test_failed_swap_reallows_connections_to_the_current_database():
    failure = (3, "", "ERROR:  permission denied to rename database\n")
    rec = Recorder([failure, (0, "", "")])
    restore = restorer(rec)
    restore.db = "app"
    with pytest.raises(MaintenanceError, match="swapping side_x in for app"):
        restore._swap("side_x", "before_x")
    assert "ALLOW_CONNECTIONS true" in rec.calls[1]["data"] and variables(rec.calls[1])["db"] == "app"


def test_failure_drops_only_the_side_database_and_says_so():
    rec = Recorder([(0, "", "")])
    restore = restorer(rec)
    restore.db = "app"
    err = MaintenanceError("restore of backup b into the side database failed: boom")
    restore._fail(err, "app_restore_x", created=True)
    assert "DROP DATABASE IF EXISTS :\"side\"" in rec.calls[0]["data"]
    assert variables(rec.calls[0])["side"] == "app_restore_x"
    assert str(err).endswith("the current database app was not changed and the side database app_restore_x was dropped")
    rec = Recorder([(2, "", "psql: error: connection to server failed: Connection refused\n")])
    restore = restorer(rec)
    restore.db = "app"
    err = MaintenanceError("boom")
    restore._fail(err, "app_restore_x", created=True)
    assert "could not be dropped" in str(err) and "not reachable" in str(err)


def test_load_environment_tunes_the_session_and_keeps_uri_options():
    pg = Postgres(Recorder(), {"PGOPTIONS": "-c search_path=app"})
    restore = PgRestore(pg, dict(mode="new", db="x", maintenance_work_mem="1GB"))
    assert restore.load_env["PGOPTIONS"] == "-c search_path=app -c maintenance_work_mem=1GB -c synchronous_commit=off"
    argv = restore._restore_argv("side", "/b/data")
    assert argv[:3] == ["pg_restore", "--exit-on-error", "--no-password"]
    assert "--jobs=%d" % restore.jobs in argv or restore.jobs == 1
    assert argv[-1] == "/b/data" and "--dbname=dbname='side'" in argv


def test_sigterm_during_the_load_drops_the_side_database(tmp_path, monkeypatch):
    import signal
    path = make_backup(tmp_path, [])
    current = json.dumps(dict(name="app", owner="app", encoding="UTF8", collate="C", ctype="C"))
    rec = Recorder([(0, current + "\n", ""), (0, "null\n", ""), (0, "", ""), (0, "", "")])
    restore = restorer(rec, backup=path)

    def load(_entry, _side):
        os.kill(os.getpid(), signal.SIGTERM)
        raise AssertionError("not reached: the handler raises")

    monkeypatch.setattr(restore, "_load", load)
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(MaintenanceError) as info:
        restore.run()
    assert str(info.value).startswith("restore interrupted by signal %d" % signal.SIGTERM)
    assert "the current database app was not changed and the side database app_restore_" in str(info.value)
    assert "CREATE DATABASE :\"side\" TEMPLATE template0 OWNER :\"owner\" ENCODING" in rec.calls[2]["data"]
    assert "DROP DATABASE IF EXISTS :\"side\"" in rec.calls[3]["data"]
    assert variables(rec.calls[3])["side"] == variables(rec.calls[2])["side"]
    assert signal.getsignal(signal.SIGTERM) == before
