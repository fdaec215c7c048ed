"""Throwaway TLS material made with openssl: a CA and a server certificate."""

from __future__ import annotations

import os
import subprocess


def openssl(*args, cwd):
    subprocess.run(["openssl"] + list(args), cwd=cwd, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE)


def make_ca(folder, name="test-ca"):
    """CA key and self-signed certificate in folder; returns the certificate path."""
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", name + ".key", "-out", name + ".crt", "-days", "2", "-subj", "/CN=" + name, cwd=folder)
    return os.path.join(folder, name + ".crt")


def make_server_cert(folder, ca="test-ca", name="server", hosts=("localhost", "127.0.0.1")):
    """A server certificate signed by the CA for the given names; returns (cert, key)."""
    san = ",".join(("IP:%s" % h) if h.replace(".", "").isdigit() else ("DNS:%s" % h) for h in hosts)
    with open(os.path.join(folder, name + ".ext"), "w", encoding="utf-8") as handle:
        handle.write("subjectAltName=%s\n" % san)
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", name + ".key", "-out", name + ".csr", "-subj", "/CN=" + hosts[0], cwd=folder)
    openssl("x509", "-req", "-in", name + ".csr", "-CA", ca + ".crt", "-CAkey", ca + ".key", "-CAcreateserial",
            "-out", name + ".crt", "-days", "2", "-extfile", name + ".ext", cwd=folder)
    return os.path.join(folder, name + ".crt"), os.path.join(folder, name + ".key")
