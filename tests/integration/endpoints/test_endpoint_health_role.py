"""The endpoint_health role: read-only (changed=0, also in check mode) and failing on problems."""

from __future__ import annotations

from tests.support.ansible import run_playbook
from tests.support.edge import recap, role_play


def test_role_is_read_only_and_fails_on_problems(tmp_path, tls, web):
    server, ca, serial = tls
    variables = {
        "endpoint_health_tls": [{"host": "127.0.0.1", "port": server.port, "server_name": "localhost",
                                 "min_days": 5}],
        "endpoint_health_http": [{"url": web + "/api/health", "body_contains": "healthy"}],
        "endpoint_health_ca_file": ca,
    }
    play = role_play(tmp_path, "endpoint_health", variables)
    for check in (True, False, False):
        res = run_playbook(play, check=check)
        assert recap(res.stdout) == {"ok": 4, "changed": 0, "failed": 0}, res.stdout[-3000:]
    assert serial in run_playbook(play, args=["-v"]).stdout

    variables["endpoint_health_tls"][0]["min_days"] = 30
    res = run_playbook(role_play(tmp_path, "endpoint_health", variables))
    assert recap(res.stdout)["failed"] == 1
    assert "1 endpoint problem(s): 127.0.0.1:%d certificate expires in" % server.port in res.stdout
