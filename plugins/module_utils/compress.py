# -*- coding: utf-8 -*-
# Copyright: (c) 2026, saasops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Compression that overlaps with the dump.

``pg_dump -Fd -Z0 -j N`` writes one ``<id>.dat`` file per table. A
:class:`DatCompressor` follows each file while pg_dump is still writing it
(inotify tells when a file appears and when its writer closes it), streams
its bytes into ``zstd`` and counts the COPY rows on the way, so compression
runs on the spare CPU during the dump instead of after it, and the row counts
in the manifest come from the dump itself (exact, same snapshot).

When told which names pg_dump will write (:meth:`DatCompressor.expect`: the
previous backup's, or those the probe of pgarchive predicts), it puts a named
pipe under each name before pg_dump opens it, so the table data flows from
pg_dump through the pipe into zstd and never lands uncompressed in the page
cache. Names it did not predict are still followed as files.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import fcntl
import os
import re
import select
import struct
import subprocess
import threading
import time

from ansible_collections.saasops.maintenance.plugins.module_utils.common import MaintenanceError, sha256_fsync
from ansible_collections.saasops.maintenance.plugins.module_utils.runner import first_error

__metaclass__ = type

CHUNK = 1 << 20  # read size of a follower; also the pipe buffer it asks for (Linux default maximum)
PIPE_SIZE = 1 << 20
F_SETPIPE_SZ = getattr(fcntl, "F_SETPIPE_SZ", 1031)
SMALL_FILE = 1 << 20  # files that stay below this are left uncompressed (pg_restore reads .dat)
DAT_RE = re.compile(r"^(\d+)\.dat$|^blob_\d+\.dat$")

IN_CLOSE_WRITE = 0x00000008
IN_CLOSE_NOWRITE = 0x00000010
IN_CREATE = 0x00000100
IN_MOVED_TO = 0x00000080
IN_Q_OVERFLOW = 0x00004000
IN_ISDIR = 0x40000000
MAX_FIFOS = 512
IN_NONBLOCK = 0o4000
IN_CLOEXEC = 0o2000000


class Inotify:
    """Minimal inotify over ctypes (Linux). ``available`` is False elsewhere."""

    def __init__(self, path):
        self.fd = -1
        name = ctypes.util.find_library("c")
        try:
            libc = ctypes.CDLL(name or "libc.so.6", use_errno=True)
            self.fd = libc.inotify_init1(IN_NONBLOCK | IN_CLOEXEC)
            if self.fd >= 0:
                wd = libc.inotify_add_watch(self.fd, os.fsencode(path),
                                            IN_CLOSE_WRITE | IN_CLOSE_NOWRITE | IN_CREATE | IN_MOVED_TO)
                if wd < 0:
                    os.close(self.fd)
                    self.fd = -1
        except (OSError, AttributeError):
            self.fd = -1

    @property
    def available(self):
        return self.fd >= 0

    def events(self):
        """[(mask, name)] of the events queued now (the descriptor is non-blocking)."""
        try:
            data = os.read(self.fd, 65536)
        except BlockingIOError:
            return []
        events = []
        offset = 0
        while offset + 16 <= len(data):
            _wd, mask, _cookie, length = struct.unpack_from("iIII", data, offset)
            name = data[offset + 16:offset + 16 + length].rstrip(b"\0").decode("utf-8", "replace")
            events.append((mask, name))
            offset += 16 + length
        return events

    def close(self):
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


class _Follower(threading.Thread):
    """Streams one growing .dat file into zstd until its writer has closed it.

    The file is read into one reused buffer and written to zstd's stdin with
    ``os.write`` (no per-chunk allocation); newlines are counted on the same
    buffer. Once zstd has finished, the compressed file is hashed and fsynced
    here, while pg_dump is still writing other tables, so the checksum and
    durability work overlaps with the dump instead of following it.
    """

    def __init__(self, owner, name, fifo=None):
        super().__init__(daemon=True)
        self.owner = owner
        self.name_ = name
        self.path = os.path.join(owner.directory, name)
        self.fifo = fifo  # read end of the named pipe planted under this name (its writer is connected)
        self.closed = threading.Event()
        self.lines = 0
        self.tail = b""
        self.error = None
        self.compressed = False
        self.proc = None
        self.buffered = []
        self.size = 0
        self.digest = None  # (size, sha256) of the .zst once written and fsynced
        self.streamed = fifo is not None

    def _feed(self, buf, count):
        self.lines += buf.count(b"\n", 0, count)
        self.tail = (self.tail + bytes(buf[max(0, count - 16):count]))[-16:]
        if self.owner.level is None:
            return  # compression none: only count the rows, keep nothing in memory
        if self.proc is not None:
            write_all(self.proc.stdin.fileno(), memoryview(buf)[:count])
            return
        self.buffered.append(bytes(buf[:count]))
        self.size += count
        if self.size >= SMALL_FILE:
            self.proc = self.owner.start_zstd(self.path + ".zst")
            grow_pipe(self.proc.stdin.fileno())
            for part in self.buffered:
                write_all(self.proc.stdin.fileno(), part)
            self.buffered = []

    def _read_file(self, buf):
        fd = os.open(self.path, os.O_RDONLY)
        try:
            while True:
                # Sampled before the read: EOF after a close means complete.
                done = self.closed.is_set() or self.owner.writer_done.is_set()
                count = os.readv(fd, [buf])
                if count:
                    self._feed(buf, count)
                elif done:
                    break
                else:
                    self.closed.wait(0.02)
        finally:
            os.close(fd)

    def _read_fifo(self, buf):
        fd, self.fifo = self.fifo, None
        try:
            # its writer has connected: blocking reads, and EOF once pg_dump has closed it
            os.set_blocking(fd, True)
            while True:
                count = os.readv(fd, [buf])
                if not count:
                    break
                self._feed(buf, count)
        finally:
            os.close(fd)  # an early exit (zstd failed) makes pg_dump's next write fail: no hang
        os.unlink(self.path)
        if self.proc is None:
            # a small table: its data stays a plain .dat file, as pg_dump would have left it
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out:
                for part in self.buffered:
                    out.write(part)
            self.buffered = []

    def run(self):
        try:
            buf = bytearray(CHUNK)
            if self.streamed:
                self._read_fifo(buf)
            else:
                self._read_file(buf)
            proc = self.proc
            if proc is not None:
                proc.stdin.close()
                self._check_zstd()
                if not self.streamed:
                    os.unlink(self.path)
                self.compressed = True
                self.digest = sha256_fsync(self.path + ".zst")
        except BrokenPipeError as err:
            # zstd exited early (disk full, killed): its own message names the cause
            try:
                self._check_zstd()
                self.error = err
            except MaintenanceError as zerr:
                self.error = zerr
        except (OSError, MaintenanceError) as err:
            self.error = err
            if self.proc is not None and self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()

    def _check_zstd(self):
        """Wait for zstd; raise its error when it failed."""
        proc = self.proc
        try:
            proc.stdin.close()
        except OSError:
            pass  # the pipe may be broken already
        err = proc.stderr.read().decode("utf-8", "replace")
        if proc.wait() != 0:
            raise MaintenanceError("zstd failed on %s: %s" % (self.name_, first_error(err) or "rc=%s" % proc.returncode),
                                   rc=proc.returncode, stderr=err)

    def rows(self):
        """COPY rows in the file: lines before the ``\\.`` terminator."""
        for ending, extra in ((b"\\.\n\n\n", 3), (b"\\.\n\n", 2), (b"\\.\n", 1)):
            if self.tail.endswith(ending):
                return self.lines - extra
        return None


def write_all(fd, data):
    """os.write until every byte of ``data`` (bytes or memoryview) is written."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def grow_pipe(fd, size=None):
    """Enlarge a pipe's buffer (Linux F_SETPIPE_SZ): fewer wake-ups per MB. Best effort."""
    try:
        fcntl.fcntl(fd, F_SETPIPE_SZ, size or PIPE_SIZE)
    except OSError:
        pass


class DatCompressor:
    """Compress a directory dump's .dat files with zstd while it is written."""

    def __init__(self, runner, directory, level=2, zstd="zstd", threads=1):
        self.runner = runner
        # zstd threads per file. 1: pg_dump -j N already keeps N files growing at once;
        # -T2 shortened the compression left after pg_dump on an idle machine but made
        # the whole backup slower on a busy one (docs/performance.md).
        self.threads = max(1, threads)
        self.directory = directory
        self.level = level
        self.zstd = zstd
        self.followers = {}
        self.writer_done = threading.Event()
        self._stop = threading.Event()
        self._watch = None
        self._inotify = None
        self._epoll = None
        self._wake = ()
        self._ids = []  # dump ids to plant named pipes for (expect), under _ids_lock
        self._ids_lock = threading.Lock()
        self._checked = False  # pg_dump has checked that the directory is empty
        self._planted = set()  # names of the named pipes planted (never followed as files)
        self._fifos = {}  # read end -> name, until the writer shows up

    def start_zstd(self, dest):
        return self.runner.popen([self.zstd, "-q", "-f", "-%d" % self.level, "-T%d" % self.threads, "-o", dest],
                                 stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)

    def start(self):
        os.makedirs(self.directory, 0o700, exist_ok=True)
        self._inotify = Inotify(self.directory)
        if self._inotify.available:
            self._epoll = select.epoll()
            self._epoll.register(self._inotify.fd, select.EPOLLIN)
            self._wake = os.pipe()
            os.set_blocking(self._wake[0], False)
            self._epoll.register(self._wake[0], select.EPOLLIN)
            self._watch = threading.Thread(target=self._loop, daemon=True)
            self._watch.start()

    def expect(self, ids):
        """Dump ids whose ``<id>.dat`` pg_dump is about to write: named pipes go there.

        May be called more than once, from any thread (the probe's reader); the
        pipes are planted once pg_dump has checked that the directory is empty (it
        refuses one that is not). A name pg_dump does not use costs one unused
        pipe, removed at the end."""
        if self.level is None or self._watch is None or self._stop.is_set():
            return  # compression none: pg_dump's own files are the backup
        with self._ids_lock:
            self._ids.extend(int(i) for i in ids)
        try:
            os.write(self._wake[1], b"x")
        except OSError:
            pass

    def _follow(self, name, fifo=None):
        if name in self.followers or (fifo is None and name in self._planted) or not DAT_RE.match(name):
            return None
        follower = _Follower(self, name, fifo=fifo)
        self.followers[name] = follower
        follower.start()
        return follower

    def _loop(self):
        try:
            self._poll_loop()
        except Exception:  # pylint: disable=broad-except
            # never leave pg_dump a pipe nobody drains: remove the waiting ones; pg_dump then
            # writes plain files under those names, which finish() compresses
            self._unplant()

    def _unplant(self):
        """Remove the named pipes no writer has opened yet."""
        for fd, name in self._fifos.items():
            os.close(fd)
            self._planted.discard(name)
            try:
                os.unlink(os.path.join(self.directory, name))
            except OSError:
                pass
        self._fifos = {}

    def _poll_loop(self):
        inotify_fd, wake_fd = self._inotify.fd, self._wake[0]
        while True:
            # sampled before the poll: the round after pg_dump's exit sees every last event
            stopping = self._stop.is_set()
            for fd, _mask in self._epoll.poll(0 if stopping else 0.05):
                if fd == inotify_fd:
                    self._on_events(self._inotify.events())
                elif fd == wake_fd:
                    os.read(wake_fd, 64)
                elif fd in self._fifos:
                    # data (or the writer's close): hand the pipe to a follower
                    self._epoll.unregister(fd)
                    if self._follow(self._fifos.pop(fd), fifo=fd) is None:
                        os.close(fd)  # cannot happen: a planted name has no follower yet
            if self._checked and self._ids and not self._stop.is_set():
                with self._ids_lock:
                    ids, self._ids = self._ids, []
                self._plant(ids)
            if stopping:
                break

    def _on_events(self, events):
        for mask, name in events:
            if mask & IN_Q_OVERFLOW:
                self._scan()
                continue
            if not name:
                if mask & IN_CLOSE_NOWRITE and mask & IN_ISDIR:
                    self._checked = True  # pg_dump has read the (empty) directory
                continue
            follower = self.followers.get(name) or self._follow(name)
            if follower is not None and mask & IN_CLOSE_WRITE:
                follower.closed.set()

    def _plant(self, ids):
        try:
            import resource  # pylint: disable=import-outside-toplevel
            soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
            room = soft // 4 if soft > 0 else MAX_FIFOS  # RLIM_INFINITY reads as -1
        except (ImportError, ValueError, OSError):
            room = 64
        limit = min(MAX_FIFOS, room)
        for dump_id in ids:
            name = "%d.dat" % dump_id
            if len(self._planted) >= limit:
                break
            if name in self.followers or name in self._planted:
                continue  # pg_dump was first (its file is followed), or planted already
            path = os.path.join(self.directory, name)
            try:
                os.mkfifo(path, 0o600)
            except OSError:
                continue  # pg_dump has created it meanwhile (or the name is taken)
            # opened at once: pg_dump's open for writing must never wait for a reader
            try:
                fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
            except OSError:
                os.unlink(path)
                break
            self._planted.add(name)
            self._fifos[fd] = name
            grow_pipe(fd)
            self._epoll.register(fd, select.EPOLLIN)

    def _scan(self):
        for name in sorted(os.listdir(self.directory)):
            self._follow(name)

    def finish(self, failed=False):
        """Call after pg_dump exited: compress what is left, wait, report."""
        self.writer_done.set()
        self._stop.set()
        if self._watch is not None:
            self._watch.join()
            self._unplant()  # planted under names pg_dump did not use
            self._epoll.close()
            for fd in self._wake:
                os.close(fd)
        if self._inotify is not None:
            self._inotify.close()
        if not failed:
            self._scan()
        for follower in list(self.followers.values()):
            follower.closed.set()
            follower.join()
        if not failed:
            err = self.first_error()
            if err is not None:
                raise err

    def first_error(self):
        """The first follower's error as a MaintenanceError (None when all went well).

        After a failed pg_dump it is often the cause: zstd out of disk space
        closes its pipe, and pg_dump then only says that a write failed."""
        for follower in self.followers.values():
            err = follower.error
            if err is None:
                continue
            if isinstance(err, MaintenanceError):
                return err
            return MaintenanceError("compressing the dump failed: %s" % (getattr(err, "strerror", None) or err))
        return None

    def streamed(self):
        """Names of the table data files that came through named pipes."""
        return sorted(name for name, follower in self.followers.items() if follower.streamed)

    def digests(self):
        """{path: (size, sha256)} of the .zst files hashed (and fsynced) by the followers."""
        return {f.path + ".zst": f.digest for f in self.followers.values() if f.digest}

    def row_counts(self):
        """{dump id: rows} for the table data files."""
        out = {}
        for name, follower in self.followers.items():
            match = DAT_RE.match(name)
            if match and match.group(1):
                out[match.group(1)] = follower.rows()
        return out


def wait_quietly(proc, timeout=None):
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait()


def terminate(procs):
    for proc in procs:
        if proc is not None and proc.poll() is None:
            proc.terminate()
    deadline = time.monotonic() + 5
    for proc in procs:
        if proc is not None:
            wait_quietly(proc, max(0.1, deadline - time.monotonic()))
