"""A private docker engine and a locally built PostgreSQL image for the compose tests.

No image can be pulled here: the image is a Debian rootfs made with debootstrap
(cached as build/docker/pg-py-rootfs.tar, about a minute the first time) and
imported. dockerd runs with its own data root, socket and pid file, without
iptables rules or a bridge (the db service uses network_mode: none), and is
stopped by its pid.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# python3 for the compose tests' web service (python3 -m http.server)
ROOTFS_TAR = os.path.join(ROOT, "build", "docker", "pg-py-rootfs.tar")
IMAGE = "localhost/saasops-pg:15"

START_PG = """\
#!/bin/sh
set -e
D=/var/lib/postgresql/data
mkdir -p $D /var/run/postgresql
chown postgres:postgres $D /var/run/postgresql
chmod 700 $D
if [ ! -s $D/PG_VERSION ]; then
  printf '%s\\n' "$POSTGRES_PASSWORD" > /tmp/pw
  chown postgres /tmp/pw
  runuser -u postgres -- /usr/lib/postgresql/15/bin/initdb -D $D -A scram-sha-256 --pwfile=/tmp/pw \\
    -U postgres -E UTF8 --no-sync >/dev/null
  rm -f /tmp/pw
fi
exec runuser -u postgres -- /usr/lib/postgresql/15/bin/postgres -D $D -k /var/run/postgresql \\
  -c listen_addresses= -c fsync=off
"""


def debian_mirror():
    for path in ["/etc/apt/sources.list"] + sorted(glob.glob("/etc/apt/sources.list.d/*.sources")):
        try:
            with open(path, encoding="utf-8") as handle:
                lines = handle.read().splitlines()
        except OSError:
            continue
        for line in lines:
            words = line.split()
            if words[:1] == ["URIs:"] and len(words) > 1 and "security" not in words[1]:
                return words[1]
            if words[:1] == ["deb"] and len(words) > 2:
                return [w for w in words[1:] if not w.startswith("[")][0]
    return "http://deb.debian.org/debian"


# the image of the multi-host Molecule scenario: every tool its roles and its prepare use, since the
# containers (on a bridge without NAT: dockerd runs with --iptables=false) cannot reach a mirror
MULTIHOST_TAR = os.path.join(ROOT, "build", "docker", "multihost-rootfs.tar")
MULTIHOST_IMAGE = "localhost/debian:bookworm"
MULTIHOST_PACKAGES = "python3,postgresql-15,postgresql-client-15,openssh-server,openssh-client,rsync,zstd,procps"


def build_rootfs_tar(tar_path=ROOTFS_TAR, include="postgresql-15,python3", start_pg=True):
    """debootstrap a bookworm with the packages of ``include`` (and the start script of the db image); cached."""
    if os.path.exists(tar_path):
        return tar_path
    os.makedirs(os.path.dirname(tar_path), exist_ok=True)
    work = tempfile.mkdtemp(prefix="saasops-rootfs-", dir=os.path.dirname(tar_path))
    try:
        rootfs = os.path.join(work, "rootfs")
        subprocess.run(["debootstrap", "--variant=minbase", "--include=" + include, "bookworm", rootfs,
                        debian_mirror()], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for junk in glob.glob(os.path.join(rootfs, "var/cache/apt/archives/*.deb")) + \
                glob.glob(os.path.join(rootfs, "var/lib/apt/lists/*_Packages")):
            os.unlink(junk)
        if start_pg:
            script = os.path.join(rootfs, "usr/local/bin/start-pg")
            with open(script, "w", encoding="utf-8") as handle:
                handle.write(START_PG)
            os.chmod(script, 0o755)
        subprocess.run(["tar", "-C", rootfs, "-cf", tar_path + ".part", "."], check=True)
        os.replace(tar_path + ".part", tar_path)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return tar_path


class DockerEngine:
    def __init__(self):
        self.base = tempfile.mkdtemp(prefix="saasops-docker-")
        self.sock = os.path.join(self.base, "docker.sock")
        self.pidfile = os.path.join(self.base, "dockerd.pid")
        self.log = os.path.join(self.base, "dockerd.log")
        self.proc = None
        self.data = os.path.join(self.base, "data")

    def env(self):
        env = dict(os.environ)
        env["DOCKER_HOST"] = "unix://" + self.sock
        return env

    def docker(self, *args, **kw):
        return subprocess.run(["docker"] + list(args), env=self.env(), check=True, capture_output=True, text=True,
                              **kw)

    def start(self):
        # the data root on a tmpfs of its own: deleting ~20,000 layer files from disk takes 20 s
        os.makedirs(self.data)
        # best effort: without it the data root stays on disk; stop() unmounts whatever is mounted
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4g,mode=0700", "saasops-docker", self.data],
                       capture_output=True, check=False)
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                ["dockerd", "--data-root", self.data, "--exec-root",
                 os.path.join(self.base, "exec"), "--pidfile", self.pidfile, "-H", "unix://" + self.sock,
                 "--iptables=false", "--ip6tables=false", "--bridge=none"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("dockerd exited: %s" % open(self.log).read()[-2000:])
            if subprocess.run(["docker", "version"], env=self.env(), capture_output=True,
                              check=False).returncode == 0:
                return self
            time.sleep(0.3)
        raise AssertionError("dockerd did not answer: %s" % open(self.log).read()[-2000:])

    def import_image(self):
        with open(build_rootfs_tar(), "rb") as tar:
            subprocess.run(["docker", "import", "--change", 'CMD ["/usr/local/bin/start-pg"]', "-", IMAGE],
                           stdin=tar, env=self.env(), check=True, capture_output=True)
        return IMAGE

    def import_multihost_image(self):
        with open(build_rootfs_tar(MULTIHOST_TAR, MULTIHOST_PACKAGES, start_pg=False), "rb") as tar:
            subprocess.run(["docker", "import", "--change", 'CMD ["sleep", "infinity"]', "-", MULTIHOST_IMAGE],
                           stdin=tar, env=self.env(), check=True, capture_output=True)
        return MULTIHOST_IMAGE

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        # dockerd leaves mounts under its roots (the data tmpfs, exec/netns/default): unmount them, deepest first,
        # or every run leaves a bind mount behind in /tmp
        for point in sorted(mounts_under(self.base), key=len, reverse=True):
            subprocess.run(["umount", "--lazy", point], capture_output=True, check=False)
        shutil.rmtree(self.base, ignore_errors=True)


def mounts_under(base):
    """Mount points at or below ``base`` (from /proc/self/mountinfo; octal escapes decoded)."""
    base = os.path.realpath(base)
    points = []
    try:
        with open("/proc/self/mountinfo", encoding="utf-8") as handle:
            for line in handle:
                point = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), line.split()[4])
                if point == base or point.startswith(base + os.sep):
                    points.append(point)
    except OSError:
        pass
    return points
