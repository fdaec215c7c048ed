# -*- coding: utf-8 -*-
# Copyright: (c) 2026, saasops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Certificate inventory and certbot renewal with verification.

Certificates are read with the ``openssl`` program (no Python crypto library
on the target). Lineages are found in certbot's ``renewal/*.conf`` (which also
record the ACME server: ``renew --dry-run`` must get ``--server`` again or it
goes to the public staging server). The module decides which certificate is
due (days, or a fraction of the lifetime for short-lived certificates), so a
due certificate is renewed with ``--force-renewal`` (certbot's own threshold
is a fixed 30 days). After a renewal the new serial must be on disk and, when
an endpoint is given, served by it.
"""

from __future__ import annotations

import configparser
import datetime
import glob
import os
import re
import shutil
import time

from ansible_collections.saasops.maintenance.plugins.module_utils.common import MaintenanceError, utcnow
from ansible_collections.saasops.maintenance.plugins.module_utils.endpoints import (
    fetch_certificate, validity_report,
)
from ansible_collections.saasops.maintenance.plugins.module_utils.runner import Runner, first_error, tail

__metaclass__ = type


def normalize_serial(serial):
    return (serial or "").replace(":", "").upper().lstrip("0") or "0"


def _openssl_date(text):
    return datetime.datetime.strptime(" ".join(text.split()), "%b %d %H:%M:%S %Y GMT").replace(
        tzinfo=datetime.timezone.utc)


def parse_x509_text(out):
    """Output of ``openssl x509 -noout -serial -subject -issuer -startdate -enddate -ext subjectAltName``."""
    info = {"sans": []}
    lines = out.splitlines()
    for idx, line in enumerate(lines):
        if line.startswith("serial="):
            info["serial"] = line.split("=", 1)[1].strip().upper()
        elif line.startswith("subject="):
            info["subject"] = line.split("=", 1)[1].strip()
        elif line.startswith("issuer="):
            info["issuer"] = line.split("=", 1)[1].strip()
        elif line.startswith("notBefore="):
            info["not_before"] = _openssl_date(line.split("=", 1)[1])
        elif line.startswith("notAfter="):
            info["not_after"] = _openssl_date(line.split("=", 1)[1])
        elif "Subject Alternative Name" in line and idx + 1 < len(lines):
            info["sans"] = [part.strip().replace("IP Address:", "IP:") for part in lines[idx + 1].split(",")
                            if part.strip()]
    for key in ("serial", "not_before", "not_after"):
        if key not in info:
            raise MaintenanceError("openssl printed no %s for the certificate" % key)
    return info


def dns_names(info):
    names = [s[4:] for s in info.get("sans", []) if s.startswith("DNS:")]
    if not names:
        match = re.search(r"CN\s*=\s*([^,/]+)", info.get("subject") or "")
        if match:
            names = [match.group(1).strip()]
    return names


def read_renewal_conf(path):
    """The certbot renewal config of one lineage: top-level keys and [renewalparams]."""
    parser = configparser.ConfigParser(interpolation=None)
    with open(path, encoding="utf-8") as handle:
        parser.read_string("[lineage]\n" + handle.read())
    top = dict(parser.items("lineage")) if parser.has_section("lineage") else {}
    params = dict(parser.items("renewalparams")) if parser.has_section("renewalparams") else {}
    return top, params


class Certificates:
    """Module ``certificate``: list certificates, renew the due ones with certbot, verify."""

    def __init__(self, module, params, check_mode=False, runner=None, now=None, fetch=fetch_certificate,
                 sleep=time.sleep, clock=time.monotonic):
        self.p = params
        self.check_mode = check_mode
        env = {}
        if params.get("acme_ca_bundle"):
            env["REQUESTS_CA_BUNDLE"] = params["acme_ca_bundle"]
        self.runner = runner or Runner(module, env)
        self.now = now or utcnow()
        self.fetch = fetch
        self.sleep = sleep
        self.clock = clock

    def tool(self, name):
        path = self.p.get(name + "_path") or shutil.which(name)
        if not path or not os.access(path, os.X_OK):
            raise MaintenanceError("%s was not found (install it or set %s_path)" % (name, name))
        return path

    # ------------------------------------------------------------ reading
    def openssl_info(self, path):
        if not os.path.isfile(path):
            raise MaintenanceError("certificate file %s does not exist" % path)
        argv = [self.tool("openssl"), "x509", "-in", path, "-noout", "-serial", "-subject",
                "-issuer", "-startdate", "-enddate", "-ext", "subjectAltName", "-nameopt", "RFC2253"]
        result = self.runner.run(argv, check=False)
        if result.rc != 0:
            raise MaintenanceError("cannot read certificate %s: %s" % (path, first_error(result.err) or result.rc),
                                   rc=result.rc, stderr=tail(result.err), cmd=result.argv)
        return parse_x509_text(result.out)

    def lineages(self):
        config_dir = self.p.get("config_dir") or "/etc/letsencrypt"
        found = []
        for conf in sorted(glob.glob(os.path.join(config_dir, "renewal", "*.conf"))):
            name = os.path.basename(conf)[:-len(".conf")]
            top, params = read_renewal_conf(conf)
            found.append({"name": name, "cert": top.get("cert") or os.path.join(config_dir, "live", name, "cert.pem"),
                          "server": params.get("server"), "source": "certbot"})
        wanted = self.p.get("cert_names")
        if wanted:
            missing = sorted(set(wanted) - set(item["name"] for item in found))
            if missing:
                raise MaintenanceError("certbot (config_dir %s) has no lineage named %s"
                                       % (config_dir, ", ".join(missing)))
            found = [item for item in found if item["name"] in wanted]
        return found

    def entry(self, item):
        info = self.openssl_info(item["cert"])
        out = dict(item)
        out.update(validity_report(info["not_before"], info["not_after"], self.now))
        out.update(serial=info["serial"], subject=info.get("subject"), issuer=info.get("issuer"),
                   sans=info.get("sans", []), names=dns_names(info))
        out["due"], out["due_reason"] = self.due(out)
        return out

    def due(self, entry):
        days = self.p.get("renew_days")
        fraction = self.p.get("renew_fraction")
        if entry["expired"]:
            return True, "expired"
        if days is not None and entry["days_left"] < days:
            return True, "%.1f days left, below %g" % (entry["days_left"], days)
        if fraction is not None and entry["fraction_left"] < fraction:
            return True, "%.1f%% of the lifetime left, below %.1f%%" % (entry["fraction_left"] * 100, fraction * 100)
        return False, None

    def inventory(self):
        if self.p.get("files"):
            items = [{"name": os.path.basename(path), "cert": path, "server": None, "source": "file"}
                     for path in self.p["files"]]
        else:
            items = self.lineages()
        return [self.entry(item) for item in items]

    # ------------------------------------------------------------ renewing
    def certbot_argv(self, entry, dry_run):
        argv = [self.tool("certbot"), "renew", "--cert-name", entry["name"], "--non-interactive",
                "--no-random-sleep-on-renew"]
        for opt, key in (("--config-dir", "config_dir"), ("--work-dir", "work_dir"), ("--logs-dir", "logs_dir")):
            if self.p.get(key):
                argv += [opt, self.p[key]]
        server = self.p.get("acme_server") or entry.get("server")
        if server:
            argv += ["--server", server]
        if dry_run:
            argv.append("--dry-run")
        else:
            argv.append("--force-renewal")
            if self.p.get("deploy_hook"):
                argv += ["--deploy-hook", self.p["deploy_hook"]]
        return argv

    def renew_one(self, entry, dry_run):
        argv = self.certbot_argv(entry, dry_run)
        result = self.runner.run(argv, check=False)
        if result.rc != 0:
            cause = certbot_cause(result.err) or "rc=%s" % result.rc
            return None, {"name": entry["name"], "error": cause, "rc": result.rc, "stderr": tail(result.err, 10),
                          "cmd": argv}
        if dry_run:
            return {"name": entry["name"], "dry_run": True}, None
        new = self.entry(entry)
        if normalize_serial(new["serial"]) == normalize_serial(entry["serial"]):
            return None, {"name": entry["name"], "error": "certbot exited 0 but the certificate on disk is unchanged "
                                                          "(serial %s)" % entry["serial"], "cmd": argv}
        renewed = {"name": entry["name"], "old_serial": entry["serial"], "serial": new["serial"],
                   "not_after": new["not_after"], "days_left": new["days_left"]}
        endpoint = self.p.get("verify_endpoint")
        if endpoint:
            served, problem = self.verify_served(new, endpoint)
            renewed["served_serial"] = served
            if problem:
                return renewed, {"name": entry["name"], "error": problem, "renewed": True}
        return renewed, None

    def verify_served(self, new, endpoint):
        host = endpoint.get("host") or "127.0.0.1"
        port = endpoint.get("port") or 443
        sni = endpoint.get("server_name") or (new["names"][0] if new["names"] else host)
        deadline = self.clock() + (self.p.get("verify_timeout") or 30)
        served = None
        error = None
        while True:
            try:
                served = self.fetch(host, port, sni, timeout=10, validate=False)["serial"]
                error = None
            except MaintenanceError as err:
                error = str(err)
            if served and normalize_serial(served) == normalize_serial(new["serial"]):
                return served, None
            if self.clock() >= deadline:
                break
            self.sleep(1)
        if error:
            return served, "renewed, but %s" % error
        return served, ("renewed, but %s:%s (SNI %s) still serves serial %s instead of %s: "
                        "the web server was not reloaded (check deploy_hook)" % (host, port, sni, served, new["serial"]))

    def run(self):
        action = self.p.get("action") or "list"
        entries = self.inventory()
        result = {"changed": False, "certificates": entries, "due": [e["name"] for e in entries if e["due"]],
                  "renewed": [], "failures": []}
        if action == "list":
            return result
        if self.p.get("files"):
            raise MaintenanceError("certificate files given with files cannot be renewed; use certbot lineages")
        due = [e for e in entries if e["due"]]
        dry_run = bool(self.p.get("dry_run"))
        if self.check_mode:
            result["changed"] = bool(due) and not dry_run
            return result
        for entry in due:
            renewed, failed = self.renew_one(entry, dry_run)
            if renewed and not dry_run:
                result["renewed"].append(renewed)
            elif renewed:
                result.setdefault("dry_run_ok", []).append(entry["name"])
            if failed:
                if not failed.get("renewed"):
                    kept = self.keep_check(entry)
                    failed.update(kept)
                result["failures"].append(failed)
        result["changed"] = bool(result["renewed"])
        if result["renewed"]:
            result["certificates"] = self.inventory()
        if result["failures"]:
            first = result["failures"][0]
            msg = "certificate renewal failed for %s: %s" % (
                ", ".join(f["name"] for f in result["failures"]), first["error"])
            if "kept_serial" in first:
                msg += "; the previous certificate (serial %s, %.1f days left) is still in place" % (
                    first["kept_serial"], first["kept_days_left"])
            raise MaintenanceError(msg, **result)
        return result

    def keep_check(self, entry):
        """After a failed renewal: is the old certificate still the one on disk?"""
        try:
            now = self.entry(entry)
        except MaintenanceError as err:
            return {"kept": False, "kept_error": str(err)}
        same = normalize_serial(now["serial"]) == normalize_serial(entry["serial"])
        return {"kept": same, "kept_serial": now["serial"], "kept_days_left": now["days_left"]}


def certbot_cause(err):
    """The line of certbot's stderr that says why a renewal failed."""
    lines = [line.strip() for line in (err or "").splitlines() if line.strip()]
    for line in lines:
        if line.startswith("Failed to renew") or "error" in line.lower() and "debug log" not in line.lower():
            return line
    return first_error(err)
