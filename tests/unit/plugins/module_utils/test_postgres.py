"""Connection handling: secrets in the environment, names safely quoted."""

from __future__ import annotations

import pytest

from ansible_collections.saasops.maintenance.plugins.module_utils.common import MaintenanceError
from ansible_collections.saasops.maintenance.plugins.module_utils.postgres import (
    Postgres, classify, conninfo_db, parse_uri,
)


class Recorder:
    """Stands in for AnsibleModule.run_command."""

    def __init__(self, replies=None):
        self.calls = []
        self.replies = list(replies or [])

    def run_command(self, args, data=None, environ_update=None, check_rc=False, binary_data=False):
        self.calls.append(dict(args=args, data=data, env=environ_update))
        return self.replies.pop(0) if self.replies else (0, "", "")


def base_params(**kw):
    params = dict(login_host=None, login_unix_socket=None, port=None, login_user=None, login_password=None,
                  uri=None, ssl_mode=None, ca_cert=None, connect_timeout=10, exec_prefix=[], client_bin_dir=None)
    params.update(kw)
    return params


def test_uri_is_split_into_environment():
    env = parse_uri("postgresql://app%40x:p%40ss%3Aw0rd@db.example.com:6543/my%20db?sslmode=require&application_name=t")
    assert env == {"PGHOST": "db.example.com", "PGPORT": "6543", "PGUSER": "app@x", "PGPASSWORD": "p@ss:w0rd",
                   "PGDATABASE": "my db", "PGSSLMODE": "require", "PGAPPNAME": "t"}


def test_uri_rejects_unknown_scheme_and_parameter():
    with pytest.raises(MaintenanceError, match="must start with"):
        parse_uri("mysql://x@y/z")
    with pytest.raises(MaintenanceError, match="not supported"):
        parse_uri("postgresql://x@y/z?evil=1")


def test_conninfo_quotes_hostile_names():
    assert conninfo_db("a'b\\c d=e") == "dbname='a\\'b\\\\c d=e'"


def test_password_never_in_argv():
    rec = Recorder(replies=[(0, "15.18\n", "")])
    pg = Postgres.from_params(rec, base_params(login_host="h", port=5433, login_user="u", login_password="S3cr3t!",
                                               ssl_mode="require"))
    pg.psql("SELECT 1", db="x", variables={"name": "v"})
    call = rec.calls[0]
    assert all("S3cr3t!" not in a for a in call["args"])
    assert call["env"]["PGPASSWORD"] == "S3cr3t!"
    assert call["env"]["PGHOST"] == "h" and call["env"]["PGPORT"] == "5433" and call["env"]["PGSSLMODE"] == "require"
    assert call["env"]["LANG"] == "C"
    assert call["data"] == "SELECT 1"
    assert "--set" in call["args"] and "name=v" in call["args"]
    assert "dbname='x'" in call["args"]


def test_uri_password_not_in_argv_and_db_default():
    rec = Recorder(replies=[(0, "1", "")])
    pg = Postgres.from_params(rec, base_params(uri="postgresql://u:topsecret@h/appdb"))
    assert pg.default_db == "appdb"
    pg.psql("SELECT 1")
    assert all("topsecret" not in a for a in rec.calls[0]["args"])
    assert "dbname='appdb'" in rec.calls[0]["args"]


def test_exec_prefix_and_records():
    rec = Recorder(replies=[(0, "a\x1fb\x1ec\x1fd\n", "")])
    pg = Postgres.from_params(rec, base_params(exec_prefix=["docker", "exec", "-i", "db"]))
    rows = pg.psql("SELECT 1")
    assert rec.calls[0]["args"][:5] == ["docker", "exec", "-i", "db", "psql"]
    assert rows == [["a", "b"], ["c", "d"]]


def test_errors_name_the_cause():
    err_text = ('psql: error: connection to server at "h" (127.0.0.1), port 1 failed: '
                'FATAL:  password authentication failed for user "u"\n')
    rec = Recorder(replies=[(2, "", err_text)])
    pg = Postgres.from_params(rec, base_params(login_host="h", port=1, login_password="pw"))
    with pytest.raises(MaintenanceError) as err:
        pg.psql("SELECT 1", what="checking")
    assert "authentication failed" in str(err.value)
    assert "pw" not in str(err.value.details)
    assert classify('FATAL:  database "nope" does not exist') == 'database "nope" does not exist'
    assert "not reachable" in classify("connection to server ... failed: Connection refused")
