"""pgarchive: the header and first TOC entry of a pg_dump custom archive, and the dump ids they predict."""

from __future__ import annotations

import pytest

from ansible_collections.saasops.maintenance.plugins.module_utils.pgarchive import data_ids, first_entry


def w_int(value, size=4):
    """WriteInt of pg_backup_archiver.c: a sign byte, then the magnitude little-endian."""
    return bytes([1 if value < 0 else 0]) + abs(value).to_bytes(size, "little")


def w_str(text, size=4):
    if text is None:
        return w_int(-1, size)
    raw = text.encode("utf-8")
    return w_int(len(raw), size) + raw


def archive(first_id=3457, desc="ENCODING", minor=14, size=4, fmt=1):
    head = b"PGDMP" + bytes([1, minor, 0, size, 8, fmt])
    head += bytes([0]) if minor >= 15 else w_int(0, size)  # compression: algorithm byte, or level
    head += b"".join(w_int(v, size) for v in (7, 2, 16, 3, 11, 126, 0))
    head += w_str('saas "ops"; drop-ü', size) + w_str("15.18", size) + w_str("15.18", size)
    head += w_int(12, size)  # TOC entries
    head += w_int(first_id, size) + w_int(0, size) + w_str("0", size) + w_str("0", size)
    head += w_str(desc, size) + w_str(desc, size) + w_int(2, size) + w_str("SET client_encoding = 'UTF8';\n", size)
    return head


@pytest.mark.parametrize("minor", [12, 13, 14, 15, 16])
def test_first_entry_of_every_known_version(minor):
    assert first_entry(archive(minor=minor)) == (3457, "ENCODING")


def test_first_entry_with_8_byte_integers():
    assert first_entry(archive(first_id=70000, size=8)) == (70000, "ENCODING")


def test_a_real_pg_dump_15_probe():
    """The first bytes pg_dump 15.18 wrote for the tricky test database (-Fc -Z0 --exclude-table-data='*.*')."""
    probe = (b'PGDMP\x01\x0e\x00\x04\x08\x01\x00\x00\x00\x00\x00\x00\r\x00\x00\x00\x00#\x00\x00\x00\x00\x0f\x00\x00'
             b'\x00\x00\x03\x00\x00\x00\x00\x0b\x00\x00\x00\x00~\x00\x00\x00\x00\x00\x00\x00\x00\x00\x13\x00\x00\x00'
             b'saas "ops"; drop-\xc3\xbc\x00\x1e\x00\x00\x0015.18 (Debian 15.18-0+deb12u1)\x00\x1e\x00\x00\x0015.18 '
             b'(Debian 15.18-0+deb12u1)\x00\x17\x00\x00\x00\x00\x80\r\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00'
             b'0\x00\x01\x00\x00\x000\x00\x08\x00\x00\x00ENCODING\x00\x08\x00\x00\x00ENCODING')
    assert first_entry(probe) == (3456, "ENCODING")
    # that database has 4 relations (3 tables, 1 sequence): its real dump gave their data objects the ids
    # 3454 to 3457 and wrote 3455.dat to 3457.dat (a sequence's data has no file)
    assert data_ids(probe, 4) == [3454, 3455, 3456, 3457]


def test_every_truncation_asks_for_more_bytes():
    full = archive()
    desc_end = full.rindex(b"ENCODING") + len(b"ENCODING")  # the desc field ends the part read
    for cut in range(desc_end):
        assert first_entry(full[:cut]) is None, cut
    assert first_entry(full[:desc_end]) == (3457, "ENCODING")


@pytest.mark.parametrize("data", [b"PGDMQ" + bytes(40), b"-- PostgreSQL database dump\n"])
def test_not_an_archive(data):
    with pytest.raises(ValueError):
        first_entry(data)


@pytest.mark.parametrize("kw", [dict(fmt=3), dict(minor=11), dict(minor=17), dict(size=9)])
def test_formats_and_versions_it_does_not_know(kw):
    with pytest.raises(ValueError):
        first_entry(archive(**kw))


def test_data_ids_follow_the_schema_objects():
    # ENCODING = last schema object + 3 (two section boundaries between): data ids start right after
    assert data_ids(archive(first_id=103), 3) == [101, 102, 103]


def test_data_ids_need_encoding_first_and_relations():
    assert data_ids(archive(desc="STDSTRINGS"), 3) is None
    assert data_ids(archive(), 0) is None
    assert data_ids(archive(first_id=2), 3) is None
    assert data_ids(archive()[:40], 3) is None
