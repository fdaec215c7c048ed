"""A stand-in for mongodump / mongorestore (no MongoDB tools exist here).

It records what it was given (argv, environment, the --config file's content
and mode) as one JSON line in $FAKE_MONGO_LOG, then behaves like the real
tool as far as the modules can see: writes or reads a gzipped archive that
starts with the mongodump archive magic and prints the tools' log lines.
$FAKE_MONGO_MODE picks a failure to simulate.
"""

from __future__ import annotations

import gzip
import json
import os
import stat
import sys

MAGIC = b"\x6d\xe2\x99\x81"
COLLECTIONS = {"users": 3, "orders": 5}


def write_fake_tools(folder, python=sys.executable):
    """Create executable mongodump/mongorestore scripts in folder; returns their paths."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    paths = {}
    for tool in ("mongodump", "mongorestore"):
        path = os.path.join(folder, tool)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write("#!%s\nimport sys\nsys.path.insert(0, %r)\n"
                         "from tests.support.fake_mongo import main\nmain(%r)\n" % (python, root, tool))
        os.chmod(path, 0o755)
        paths[tool] = path
    return paths


def _option(argv, name):
    for arg in argv:
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None


def _record(tool, argv):
    config = _option(argv, "--config")
    rec = dict(tool=tool, argv=argv, env=dict(os.environ), cwd=os.getcwd())
    if config:
        rec["config"] = config
        rec["config_mode"] = stat.S_IMODE(os.stat(config).st_mode)
        rec["config_dir_mode"] = stat.S_IMODE(os.stat(os.path.dirname(config)).st_mode)
        with open(config, encoding="utf-8") as handle:
            rec["config_text"] = handle.read()
    log = os.environ.get("FAKE_MONGO_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(rec) + "\n")
    return rec


def _uri(rec):
    for line in rec.get("config_text", "").splitlines():
        if line.startswith("uri: "):
            return json.loads(line[5:])
    return ""


def main(tool):
    argv = sys.argv[1:]
    if argv == ["--version"]:
        print("%s version: 100.9.4-fake\ngit version: fake" % tool)
        return
    rec = _record(tool, argv)
    mode = os.environ.get("FAKE_MONGO_MODE", "ok")
    archive = _option(argv, "--archive")
    if mode == "auth-fail":
        # real tools echo the connection string in some errors: the module must redact it
        sys.stderr.write("2026-11-24T02:00:00.000+0000\tFailed: can't create session: could not connect to "
                         "server: connection() error occurred during connection handshake: auth error: "
                         "sasl conversation error: unable to authenticate using mechanism \"SCRAM-SHA-256\" "
                         "for %s\n" % _uri(rec))
        sys.exit(1)
    if tool == "mongodump":
        db = _option(argv, "--db") or "app"
        payload = json.dumps({"%s.%s" % (db, c): n for c, n in COLLECTIONS.items()}).encode()
        if mode == "empty":
            open(archive, "wb").close()
        elif mode == "truncated":
            data = gzip.compress(MAGIC + payload * 100)
            with open(archive, "wb") as handle:
                handle.write(data[: len(data) // 2])
        elif mode == "not-archive":
            with gzip.open(archive, "wb") as handle:
                handle.write(b"<html>proxy error</html>")
        else:
            with gzip.open(archive, "wb") as handle:
                handle.write(MAGIC + payload)
        for coll, count in COLLECTIONS.items():
            sys.stderr.write("2026-11-24T02:00:00.000+0000\twriting %s.%s to archive '%s'\n" % (db, coll, archive))
            sys.stderr.write("2026-11-24T02:00:00.000+0000\tdone dumping %s.%s (%d documents)\n" % (db, coll, count))
        return
    # mongorestore
    with gzip.open(archive, "rb") as handle:
        data = handle.read()
    if data[:4] != MAGIC:
        sys.stderr.write("Failed: stream or file does not appear to be a mongodump archive\n")
        sys.exit(1)
    counts = json.loads(data[4:])
    total = sum(counts.values())
    failed = 2 if mode == "restore-fail" else 0
    for ns in sorted(counts):
        sys.stderr.write("2026-11-24T02:00:00.000+0000\trestoring %s from archive '%s'\n" % (ns, archive))
    sys.stderr.write("2026-11-24T02:00:00.000+0000\t%d document(s) restored successfully. %d document(s) failed "
                     "to restore.\n" % (total - failed, failed))
    # like the real tool, exits 0 even when documents failed (duplicate keys, validation)
