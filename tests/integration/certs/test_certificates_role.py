"""The certificates role: check mode, nothing due (changed=0), a verified renewal, then changed=0 again."""

from __future__ import annotations

from tests.integration.certs.test_certificate import on_disk_serial
from tests.support.ansible import run_playbook
from tests.support.edge import recap, role_play


def test_role_check_mode_renewal_and_idempotence(tmp_path, acme):
    _pebble, certbot, server = acme
    base = {"certificates_config_dir": certbot.config_dir, "certificates_work_dir": certbot.work_dir,
            "certificates_logs_dir": certbot.logs_dir, "certificates_acme_ca_bundle": certbot.pebble.ca,
            "certificates_deploy_hook": server.reload_command,
            "certificates_verify_endpoint": {"host": "127.0.0.1", "port": server.port}}
    old = on_disk_serial(certbot)

    due = dict(base, certificates_renew_days=3650)
    res = run_playbook(role_play(tmp_path, "certificates", due), check=True)
    assert recap(res.stdout)["changed"] == 1 and recap(res.stdout)["failed"] == 0, res.stdout[-3000:]
    assert on_disk_serial(certbot) == old

    res = run_playbook(role_play(tmp_path, "certificates", due))
    assert recap(res.stdout)["changed"] == 1 and recap(res.stdout)["failed"] == 0, res.stdout[-3000:]
    new = on_disk_serial(certbot)
    assert new != old and server.served_serial("app.saasops.test") == new

    # with the runbooks' 30 days nothing is due: the role changes nothing, twice
    play = role_play(tmp_path, "certificates", base)
    for _run in range(2):
        res = run_playbook(play)
        assert recap(res.stdout)["changed"] == 0 and recap(res.stdout)["failed"] == 0, res.stdout[-3000:]
        assert "serial %s" % new in res.stdout
    assert on_disk_serial(certbot) == new
