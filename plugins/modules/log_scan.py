#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, saasops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
module: log_scan
short_description: Count errors and HTTP 4xx/5xx in logs since the last scan
version_added: 0.1.0
description:
  - Reads application logs, access logs (nginx, morgan) and nginx error logs from
    where the previous scan stopped and counts the lines that match each pattern
    (C(error) for application and nginx error logs, C(http_4xx) and C(http_5xx)
    for access logs, plus any O(patterns)); returns the counts, the counts per
    HTTP status, and the last few matching lines of each pattern.
  - The offset of each file is remembered in O(state_file) together with the
    file's inode and a fingerprint of the bytes before the offset. When a log
    was rotated since the last scan (new inode, shorter file, or different
    content after C(copytruncate)), the rest of the rotated file (the file with the
    old inode among C(<path>.1), C(<path>.0), C(<path>-<date>), or the one whose
    content matches the fingerprint) is read from the old offset first, then
    the new file from its start. Lines are counted exactly once.
  - When a log was rotated twice between two scans (the old file is compressed
    by then), the newest rotated file is read whole if it was written after the
    last scan, and RV(files[].missed) says that lines may be missing.
  - Only complete lines are taken from a live log; a line still being written
    is counted at the next scan.
  - Flags patterns whose rate goes above O(thresholds) (the runbooks call more
    than 10 errors an hour critical).
author:
  - saasops maintainers (@saasops)
extends_documentation_fragment:
  - saasops.maintenance.attributes
attributes:
  check_mode:
    support: full
    details: Scans and reports, but does not move the offsets in O(state_file).
  diff_mode:
    support: none
options:
  logs:
    description:
      - The logs to scan. Each item is a path or a dict with C(path) and C(kind).
      - C(path) may be a glob (V(/var/www/app/backend/logs/*.log)); every match is
        tracked on its own.
      - C(kind=app) counts C(error) (lines with ERROR, FATAL or CRITICAL);
        C(kind=access) counts C(http_4xx) and C(http_5xx) from the status field of
        the combined log format; C(kind=nginx_error) counts C(error) (levels
        error, crit, alert, emerg).
    type: list
    elements: raw
    required: true
  state_file:
    description:
      - JSON file holding the offsets between scans; created with mode 0600.
    type: path
    default: /var/lib/saasops/log_scan.json
  patterns:
    description:
      - Extra named regular expressions (Python syntax) counted in every log,
        for example a pattern named payment with the expression
        (?i)razorpay|payment failed.
    type: dict
    default: {}
  thresholds:
    description:
      - Maximum rate per hour for a pattern; above it the pattern is listed in
        RV(alerts) as critical.
      - Scans less than an hour apart add up the counts of the scans of the last
        hour; otherwise the count is averaged over the time since the last scan.
        The first scan of a log counts everything read as one hour.
    type: dict
    default: {error: 10}
  sample_lines:
    description: How many of the last matching lines to return per pattern.
    type: int
    default: 5
  first_scan:
    description:
      - Where to start in a log never scanned before; C(end) only counts what is
        written from now on.
    type: str
    choices: [beginning, end]
    default: beginning
  missing_ok:
    description: Accept logs that do not exist (they count zero); otherwise fail.
    type: bool
    default: true
  fail_on_critical:
    description: Fail the task when any threshold is exceeded.
    type: bool
    default: false
notes:
  - Compressed rotated files are not read. With C(delaycompress) the first
    rotated file stays plain until the next rotation, so scanning at least once
    per rotation period loses nothing; RV(files[].missed) says when the rest of a
    rotated log could not be found.
"""

EXAMPLES = r"""
- name: What went wrong since the last scan
  saasops.maintenance.log_scan:
    logs:
      - /var/www/stairs-new/backend/logs/*.log
      - {path: /var/log/nginx/access.log, kind: access}
      - {path: /var/log/nginx/error.log, kind: nginx_error}
    patterns:
      database: '(?i)database|connection refused'
    thresholds: {error: 10, http_5xx: 20}
  register: scan

- name: Fail the run on a critical error rate
  saasops.maintenance.log_scan:
    logs: [/var/www/stairs-new/backend/logs/app.log]
    fail_on_critical: true
"""

RETURN = r"""
counts:
  description: Matching lines per pattern over all logs since the last scan.
  returned: always
  type: dict
  sample: {error: 3, http_4xx: 12, http_5xx: 1}
status:
  description: Access log lines per HTTP status code (4xx and 5xx only).
  returned: always
  type: dict
  sample: {"404": 10, "401": 2, "502": 1}
samples:
  description: The last O(sample_lines) matching lines per pattern.
  returned: always
  type: dict
files:
  description: Per log file, what was read.
  returned: always
  type: list
  elements: dict
  contains:
    file:
      description: The log file.
      type: str
    kind:
      description: The kind of log.
      type: str
    lines:
      description: Lines read in this scan (rotated part included).
      type: int
    counts:
      description: Matches per pattern in this file.
      type: dict
    rotated:
      description: Whether the log was rotated since the last scan.
      type: bool
    rotated_file:
      description: The rotated file whose rest was read, if found.
      type: str
    rotated_match:
      description:
        - How the rotated file was recognised, C(inode) (renamed), C(fingerprint) (copytruncate) or C(newer)
          (rotated twice since the last scan; the newest rotated file, written after the last scan, was read
          whole and the rest of the older one, compressed by now, was missed).
      type: str
    missed:
      description: The log was rotated but the rotated file was not found; lines may have been missed.
      type: bool
    start:
      description: Offset where reading the current file started.
      type: int
    offset:
      description: Offset recorded for the next scan.
      type: int
rates:
  description: Per-hour rate of each pattern in O(thresholds).
  returned: always
  type: dict
alerts:
  description: Patterns above their threshold.
  returned: always
  type: list
  elements: dict
  sample: [{pattern: error, per_hour: 14.0, threshold: 10, level: critical, msg: "error: 14.0 per hour, more than 10"}]
critical:
  description: Whether any threshold was exceeded.
  returned: always
  type: bool
period_hours:
  description: Hours since the previous scan (null on the first scan).
  returned: always
  type: float
state_file:
  description: The state file.
  returned: always
  type: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.saasops.maintenance.plugins.module_utils.common import MaintenanceError
from ansible_collections.saasops.maintenance.plugins.module_utils.log_scan import LogScan


def main() -> None:
    module = AnsibleModule(
        argument_spec=dict(
            logs=dict(type="list", elements="raw", required=True),
            state_file=dict(type="path", default="/var/lib/saasops/log_scan.json"),
            patterns=dict(type="dict", default={}),
            thresholds=dict(type="dict", default={"error": 10}),
            sample_lines=dict(type="int", default=5),
            first_scan=dict(type="str", choices=["beginning", "end"], default="beginning"),
            missing_ok=dict(type="bool", default=True),
            fail_on_critical=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    try:
        result = LogScan(module.params, check_mode=module.check_mode).run()
    except MaintenanceError as err:
        module.fail_json(msg=str(err), **err.details)
    if module.params["fail_on_critical"] and result["critical"]:
        module.fail_json(msg="critical log rates: %s" % "; ".join(a["msg"] for a in result["alerts"]), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
