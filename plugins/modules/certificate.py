#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, saasops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
module: certificate
short_description: List TLS certificates with their remaining lifetime and renew the due ones with certbot
version_added: 0.1.0
description:
  - Lists certbot lineages (from C(CONFIG_DIR/renewal/*.conf)) or given certificate
    files with serial, names, C(not_after), days left and the fraction of the lifetime left.
  - With O(action=renew), renews the lineages below the threshold (O(renew_days), or
    O(renew_fraction) for short-lived certificates) with
    C(certbot renew --cert-name NAME --force-renewal --no-random-sleep-on-renew), passing
    the lineage's ACME server again (C(--server)) and O(deploy_hook) (which reloads the
    web server). The module decides what is due, hence C(--force-renewal).
  - After a renewal the new serial must be on disk and, with O(verify_endpoint), served by
    the endpoint (SNI defaults to the certificate's first DNS name).
  - A failed renewal (for example the ACME server is down) fails the task with certbot's
    reason and a check that the previous certificate is still in place.
  - Certificates are read with the C(openssl) program; no Python crypto library is needed.
author:
  - saasops maintainers (@saasops)
extends_documentation_fragment:
  - saasops.maintenance.attributes
attributes:
  check_mode:
    support: full
    details: Lists and reports which certificates would be renewed (changed), runs no certbot.
  diff_mode:
    support: none
options:
  action:
    description: V(list) only reads; V(renew) also renews the due lineages.
    type: str
    choices: [list, renew]
    default: list
  files:
    description: Certificate files (PEM) to list instead of certbot lineages; they cannot be renewed.
    type: list
    elements: path
  cert_names:
    description: Only these certbot lineages (an error when one does not exist).
    type: list
    elements: str
  config_dir:
    description: certbot's configuration directory.
    type: path
    default: /etc/letsencrypt
  work_dir:
    description: certbot's working directory (C(--work-dir)); certbot's default when unset.
    type: path
  logs_dir:
    description: certbot's log directory (C(--logs-dir)); certbot's default when unset.
    type: path
  renew_days:
    description: A certificate with fewer days left is due.
    type: float
    default: 30
  renew_fraction:
    description:
      - A certificate with less than this fraction of its lifetime left is due
        (for short-lived certificates; 0.33 is one third).
    type: float
  dry_run:
    description:
      - With O(action=renew), run C(certbot renew --dry-run) for the due lineages instead
        (a test issuance that saves nothing; never changed).
    type: bool
    default: false
  deploy_hook:
    description:
      - Command certbot runs after each successful renewal (C(--deploy-hook)), typically
        C(systemctl reload nginx). certbot runs it through a shell with E(RENEWED_LINEAGE) set.
    type: str
  acme_server:
    description: ACME directory URL; defaults to the server recorded in each lineage.
    type: str
  acme_ca_bundle:
    description: CA bundle certbot trusts for the ACME server (E(REQUESTS_CA_BUNDLE)), for private ACME servers.
    type: path
  verify_endpoint:
    description: The endpoint that must serve the renewed certificate.
    type: dict
    suboptions:
      host:
        description: Host to connect to.
        type: str
        default: 127.0.0.1
      port:
        description: TLS port.
        type: int
        default: 443
      server_name:
        description: SNI name; the certificate's first DNS name when unset.
        type: str
  verify_timeout:
    description: Seconds to wait for the endpoint to serve the new certificate.
    type: int
    default: 30
  certbot_path:
    description: The certbot program.
    type: path
  openssl_path:
    description: The openssl program.
    type: path
seealso:
  - module: saasops.maintenance.endpoint_check
"""

EXAMPLES = r"""
- name: Certificate expiry report (what "certbot certificates" shows, as data)
  saasops.maintenance.certificate:
  register: certs

- name: Renew what has less than 30 days left, reload nginx, check what nginx serves
  saasops.maintenance.certificate:
    action: renew
    renew_days: 30
    deploy_hook: systemctl reload nginx
    verify_endpoint:
      host: 127.0.0.1
      port: 443

- name: Test the renewal path without saving anything
  saasops.maintenance.certificate:
    action: renew
    dry_run: true

- name: Expiry of certificates that certbot does not manage
  saasops.maintenance.certificate:
    files:
      - /etc/ssl/private/api.example.com.crt
"""

RETURN = r"""
certificates:
  description: One entry per certificate (after renewals).
  returned: always
  type: list
  elements: dict
  contains:
    name: {description: "Lineage name or file name.", type: str, returned: always}
    cert: {description: "Certificate file.", type: str, returned: always}
    source: {description: "C(certbot) or C(file).", type: str, returned: always}
    server: {description: "The lineage's ACME server.", type: str, returned: always}
    serial: {description: "Serial number in hex, as openssl prints it.", type: str, returned: always}
    subject: {description: "Subject (RFC 2253).", type: str, returned: always}
    issuer: {description: "Issuer (RFC 2253).", type: str, returned: always}
    sans: {description: "Subject alternative names.", type: list, elements: str, returned: always}
    names: {description: "DNS names.", type: list, elements: str, returned: always}
    not_before: {description: "Start of validity (UTC).", type: str, returned: always}
    not_after: {description: "End of validity (UTC).", type: str, returned: always}
    days_left: {description: "Days until not_after.", type: float, returned: always}
    lifetime_days: {description: "Total validity in days.", type: float, returned: always}
    fraction_left: {description: "Fraction of the lifetime left (0 to 1).", type: float, returned: always}
    expired: {description: "Whether it has expired.", type: bool, returned: always}
    due: {description: "Whether it is below the threshold.", type: bool, returned: always}
    due_reason: {description: "Why it is due.", type: str, returned: always}
due:
  description: Names of the due certificates (before renewal).
  returned: always
  type: list
  elements: str
renewed:
  description: Renewed lineages with old and new serial and, with O(verify_endpoint), the served serial.
  returned: always
  type: list
  elements: dict
  sample: [{"name": "app", "old_serial": "775B7936E0DC1FF7", "serial": "1C0FB4D2A6E39F1A", "served_serial": "1C0FB4D2A6E39F1A"}]
failures:
  description:
    - Failed renewals or verifications with certbot's reason; C(kept) says whether the
      previous certificate is still in place.
  returned: always
  type: list
  elements: dict
dry_run_ok:
  description: Lineages whose C(--dry-run) renewal succeeded.
  returned: when O(dry_run=true) and a lineage was due
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.saasops.maintenance.plugins.module_utils.certs import Certificates
from ansible_collections.saasops.maintenance.plugins.module_utils.common import MaintenanceError


def main() -> None:
    module = AnsibleModule(
        argument_spec=dict(
            action=dict(type="str", default="list", choices=["list", "renew"]),
            files=dict(type="list", elements="path"),
            cert_names=dict(type="list", elements="str"),
            config_dir=dict(type="path", default="/etc/letsencrypt"),
            work_dir=dict(type="path"),
            logs_dir=dict(type="path"),
            renew_days=dict(type="float", default=30),
            renew_fraction=dict(type="float"),
            dry_run=dict(type="bool", default=False),
            deploy_hook=dict(type="str"),
            acme_server=dict(type="str"),
            acme_ca_bundle=dict(type="path"),
            verify_endpoint=dict(type="dict", options=dict(
                host=dict(type="str", default="127.0.0.1"),
                port=dict(type="int", default=443),
                server_name=dict(type="str"),
            )),
            verify_timeout=dict(type="int", default=30),
            certbot_path=dict(type="path"),
            openssl_path=dict(type="path"),
        ),
        mutually_exclusive=[["files", "cert_names"]],
        supports_check_mode=True,
    )
    try:
        result = Certificates(module, module.params, check_mode=module.check_mode).run()
    except MaintenanceError as err:
        module.fail_json(msg=str(err), **err.details)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
