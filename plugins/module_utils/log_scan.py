# -*- coding: utf-8 -*-
# Copyright: (c) 2026, saasops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Incremental log scanning: what went wrong since the last scan.

The state file remembers, per log path, the inode, the offset up to which the
file was read and a fingerprint of the bytes just before that offset. At the
next scan:

* same inode, file at least as long and same fingerprint: read from the offset;
* inode changed, file shorter than the offset, or fingerprint changed (the
  file was rotated, by rename or by ``copytruncate``): finish the rotated file
  from the old offset (the candidate with the old inode, else ``<path>.1`` or
  ``<path>-<date>``), then read the new file from 0;
* unknown file: read it from the beginning (or skip to its end).

Only complete lines are consumed from a live file, so a line being written is
counted once, at the next scan. Nothing here writes unless ``commit`` is called.
"""

from __future__ import annotations

import glob
import hashlib
import os
import re
import time

from ansible_collections.saasops.maintenance.plugins.module_utils.common import MaintenanceError, read_json, write_json

__metaclass__ = type

STATE_VERSION = 1
FINGERPRINT_BYTES = 256
SAMPLE_CHARS = 500
HISTORY_SECONDS = 3600

# nginx "combined"/"common" and morgan's formats: ... [time] "request" status size ...
ACCESS_STATUS = re.compile(r'\[[^\]]*\] "(?:[^"\\]|\\.)*" (\d{3}) ')

KIND_PATTERNS = {
    # application logs: the runbooks grep "ERROR"
    "app": {"error": r"\b(?:ERROR|FATAL|CRITICAL)\b"},
    # nginx error log levels at or above error
    "nginx_error": {"error": r"\[(?:error|crit|alert|emerg)\]"},
    # access logs: counted by status class, not by pattern
    "access": {},
}
STATUS_PATTERNS = ("http_4xx", "http_5xx")


def fingerprint(handle, offset):
    """sha1 of the up to 256 bytes before offset (detects copytruncate + regrowth)."""
    start = max(0, offset - FINGERPRINT_BYTES)
    handle.seek(start)
    return hashlib.sha1(handle.read(offset - start)).hexdigest()


class Counter:
    """Counts matches per pattern and keeps the last few matching lines."""

    def __init__(self, patterns, samples):
        self.patterns = [(name, re.compile(rx)) for name, rx in patterns.items()]
        self.samples_max = samples
        self.counts = dict((name, 0) for name, _rx in self.patterns)
        self.samples = dict((name, []) for name, _rx in self.patterns)
        self.status = {}
        self.lines = 0

    def _hit(self, name, line):
        self.counts[name] = self.counts.get(name, 0) + 1
        if self.samples_max:
            keep = self.samples.setdefault(name, [])
            keep.append(line[:SAMPLE_CHARS])
            del keep[:-self.samples_max]

    def feed(self, line, access):
        self.lines += 1
        for name, rx in self.patterns:
            if rx.search(line):
                self._hit(name, line)
        if access:
            match = ACCESS_STATUS.search(line)
            if match:
                code = match.group(1)
                if code[0] in "45":
                    self.status[code] = self.status.get(code, 0) + 1
                    self._hit("http_%sxx" % code[0], line)


class LogScan:
    def __init__(self, params, check_mode=False, now=None):
        self.params = params
        self.check_mode = check_mode
        self.now = now if now is not None else time.time()
        self.state_file = params["state_file"]
        self.state = self._load_state()
        self.new_files = {}

    # -- state ------------------------------------------------------------
    def _load_state(self):
        if not os.path.exists(self.state_file):
            return {"version": STATE_VERSION, "files": {}, "history": []}
        try:
            state = read_json(self.state_file)
        except (OSError, ValueError) as err:
            raise MaintenanceError("cannot read the log scan state %s: %s; remove it to start over"
                                   % (self.state_file, getattr(err, "strerror", None) or err))
        if not isinstance(state, dict) or state.get("version") != STATE_VERSION:
            raise MaintenanceError("the log scan state %s has an unknown format; remove it to start over"
                                   % self.state_file)
        state.setdefault("files", {})
        state.setdefault("history", [])
        return state

    # -- reading ----------------------------------------------------------
    def _read(self, file_path, offset, counter, access, whole_lines):
        """Feed the lines from offset; returns the new offset (end of last complete line)."""
        pos = offset
        with open(file_path, "rb") as handle:
            handle.seek(offset)
            for raw in handle:
                if whole_lines and not raw.endswith(b"\n"):
                    break
                pos += len(raw)
                counter.feed(raw.rstrip(b"\r\n").decode("utf-8", "replace"), access)
        return pos

    @staticmethod
    def _rotated_candidates(log_path):
        """Where a rotated log lives: <path>.1 (logrotate), <path>.0, <path>-<date> (dateext)."""
        names = [log_path + ".1", log_path + ".0"]
        names += sorted(glob.glob(glob.escape(log_path) + "-[0-9]*"), reverse=True)
        return [n for n in names if os.path.isfile(n) and not n.endswith((".gz", ".zst", ".xz", ".bz2"))]

    def _find_rotated(self, log_path, prev, current_ino):
        candidates = self._rotated_candidates(log_path)
        for cand in candidates:
            st = os.stat(cand)
            if st.st_ino == prev["inode"] and st.st_dev == prev["device"] and st.st_ino != current_ino:
                return cand, "inode"
        # copytruncate: the old content was copied to a new file; recognise it by the fingerprint
        for cand in candidates:
            if os.stat(cand).st_size >= prev["offset"]:
                with open(cand, "rb") as handle:
                    if fingerprint(handle, prev["offset"]) == prev["fingerprint"]:
                        return cand, "fingerprint"
        return None, None

    def _newer_rotated(self, log_path):
        last = self.state.get("last_scan")
        for cand in self._rotated_candidates(log_path):
            if last is not None and os.stat(cand).st_mtime > last:
                return cand
        return None

    def _is_same(self, log_path, prev, st):
        if st.st_ino != prev["inode"] or st.st_dev != prev["device"] or st.st_size < prev["offset"]:
            return False
        with open(log_path, "rb") as handle:
            return fingerprint(handle, prev["offset"]) == prev["fingerprint"]

    def scan_file(self, log_path, kind, patterns):
        access = kind == "access"
        counter = Counter(patterns, self.params["sample_lines"])
        prev = self.state["files"].get(log_path)
        if prev and prev.get("inode") is None:
            prev = None  # the file was missing at the last scan
        info = dict(file=log_path, kind=kind, rotated=False, rotated_file=None, missed=False, exists=True)
        try:
            st = os.stat(log_path)
        except FileNotFoundError:
            st = None
        start = 0
        if prev:
            if st is not None and self._is_same(log_path, prev, st):
                start = prev["offset"]
            else:
                # rotated (renamed, or copied and truncated): finish the old file from the old offset
                info["rotated"] = True
                rotated, how = self._find_rotated(log_path, prev, st.st_ino if st else None)
                if rotated:
                    info["rotated_file"] = rotated
                    info["rotated_match"] = how
                    self._read(rotated, prev["offset"], counter, access, whole_lines=False)
                else:
                    # rotated more than once since the last scan: the old file is compressed by now,
                    # the newest rotated file was written after the last scan and is read whole
                    info["missed"] = True
                    newer = self._newer_rotated(log_path)
                    if newer:
                        info["rotated_file"] = newer
                        info["rotated_match"] = "newer"
                        self._read(newer, 0, counter, access, whole_lines=False)
        if st is None:
            info["exists"] = False
            if not self.params["missing_ok"]:
                raise MaintenanceError("log file %s does not exist (set missing_ok to accept that)" % log_path)
            entry = dict(inode=None, device=None, offset=0, fingerprint=None)
        else:
            if not prev and self.params["first_scan"] == "end":
                start = self._last_line_end(log_path, st.st_size)
                end = start
            else:
                end = self._read(log_path, start, counter, access, whole_lines=True)
            with open(log_path, "rb") as handle:
                fp = fingerprint(handle, end)
            entry = dict(inode=st.st_ino, device=st.st_dev, offset=end, fingerprint=fp)
            info["start"] = start
            info["offset"] = end
        info["lines"] = counter.lines
        info["counts"] = counter.counts
        info["status"] = counter.status
        info["samples"] = counter.samples
        return info, entry

    @staticmethod
    def _last_line_end(file_path, size):
        with open(file_path, "rb") as handle:
            pos = size
            while pos > 0:
                step = min(4096, pos)
                handle.seek(pos - step)
                chunk = handle.read(step)
                idx = chunk.rfind(b"\n")
                if idx >= 0:
                    return pos - step + idx + 1
                pos -= step
        return 0

    # -- the run ----------------------------------------------------------
    def _expand(self):
        files = []
        seen = set()
        for item in self.params["logs"]:
            if isinstance(item, str):
                item = {"path": item}
            if not isinstance(item, dict) or not item.get("path"):
                raise MaintenanceError("each item of logs must be a path or a dict with a path, not %r" % (item,))
            log_path = os.path.expanduser(str(item["path"]))
            kind = item.get("kind") or "app"
            if kind not in KIND_PATTERNS:
                raise MaintenanceError("unknown log kind %r for %s (app, access, nginx_error)" % (kind, log_path))
            if glob.has_magic(log_path):
                matches = sorted(glob.glob(log_path))
            else:
                matches = [log_path]
            for match in matches:
                if match not in seen:
                    seen.add(match)
                    files.append((os.path.abspath(match), kind))
        return files

    def run(self):
        totals = {}
        samples = {}
        status = {}
        reports = []
        for log_path, kind in self._expand():
            patterns = dict(KIND_PATTERNS[kind])
            patterns.update(self.params.get("patterns") or {})
            try:
                info, entry = self.scan_file(log_path, kind, patterns)
            except re.error as err:
                raise MaintenanceError("invalid pattern for %s: %s" % (log_path, err))
            except OSError as err:
                raise MaintenanceError("cannot read %s: %s" % (err.filename or log_path, err.strerror))
            reports.append(info)
            if entry is not None:
                self.new_files[log_path] = entry
            for name, count in info["counts"].items():
                totals[name] = totals.get(name, 0) + count
                if info["samples"].get(name):
                    samples.setdefault(name, []).extend(info["samples"][name])
            for code, count in info["status"].items():
                status[code] = status.get(code, 0) + count
        for name in STATUS_PATTERNS:
            if any(r["kind"] == "access" for r in reports):
                totals.setdefault(name, 0)
        limit = self.params["sample_lines"]
        samples = dict((name, lines[-limit:]) for name, lines in samples.items() if limit)
        alerts, rates, period = self._thresholds(totals)
        new_state = dict(self.state)
        files = dict(self.state["files"])
        files.update(self.new_files)
        new_state["files"] = files
        new_state["last_scan"] = self.now
        new_state["history"] = self._history(totals)
        changed = files != self.state["files"]
        if changed and not self.check_mode:
            parent = os.path.dirname(self.state_file)
            if parent and not os.path.isdir(parent):
                os.makedirs(parent, mode=0o700)
            write_json(self.state_file, new_state)
        return dict(
            changed=changed, counts=totals, status=status, samples=samples, files=reports,
            rates=rates, alerts=alerts, critical=any(a["level"] == "critical" for a in alerts),
            period_hours=period, state_file=self.state_file,
        )

    def _history(self, totals):
        keep = [h for h in self.state.get("history", []) if self.now - h["time"] < HISTORY_SECONDS]
        keep.append({"time": self.now, "counts": totals})
        return keep

    def _thresholds(self, totals):
        """Per-hour rate of each thresholded pattern.

        Scans less than an hour apart: the sum of this scan and the earlier
        scans of the last hour. Otherwise the average over the period since the
        last scan (at least one hour). First scan: the count itself.
        """
        last = self.state.get("last_scan")
        period = round((self.now - last) / 3600.0, 4) if last else None
        recent = [h for h in self.state.get("history", []) if self.now - h["time"] < HISTORY_SECONDS]
        alerts = []
        rates = {}
        for name, limit in (self.params.get("thresholds") or {}).items():
            try:
                limit = float(limit)
            except (TypeError, ValueError):
                raise MaintenanceError("threshold of %s must be a number, not %r" % (name, limit))
            count = totals.get(name, 0)
            if period is not None and period > 1:
                rate = count / period
            else:
                rate = count + sum(h["counts"].get(name, 0) for h in recent)
            rates[name] = round(rate, 2)
            if rate > limit:
                alerts.append(dict(pattern=name, per_hour=round(rate, 2), threshold=limit, level="critical",
                                   msg="%s: %.1f per hour, more than %g" % (name, rate, limit)))
        return alerts, rates, period
