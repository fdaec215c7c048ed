# -*- coding: utf-8 -*-
# Copyright: (c) 2026, saasops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The start of a pg_dump custom-format archive, and the dump ids it predicts.

pg_backup lets ``pg_dump -Fd`` write its table data into named pipes (so the
uncompressed data never goes through the page cache); for that it must know
the names ``<dump id>.dat`` before pg_dump opens them. pg_dump numbers its
objects in the order it collects them: every schema object (1..N), then one
data object per table, sequence and materialized view (N+1..N+K), then large
objects, two section boundaries, and last the ENCODING, STDSTRINGS and
SEARCHPATH entries. A probe ``pg_dump -Fc --exclude-table-data='*.*' --no-blobs``
of the same database collects the same schema objects, and its first TOC
entry is ENCODING with id N+3, so N is known before the real dump writes any
data. A wrong guess costs nothing but speed: pg_backup follows whatever
files pg_dump writes under names it did not predict.

Only the header and the first TOC entry are read (WriteHead and WriteToc of
pg_backup_archiver.c, archive versions 1.12 to 1.16).
"""

from __future__ import annotations

__metaclass__ = type

MAGIC = b"PGDMP"
FORMAT_CUSTOM = 1
# dump ids between the last schema object and ENCODING: the two section boundaries
ENCODING_AFTER_SCHEMA = 3


class Truncated(Exception):
    """More bytes are needed."""


class _Reader:
    def __init__(self, data):
        self.data = data
        self.pos = 0
        self.int_size = 4

    def byte(self):
        if self.pos >= len(self.data):
            raise Truncated()
        value = self.data[self.pos]
        self.pos += 1
        return value

    def integer(self):
        sign = self.byte()
        end = self.pos + self.int_size
        if end > len(self.data):
            raise Truncated()
        value = int.from_bytes(self.data[self.pos:end], "little")
        self.pos = end
        return -value if sign else value

    def string(self):
        length = self.integer()
        if length < 0:
            return None
        end = self.pos + length
        if end > len(self.data):
            raise Truncated()
        value = self.data[self.pos:end].decode("utf-8", "replace")
        self.pos = end
        return value


def first_entry(data):
    """(dump id, desc) of the first TOC entry of a custom archive's first bytes.

    None when ``data`` is too short; ValueError when it is not a custom archive
    of a known version."""
    if len(data) < 11:
        return None
    if data[:5] != MAGIC:
        raise ValueError("not a pg_dump archive")
    reader = _Reader(data)
    reader.pos = 5
    try:
        version = (reader.byte(), reader.byte(), reader.byte())
        reader.int_size = reader.byte()
        reader.byte()  # offset size
        fmt = reader.byte()
        if fmt != FORMAT_CUSTOM or version[0] != 1 or not 12 <= version[1] <= 16 or not 1 <= reader.int_size <= 8:
            raise ValueError("unsupported archive: format %d, version %d.%d" % (fmt, version[0], version[1]))
        if version[1] >= 15:
            reader.byte()  # compression algorithm
        else:
            reader.integer()  # compression level
        for _field in range(7):  # creation time: sec, min, hour, mday, mon, year, isdst
            reader.integer()
        for _field in range(3):  # database, server version, pg_dump version
            reader.string()
        if reader.integer() < 1:  # TOC entries
            raise ValueError("empty TOC")
        dump_id = reader.integer()
        reader.integer()  # has a data dumper
        reader.string()  # table oid
        reader.string()  # oid
        reader.string()  # tag
        desc = reader.string()
    except Truncated:
        return None
    return dump_id, desc


def data_ids(probe, relations):
    """Dump ids the table data of the real dump will get, from the probe's first bytes.

    ``relations``: how many tables, sequences and materialized views the
    database has (each gets one data object). None when the bytes do not
    tell (too short, or the first entry is not ENCODING); ValueError for a
    byte string that is not a custom archive."""
    entry = first_entry(probe)
    if entry is None or entry[1] != "ENCODING":
        return None
    last_schema = entry[0] - ENCODING_AFTER_SCHEMA
    if last_schema < 0 or relations < 1:
        return None
    return list(range(last_schema + 1, last_schema + 1 + relations))
