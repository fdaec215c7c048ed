"""A second host: sshd in a network namespace of our own, reached over a veth pair.

It shares this machine's filesystem (TESTBED.md): it tests the transport, not
isolation. Everything is removed by name/pid when the fixture ends.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import tempfile
import time


def _run(argv):
    subprocess.run(argv, check=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


class SshHost:
    def __init__(self):
        tag = "%04x" % random.randrange(0x10000)
        self.netns = "saasops-ssh-" + tag
        self.veth_host = "sops%sh" % tag
        self.veth_ns = "sops%sn" % tag
        third = random.randrange(0, 250)
        self.host_ip = "10.213.%d.1" % third
        self.address = "10.213.%d.2" % third
        self.port = 2222
        self.dir = tempfile.mkdtemp(prefix="saasops-ssh-")
        os.chmod(self.dir, 0o700)
        self.key = os.path.join(self.dir, "id_ed25519")
        self.known_hosts = os.path.join(self.dir, "known_hosts")
        self.proc = None

    def start(self):
        _run(["ip", "netns", "add", self.netns])
        _run(["ip", "link", "add", self.veth_host, "type", "veth", "peer", "name", self.veth_ns])
        _run(["ip", "link", "set", self.veth_ns, "netns", self.netns])
        _run(["ip", "addr", "add", self.host_ip + "/30", "dev", self.veth_host])
        _run(["ip", "link", "set", self.veth_host, "up"])
        _run(["ip", "netns", "exec", self.netns, "ip", "addr", "add", self.address + "/30", "dev", self.veth_ns])
        _run(["ip", "netns", "exec", self.netns, "ip", "link", "set", self.veth_ns, "up"])
        _run(["ip", "netns", "exec", self.netns, "ip", "link", "set", "lo", "up"])
        hostkey = os.path.join(self.dir, "ssh_host_ed25519_key")
        _run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", hostkey])
        _run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", self.key])
        shutil.copy(self.key + ".pub", os.path.join(self.dir, "authorized_keys"))
        with open(hostkey + ".pub") as handle:
            pub = handle.read().split()
        with open(self.known_hosts, "w") as handle:
            handle.write("[%s]:%d %s %s\n" % (self.address, self.port, pub[0], pub[1]))
        config = os.path.join(self.dir, "sshd_config")
        with open(config, "w") as handle:
            handle.write("\n".join([
                "Port %d" % self.port, "ListenAddress %s" % self.address, "HostKey %s" % hostkey,
                "PidFile %s" % os.path.join(self.dir, "sshd.pid"),
                "AuthorizedKeysFile %s" % os.path.join(self.dir, "authorized_keys"),
                "PermitRootLogin prohibit-password", "PasswordAuthentication no", "KbdInteractiveAuthentication no",
                "UsePAM no", "StrictModes no", "PrintMotd no", "Subsystem sftp internal-sftp", "",
            ]))
        os.makedirs("/run/sshd", exist_ok=True)
        self.proc = subprocess.Popen(["ip", "netns", "exec", self.netns, "/usr/sbin/sshd", "-D", "-e", "-f", config],
                                     stdout=subprocess.DEVNULL, stderr=open(os.path.join(self.dir, "sshd.log"), "w"))
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if subprocess.run(["ssh"] + self.ssh_options() + ["-p", str(self.port), "root@" + self.address, "true"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False).returncode == 0:
                return self
            time.sleep(0.3)
        raise AssertionError("sshd in %s did not answer: %s" % (self.netns, open(os.path.join(self.dir, "sshd.log")).read()))

    def ssh_options(self):
        return ["-i", self.key, "-o", "BatchMode=yes", "-o", "UserKnownHostsFile=" + self.known_hosts,
                "-o", "StrictHostKeyChecking=yes"]

    def inventory_line(self, name, python):
        return ("%s ansible_host=%s ansible_port=%d ansible_user=root ansible_ssh_private_key_file=%s "
                "ansible_ssh_common_args='-o UserKnownHostsFile=%s -o StrictHostKeyChecking=yes' "
                "ansible_python_interpreter=%s" % (name, self.address, self.port, self.key, self.known_hosts, python))

    def netns_pids(self):
        """Pids of the processes in our network namespace: sshd and the sessions it forked."""
        out = subprocess.run(["ip", "netns", "pids", self.netns], capture_output=True, text=True, check=False).stdout
        return [int(pid) for pid in out.split() if pid.isdigit()]

    def stop(self):
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        # the sessions sshd forked (Ansible's ControlPersist connections) outlive it and would wait
        # forever on a link that is about to go: end every process of the namespace, by pid
        for sig in (signal.SIGTERM, signal.SIGKILL):
            pids = self.netns_pids()
            for pid in pids:
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    pass
            deadline = time.monotonic() + 5
            while pids and self.netns_pids() and time.monotonic() < deadline:
                time.sleep(0.1)
        subprocess.run(["ip", "link", "del", self.veth_host], check=False, stderr=subprocess.DEVNULL)
        subprocess.run(["ip", "netns", "del", self.netns], check=False, stderr=subprocess.DEVNULL)
        shutil.rmtree(self.dir, ignore_errors=True)
