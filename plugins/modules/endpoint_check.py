#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, saasops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
module: endpoint_check
short_description: Check TLS certificates, HTTP health endpoints and security headers of endpoints
version_added: 0.1.0
description:
  - Read-only checks that replace the runbooks' C(openssl s_client | openssl x509 -dates),
    C(curl https://.../api/health) and C(curl -I ... | grep -i x-frame).
  - TLS - the certificate an endpoint serves (host, port, SNI) with serial, names, issuer,
    C(not_after), days left, fraction of the lifetime left and whether it verifies.
  - HTTP - status and latency of a URL (redirects not followed), optional expected status,
    body text and latency limit, and the expected security headers
    (HSTS with a positive C(max-age), C(X-Frame-Options) DENY or SAMEORIGIN,
    C(X-Content-Type-Options) nosniff, C(Content-Security-Policy) present).
  - Every finding goes into RV(problems). The task fails when there is one, unless
    O(fail_on_problems=false).
  - Python standard library only on the target.
author:
  - saasops maintainers (@saasops)
extends_documentation_fragment:
  - saasops.maintenance.attributes
attributes:
  check_mode:
    support: full
    details: Read-only; the checks also run in check mode.
  diff_mode:
    support: none
options:
  tls:
    description: TLS endpoints whose certificate is checked.
    type: list
    elements: dict
    default: []
    suboptions:
      host:
        description: Host name or address to connect to.
        type: str
        required: true
      port:
        description: TLS port.
        type: int
        default: 443
      server_name:
        description: SNI name (and the name verified); O(tls[].host) when unset.
        type: str
      min_days:
        description: Minimum days left for this endpoint; O(min_days) when unset.
        type: float
  http:
    description: HTTP(S) URLs to request.
    type: list
    elements: dict
    default: []
    suboptions:
      url:
        description: The URL.
        type: str
        required: true
      method:
        description: HTTP method.
        type: str
        default: GET
        choices: [GET, HEAD]
      status:
        description: Accepted status codes; any 2xx when unset.
        type: list
        elements: int
      body_contains:
        description: Text the body must contain.
        type: str
      max_latency_ms:
        description: A slower answer (time to the response headers) is a problem.
        type: float
      security_headers:
        description: Headers this URL must send; O(security_headers) when unset, V([]) for none.
        type: list
        elements: str
  min_days:
    description: A certificate with fewer days left is a problem (the runbooks alert below 30).
    type: float
    default: 30
  security_headers:
    description: Headers every URL of O(http) must send, unless it sets its own list.
    type: list
    elements: str
    default: [Strict-Transport-Security, X-Frame-Options, X-Content-Type-Options, Content-Security-Policy]
  validate_certs:
    description: Verify certificates (chain and name); a certificate that does not verify is a problem.
    type: bool
    default: true
  ca_file:
    description: CA bundle to verify against instead of the system's.
    type: path
  timeout:
    description: Seconds per connection.
    type: int
    default: 10
  fail_on_problems:
    description: Fail the task when a check finds a problem.
    type: bool
    default: true
seealso:
  - module: saasops.maintenance.certificate
"""

EXAMPLES = r"""
- name: Daily edge checks from the runbooks
  saasops.maintenance.endpoint_check:
    tls:
      - host: nexusmart.com
      - host: api.nexusmart.com
    http:
      - url: https://api.nexusmart.com/api/health
        body_contains: healthy
        max_latency_ms: 2000
        security_headers: []
      - url: https://nexusmart.com/
  register: edge

- name: Report without failing
  saasops.maintenance.endpoint_check:
    tls:
      - host: 127.0.0.1
        port: 8443
        server_name: app.example.com
    validate_certs: false
    fail_on_problems: false
"""

RETURN = r"""
ok:
  description: Whether no check found a problem.
  returned: always
  type: bool
problems:
  description: Every finding, one sentence each, prefixed with the endpoint.
  returned: always
  type: list
  elements: str
  sample: ["api.example.com:443 certificate expires in 12.5 days (< 30)", "https://example.com/ missing header Content-Security-Policy"]
tls:
  description: One entry per TLS endpoint.
  returned: always
  type: list
  elements: dict
  contains:
    host: {description: "Host.", type: str, returned: always}
    port: {description: "Port.", type: int, returned: always}
    server_name: {description: "SNI name.", type: str, returned: always}
    serial: {description: "Serial number (hex).", type: str, returned: when connected}
    subject_cn: {description: "Subject common name.", type: str, returned: when connected}
    issuer_cn: {description: "Issuer common name.", type: str, returned: when connected}
    sans: {description: "Subject alternative names.", type: list, elements: str, returned: when connected}
    not_before: {description: "Start of validity (UTC).", type: str, returned: when connected}
    not_after: {description: "End of validity (UTC).", type: str, returned: when connected}
    days_left: {description: "Days left.", type: float, returned: when connected}
    lifetime_days: {description: "Total validity in days.", type: float, returned: when connected}
    fraction_left: {description: "Fraction of the lifetime left.", type: float, returned: when connected}
    expired: {description: "Whether it has expired.", type: bool, returned: when connected}
    tls_version: {description: "Negotiated TLS version.", type: str, returned: when connected}
    verified: {description: "Whether it verifies (null when O(validate_certs=false)).", type: bool, returned: when connected}
    verify_error: {description: "Why it does not verify.", type: str, returned: when connected}
    problems: {description: "Findings for this endpoint.", type: list, elements: str, returned: always}
http:
  description: One entry per URL.
  returned: always
  type: list
  elements: dict
  contains:
    url: {description: "URL.", type: str, returned: always}
    status: {description: "HTTP status (null when the request failed).", type: int, returned: always}
    latency_ms: {description: "Milliseconds to the response headers.", type: float, returned: always}
    security_headers: {description: "Value of each expected header (null when missing).", type: dict, returned: when answered}
    problems: {description: "Findings for this URL.", type: list, elements: str, returned: always}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.saasops.maintenance.plugins.module_utils.common import MaintenanceError
from ansible_collections.saasops.maintenance.plugins.module_utils.endpoints import EndpointCheck


def main() -> None:
    module = AnsibleModule(
        argument_spec=dict(
            tls=dict(type="list", elements="dict", default=[], options=dict(
                host=dict(type="str", required=True),
                port=dict(type="int", default=443),
                server_name=dict(type="str"),
                min_days=dict(type="float"),
            )),
            http=dict(type="list", elements="dict", default=[], options=dict(
                url=dict(type="str", required=True),
                method=dict(type="str", default="GET", choices=["GET", "HEAD"]),
                status=dict(type="list", elements="int"),
                body_contains=dict(type="str"),
                max_latency_ms=dict(type="float"),
                security_headers=dict(type="list", elements="str"),
            )),
            min_days=dict(type="float", default=30),
            security_headers=dict(type="list", elements="str",
                                  default=["Strict-Transport-Security", "X-Frame-Options",
                                           "X-Content-Type-Options", "Content-Security-Policy"]),
            validate_certs=dict(type="bool", default=True),
            ca_file=dict(type="path"),
            timeout=dict(type="int", default=10),
            fail_on_problems=dict(type="bool", default=True),
        ),
        required_one_of=[["tls", "http"]],
        supports_check_mode=True,
    )
    try:
        result = EndpointCheck(module.params).run()
    except MaintenanceError as err:
        module.fail_json(msg=str(err), **err.details)
    if module.params["fail_on_problems"] and result["problems"]:
        module.fail_json(msg="%d endpoint problem(s): %s" % (len(result["problems"]), "; ".join(result["problems"])),
                         **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
