"""Pebble (ACME test server) with its own CA, certbot with private dirs, and a TLS server.

See ../../shared/TESTBED.md: Debian's pebble ships no TLS key, so a CA and a
server certificate for localhost/127.0.0.1 are made here with openssl, and
certbot trusts that CA through REQUESTS_CA_BUNDLE.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time

from tests.support.services import free_port


def openssl(*args, cwd=None):
    subprocess.run(["openssl"] + list(args), cwd=cwd, check=True, capture_output=True)


def wait_port(port, proc=None, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise AssertionError("process exited with rc=%s" % proc.returncode)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("port %s not ready" % port)


def stop_process(proc):
    if proc is not None and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def make_test_ca(base, days=30, san="DNS:localhost,IP:127.0.0.1"):
    """base/ca.pem (+ ca.key) and base/server.pem (+ server.key) signed by it, for ``san``."""
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
            "-days", "60", "-subj", "/CN=saasops test CA", cwd=base)
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
            "-subj", "/CN=localhost", cwd=base)
    with open(os.path.join(base, "san.ext"), "w") as handle:
        handle.write("subjectAltName=%s\n" % san)
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "server.pem", "-days", str(days), "-extfile", "san.ext", cwd=base)
    return os.path.join(base, "ca.pem"), os.path.join(base, "server.pem"), os.path.join(base, "server.key")


class Pebble:
    """Pebble on free ports, trusted through ``self.ca`` (REQUESTS_CA_BUNDLE)."""

    def __init__(self):
        self.base = tempfile.mkdtemp(prefix="saasops-acme-")
        self.port = free_port()
        self.mgmt_port = free_port()
        self.http_port = free_port()
        self.ca = os.path.join(self.base, "ca.pem")
        self.proc = None
        self.log = os.path.join(self.base, "pebble.log")

    @property
    def url(self):
        return "https://127.0.0.1:%d/dir" % self.port

    def make_certs(self):
        make_test_ca(self.base)

    def start(self):
        if not os.path.exists(os.path.join(self.base, "server.pem")):
            self.make_certs()
        cfg = os.path.join(self.base, "pebble.json")
        with open(cfg, "w") as handle:
            json.dump({"pebble": {
                "listenAddress": "127.0.0.1:%d" % self.port,
                "managementListenAddress": "127.0.0.1:%d" % self.mgmt_port,
                "certificate": os.path.join(self.base, "server.pem"),
                "privateKey": os.path.join(self.base, "server.key"),
                "httpPort": self.http_port, "tlsPort": free_port(),
                "ocspResponderURL": "", "externalAccountBindingRequired": False}}, handle)
        env = dict(os.environ, PEBBLE_VA_ALWAYS_VALID="1", PEBBLE_VA_NOSLEEP="1", PEBBLE_WFE_NONCEREJECT="0")
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(["pebble", "-config", cfg], env=env, stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL)
        wait_port(self.port, self.proc)
        return self

    def stop(self):
        stop_process(self.proc)
        self.proc = None

    def destroy(self):
        self.stop()
        shutil.rmtree(self.base, ignore_errors=True)


class Certbot:
    """certbot with private config/work/logs dirs, talking to one Pebble."""

    def __init__(self, pebble):
        self.pebble = pebble
        self.base = tempfile.mkdtemp(prefix="saasops-certbot-")
        self.config_dir = os.path.join(self.base, "config")
        self.work_dir = os.path.join(self.base, "work")
        self.logs_dir = os.path.join(self.base, "logs")

    def env(self):
        return dict(os.environ, REQUESTS_CA_BUNDLE=self.pebble.ca)

    def dirs(self):
        return ["--config-dir", self.config_dir, "--work-dir", self.work_dir, "--logs-dir", self.logs_dir]

    def issue(self, name, domains):
        argv = ["certbot", "certonly", "--standalone", "--non-interactive", "--agree-tos",
                "--register-unsafely-without-email", "--server", self.pebble.url, "--cert-name", name,
                "--http-01-port", str(self.pebble.http_port), "--http-01-address", "127.0.0.1"] + self.dirs()
        for domain in domains:
            argv += ["-d", domain]
        proc = subprocess.run(argv, env=self.env(), capture_output=True, text=True, check=False)
        assert proc.returncode == 0, proc.stderr
        return os.path.join(self.config_dir, "live", name)

    def module_args(self):
        return {"config_dir": self.config_dir, "work_dir": self.work_dir, "logs_dir": self.logs_dir,
                "acme_ca_bundle": self.pebble.ca}

    def destroy(self):
        shutil.rmtree(self.base, ignore_errors=True)


# A TLS server that serves one certificate and reloads it on SIGHUP (as nginx does on reload).
TLS_SERVER = r"""
import signal, socket, ssl, sys
cert, key, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
state = {}
def load(*_args):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    state["ctx"] = ctx
load()
signal.signal(signal.SIGHUP, load)
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port))
srv.listen(16)
while True:
    try:
        conn, _addr = srv.accept()
    except InterruptedError:
        continue
    try:
        tls = state["ctx"].wrap_socket(conn, server_side=True)
        tls.settimeout(2)
        try:
            tls.recv(4096)
            tls.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nStrict-Transport-Security: max-age=63072000\r\n"
                        b"X-Frame-Options: DENY\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\nok")
        except OSError:
            pass
        tls.close()
    except (OSError, ssl.SSLError):
        conn.close()
"""


class TlsServer:
    """Serves ``cert``/``key`` on a free port; ``reload_command`` is a deploy hook for certbot."""

    def __init__(self, cert, key):
        self.cert = cert
        self.key = key
        self.port = free_port()
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen([sys.executable, "-c", TLS_SERVER, self.cert, self.key, str(self.port)],
                                     stdin=subprocess.DEVNULL)
        wait_port(self.port, self.proc)
        return self

    @property
    def reload_command(self):
        return "kill -HUP %d" % self.proc.pid

    def reload(self):
        os.kill(self.proc.pid, signal.SIGHUP)

    def served_serial(self, server_name="localhost"):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as sock:
            with ctx.wrap_socket(sock, server_hostname=server_name) as tls:
                pem = ssl.DER_cert_to_PEM_cert(tls.getpeercert(binary_form=True))
        proc = subprocess.run(["openssl", "x509", "-noout", "-serial"], input=pem, capture_output=True, text=True,
                              check=True)
        return proc.stdout.strip().split("=", 1)[1]

    def stop(self):
        stop_process(self.proc)
