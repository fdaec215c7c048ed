"""A PostgreSQL server of its own with TLS, standing in for Supabase's managed database."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from urllib.parse import quote

import pytest

from tests.support.services import PG_BIN, PostgresServer
from tests.support.tls import make_ca, make_server_cert

PASSWORD = "Supa/base:S3cr3t?#x"


class TlsPostgres:
    def __init__(self, server, ca_cert, other_ca):
        self.server = server
        self.ca_cert = ca_cert
        self.other_ca = other_ca

    def uri(self, db, query=""):
        return "postgresql://postgres:%s@127.0.0.1:%d/%s%s" % (
            quote(PASSWORD, safe=""), self.server.port, db, ("?" + query) if query else "")


@pytest.fixture(scope="module")
def tls_pg():
    certs = tempfile.mkdtemp(prefix="saasops-tls-")
    os.chmod(certs, 0o755)
    ca_cert = make_ca(certs)
    other_ca = make_ca(certs, name="other-ca")
    cert, key = make_server_cert(certs)
    shutil.chown(key, "postgres")
    os.chmod(key, 0o600)
    os.chmod(cert, 0o644)
    server = PostgresServer(password=PASSWORD,
                            extra_conf=["ssl=on", "ssl_cert_file=%s" % cert, "ssl_key_file=%s" % key])
    server.start()
    try:
        # like Supabase: TCP connections must use TLS
        hba = os.path.join(server.data, "pg_hba.conf")
        with open(hba, encoding="utf-8") as handle:
            lines = handle.read().splitlines()
        with open(hba, "w", encoding="utf-8") as handle:
            for line in lines:
                if line.startswith("host "):
                    line = "hostssl" + line[4:]
                handle.write(line + "\n")
        subprocess.run(["runuser", "-u", "postgres", "--", PG_BIN + "/pg_ctl", "-D", server.data, "reload"],
                       check=True, stdout=subprocess.DEVNULL)
        yield TlsPostgres(server, ca_cert, other_ca)
    finally:
        server.destroy()
        shutil.rmtree(certs, ignore_errors=True)
