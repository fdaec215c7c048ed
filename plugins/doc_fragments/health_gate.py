# -*- coding: utf-8 -*-
# Copyright: (c) 2026, saasops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  health_url:
    description: URL that must answer 2xx (redirects not followed) before a start, restart or reload counts as done.
    type: str
  health_timeout:
    description: Seconds to wait for the health gate to pass.
    type: int
    default: 60
  health_http_timeout:
    description: Timeout of one request to O(health_url), in seconds.
    type: int
    default: 5
  validate_certs:
    description: Verify the TLS certificate of an C(https) O(health_url).
    type: bool
    default: true
"""
