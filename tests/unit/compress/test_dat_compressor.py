"""DatCompressor, the follower of pg_dump's .dat files, with the runner replaced."""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import threading
import time

import pytest

from ansible_collections.saasops.maintenance.plugins.module_utils import compress
from ansible_collections.saasops.maintenance.plugins.module_utils.common import MaintenanceError, sha256_fsync
from ansible_collections.saasops.maintenance.plugins.module_utils.pg_backup import DEFAULT_LEVELS, PgBackup
from ansible_collections.saasops.maintenance.plugins.module_utils.store import file_list


class RecordingRunner:
    """Records every argv and starts it for real (zstd is installed by the Makefile)."""

    def __init__(self, replace=None):
        self.calls = []
        self.replace = replace

    def popen(self, argv, stdin=None, stdout=None, stderr=subprocess.PIPE, env=None, cwd=None):
        self.calls.append(list(argv))
        real = self.replace(argv) if self.replace else argv
        return subprocess.Popen(real, stdin=stdin, stdout=stdout, stderr=stderr, env=env, cwd=cwd)


def copy_data(rows, width=120):
    """A table data file as pg_dump -Fd writes it: rows, then the COPY terminator."""
    line = (b"x" * (width - 1)) + b"\n"
    return line * rows + b"\\.\n\n\n"


def write_slowly(path, data, pieces=8, pause=0.02):
    """Write a file in pieces with pauses, like a pg_dump worker, then close it."""
    step = len(data) // pieces + 1
    with open(path, "wb") as handle:
        for start in range(0, len(data), step):
            handle.write(data[start:start + step])
            handle.flush()
            time.sleep(pause)


def zstd_decompress(path):
    return subprocess.run(["zstd", "-q", "-d", "-c", path], capture_output=True, check=True).stdout


def test_follows_growing_files_counts_rows_and_hashes_the_output(tmp_path):
    runner = RecordingRunner()
    directory = str(tmp_path / "data")
    comp = compress.DatCompressor(runner, directory, level=2, threads=2)
    comp.start()
    big = copy_data(30000)  # ~3.6 MB: compressed
    small = copy_data(10)  # below SMALL_FILE: left as .dat
    writers = [threading.Thread(target=write_slowly, args=(os.path.join(directory, name), data))
               for name, data in (("3001.dat", big), ("3002.dat", small))]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    with open(os.path.join(directory, "toc.dat"), "wb") as handle:
        handle.write(b"not table data")
    comp.finish()
    assert comp.row_counts() == {"3001": 30000, "3002": 10}
    # the big file was compressed by zstd at the level and threads asked, into <id>.dat.zst
    assert runner.calls == [["zstd", "-q", "-f", "-2", "-T2", "-o", os.path.join(directory, "3001.dat.zst")]]
    assert not os.path.exists(os.path.join(directory, "3001.dat"))
    zst = os.path.join(directory, "3001.dat.zst")
    assert zstd_decompress(zst) == big
    assert open(os.path.join(directory, "3002.dat"), "rb").read() == small
    # the follower hashed the compressed file: file_list trusts it and it is right
    with open(zst, "rb") as handle:
        expected = hashlib.sha256(handle.read()).hexdigest()
    assert comp.digests() == {zst: (os.path.getsize(zst), expected)}
    listed = {f["path"]: f for f in file_list(directory, known=comp.digests())}
    assert listed["3001.dat.zst"]["sha256"] == expected
    assert listed["3002.dat"]["sha256"] == hashlib.sha256(small).hexdigest()
    assert set(listed) == {"3001.dat.zst", "3002.dat", "toc.dat"}


def test_missing_terminator_gives_no_row_count(tmp_path):
    directory = str(tmp_path / "data")
    runner = RecordingRunner()
    comp = compress.DatCompressor(runner, directory, level=3, threads=0)
    comp.start()
    write_slowly(os.path.join(directory, "42.dat"), copy_data(20000)[:-10])  # truncated mid-row
    comp.finish()
    assert comp.row_counts() == {"42": None}
    assert runner.calls[0][3:5] == ["-3", "-T1"]  # threads are at least 1


def test_zstd_failure_is_an_error_naming_the_file(tmp_path):
    def failing(argv):
        return ["sh", "-c", "cat > /dev/null; echo 'zstd: error 70 : Write error : No space left on device' >&2; exit 1"]

    directory = str(tmp_path / "data")
    comp = compress.DatCompressor(RecordingRunner(replace=failing), directory, level=2)
    comp.start()
    write_slowly(os.path.join(directory, "7.dat"), copy_data(20000))
    with pytest.raises(MaintenanceError) as err:
        comp.finish()
    assert "zstd failed on 7.dat" in str(err.value)
    assert "No space left on device" in str(err.value)
    assert comp.digests() == {}


def zstd_dying_early(argv):
    """In place of zstd: reads 1000 bytes, then fails as zstd does on a full disk."""
    return ["sh", "-c", "head -c 1000 > /dev/null; echo 'zstd: error 70 : Write error : No space left on device' >&2; exit 70"]


def test_zstd_exiting_early_reports_its_own_error(tmp_path):
    """zstd dies mid-stream (disk full): the error names zstd's cause, not a broken pipe."""
    directory = str(tmp_path / "data")
    comp = compress.DatCompressor(RecordingRunner(replace=zstd_dying_early), directory, level=2)
    comp.start()
    write_slowly(os.path.join(directory, "8.dat"), copy_data(60000), pieces=4)
    with pytest.raises(MaintenanceError) as err:
        comp.finish()
    assert str(err.value) == "zstd failed on 8.dat: zstd: error 70 : Write error : No space left on device"
    assert err.value.details["rc"] == 70


def test_file_list_rehashes_a_file_whose_size_changed(tmp_path):
    path = tmp_path / "a.zst"
    path.write_bytes(b"new content")
    stale = {str(path): (3, "0" * 64)}
    listed = file_list(str(tmp_path), known=stale)
    assert listed == [dict(path="a.zst", size=11, sha256=hashlib.sha256(b"new content").hexdigest())]
    known = {str(path): (11, "f" * 64)}
    assert file_list(str(tmp_path), known=known)[0]["sha256"] == "f" * 64


def test_sha256_fsync(tmp_path):
    path = tmp_path / "blob"
    data = os.urandom(5 * 1024 * 1024 + 17)  # more than one HASH_CHUNK
    path.write_bytes(data)
    os.chmod(path, 0o600)
    assert sha256_fsync(str(path)) == (len(data), hashlib.sha256(data).hexdigest())
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_write_all_writes_everything_through_a_pipe():
    read_fd, write_fd = os.pipe()
    compress.grow_pipe(write_fd)
    data = os.urandom(3 * 1024 * 1024)
    received = []
    reader = threading.Thread(target=lambda: received.append(b"".join(iter(lambda: os.read(read_fd, 65536), b""))))
    reader.start()
    compress.write_all(write_fd, memoryview(bytearray(data)))
    os.close(write_fd)
    reader.join()
    os.close(read_fd)
    assert received == [data]


def test_grow_pipe_ignores_what_is_not_a_pipe(tmp_path):
    with open(tmp_path / "f", "wb") as handle:
        compress.grow_pipe(handle.fileno())  # EBADF/EINVAL are ignored


class FakePg:
    default_db = "app"
    exec_prefix = []


@pytest.mark.parametrize("compression,level", [("zstd", 2), ("gzip", 6), ("none", 0)])
def test_default_levels(tmp_path, compression, level):
    backup = PgBackup(FakePg(), dict(dest=str(tmp_path), compression=compression))
    assert backup.level == level == DEFAULT_LEVELS[compression]


def test_explicit_level_is_kept(tmp_path):
    assert PgBackup(FakePg(), dict(dest=str(tmp_path), compression="zstd", compression_level=3)).level == 3


def test_without_compression_big_files_are_only_counted(tmp_path):
    """compression=none (level None): rows are counted, no zstd starts, the .dat stays."""
    runner = RecordingRunner()
    directory = str(tmp_path / "data")
    comp = compress.DatCompressor(runner, directory, level=None)
    comp.start()
    big = copy_data(30000)  # above SMALL_FILE
    write_slowly(os.path.join(directory, "4001.dat"), big)
    comp.finish()
    assert comp.row_counts() == {"4001": 30000}
    assert runner.calls == []
    assert open(os.path.join(directory, "4001.dat"), "rb").read() == big
    assert not os.path.exists(os.path.join(directory, "4001.dat.zst"))


# --- named pipes (expect) ---------------------------------------------------------------

def pg_dump_checks(directory):
    """What pg_dump -Fd does first with an existing directory: read it, to see that it is empty."""
    assert os.listdir(directory) == []


def wait_for(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def is_fifo(path):
    return os.path.exists(path) and stat.S_ISFIFO(os.lstat(path).st_mode)


def test_named_pipes_wait_under_the_expected_names_once_pg_dump_checked_the_directory(tmp_path):
    runner = RecordingRunner()
    directory = str(tmp_path / "data")
    comp = compress.DatCompressor(runner, directory, level=2)
    comp.start()
    comp.expect([5001, 5002, 5003])
    time.sleep(0.2)
    # (a stat, not a listing: reading the directory is what tells the compressor pg_dump checked it)
    assert not any(os.path.lexists(os.path.join(directory, "%d.dat" % i)) for i in (5001, 5002, 5003)), \
        "nothing may be planted before pg_dump's emptiness check"
    pg_dump_checks(directory)
    wait_for(lambda: all(is_fifo(os.path.join(directory, "%d.dat" % i)) for i in (5001, 5002, 5003)))
    big, small = copy_data(30000), copy_data(5)
    writers = [threading.Thread(target=write_slowly, args=(os.path.join(directory, name), data))
               for name, data in (("5001.dat", big), ("5002.dat", small))]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    comp.finish()
    assert comp.streamed() == ["5001.dat", "5002.dat"]
    assert comp.row_counts() == {"5001": 30000, "5002": 5}
    # the big table is compressed, the small one a regular .dat again, the unused pipe removed
    assert sorted(os.listdir(directory)) == ["5001.dat.zst", "5002.dat"]
    assert zstd_decompress(os.path.join(directory, "5001.dat.zst")) == big
    assert stat.S_ISREG(os.lstat(os.path.join(directory, "5002.dat")).st_mode)
    assert open(os.path.join(directory, "5002.dat"), "rb").read() == small
    zst = os.path.join(directory, "5001.dat.zst")
    assert comp.digests() == {zst: (os.path.getsize(zst), hashlib.sha256(open(zst, "rb").read()).hexdigest())}


def test_a_name_pg_dump_wrote_first_is_followed_as_a_file(tmp_path):
    directory = str(tmp_path / "data")
    comp = compress.DatCompressor(RecordingRunner(), directory, level=2)
    comp.start()
    pg_dump_checks(directory)
    data = copy_data(20000)
    writer = threading.Thread(target=write_slowly, args=(os.path.join(directory, "61.dat"), data))
    writer.start()
    wait_for(lambda: "61.dat" in comp.followers)
    comp.expect([61, 62])  # late: pg_dump has created 61.dat already
    wait_for(lambda: is_fifo(os.path.join(directory, "62.dat")))
    writer.join()
    comp.finish()
    assert comp.streamed() == []
    assert comp.row_counts() == {"61": 20000}
    assert sorted(os.listdir(directory)) == ["61.dat.zst"]
    assert zstd_decompress(os.path.join(directory, "61.dat.zst")) == data


def test_zstd_failing_on_a_pipe_makes_the_writer_fail_and_names_the_cause(tmp_path):
    """zstd out of space while pg_dump writes into the pipe: pg_dump's next write fails (no hang)."""
    directory = str(tmp_path / "data")
    comp = compress.DatCompressor(RecordingRunner(replace=zstd_dying_early), directory, level=2)
    comp.start()
    comp.expect([9])
    pg_dump_checks(directory)
    wait_for(lambda: is_fifo(os.path.join(directory, "9.dat")))
    with pytest.raises(BrokenPipeError):
        write_slowly(os.path.join(directory, "9.dat"), copy_data(200000), pieces=50, pause=0.005)
    comp.finish(failed=True)  # pg_dump failed: finish does not raise, first_error tells why
    err = comp.first_error()
    assert str(err) == "zstd failed on 9.dat: zstd: error 70 : Write error : No space left on device"


def test_without_compression_no_pipes_are_planted(tmp_path):
    directory = str(tmp_path / "data")
    comp = compress.DatCompressor(RecordingRunner(), directory, level=None)
    comp.start()
    comp.expect([1, 2])
    pg_dump_checks(directory)
    time.sleep(0.2)
    comp.finish()
    assert os.listdir(directory) == []


def test_a_failing_watcher_removes_the_waiting_pipes_and_files_are_compressed_after(tmp_path, monkeypatch):
    """pg_dump must never meet a pipe nobody drains: when the watcher fails, the waiting pipes go."""
    directory = str(tmp_path / "data")
    comp = compress.DatCompressor(RecordingRunner(), directory, level=2)
    comp.start()
    comp.expect([71])
    pg_dump_checks(directory)
    wait_for(lambda: is_fifo(os.path.join(directory, "71.dat")))

    def boom(events):
        raise OSError("inotify went away")

    monkeypatch.setattr(comp, "_on_events", boom)
    open(os.path.join(directory, "unrelated"), "wb").close()  # an event: the watcher fails on it
    wait_for(lambda: not os.path.exists(os.path.join(directory, "71.dat")))
    data = copy_data(20000)
    write_slowly(os.path.join(directory, "71.dat"), data)
    comp.finish()
    assert comp.streamed() == []
    assert comp.row_counts() == {"71": 20000}
    assert zstd_decompress(os.path.join(directory, "71.dat.zst")) == data
