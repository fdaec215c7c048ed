"""AWX as code: extensions/awx against the awx.awx modules, and every job template run by ansible-runner."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
AWX = os.path.join(ROOT, "extensions", "awx")
VALIDATE = os.path.join(ROOT, "tests", "support", "awx_validate.py")
DEFS = yaml.safe_load(open(os.path.join(AWX, "definitions.yml")))
TEMPLATES = {jt["name"]: jt for jt in DEFS["awx_job_templates"]}
SURVEY_TYPES = {"text", "textarea", "password", "integer", "float", "multiplechoice", "multiselect"}


def validate(python, awx_dir=AWX):
    proc = subprocess.run([python, VALIDATE, awx_dir], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


def test_definitions_validate_against_awx_modules(awx_python):
    out = validate(awx_python)
    assert out["errors"] == []
    labels = [c["label"] for c in out["checked"]]
    for jt in DEFS["awx_job_templates"]:
        assert "awx.awx.job_template %s" % jt["name"] in labels
    for sched in DEFS["awx_schedules"]:
        assert "awx.awx.schedule %s" % sched["name"] in labels
    assert "awx.awx.workflow_job_template saasops backup, offsite copy and drill" in labels
    assert len(labels) == 4 + len(DEFS["awx_job_templates"]) + len(DEFS["awx_schedules"]) + len(DEFS["awx_workflows"])
    survey = next(c for c in out["checked"] if c["label"] == "awx.awx.job_template saasops daily")
    assert {"survey_spec", "survey_enabled", "playbook", "project", "inventory"} <= set(survey["args"])


def test_validation_rejects_bad_definitions(awx_python, tmp_path):
    """The check is real: a wrong type, an unknown choice and an unknown key are reported."""
    bad = tmp_path / "awx"
    shutil.copytree(AWX, bad)
    defs = yaml.safe_load((bad / "definitions.yml").read_text())
    defs["awx_job_templates"][0]["verbosity"] = 9
    defs["awx_job_templates"][1]["forks"] = "many"
    defs["awx_schedules"][0]["frequency"] = "daily"
    (bad / "definitions.yml").write_text(yaml.safe_dump(defs))
    errors = "\n".join(validate(awx_python, str(bad))["errors"])
    assert "saasops daily: value of verbosity must be one of: 0, 1, 2, 3, 4, 5, got: 9" in errors
    assert "saasops weekly" in errors and "forks" in errors and "int" in errors
    assert "definition keys not passed to the module: frequency" in errors


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_survey_is_well_formed(name):
    jt = TEMPLATES[name]
    assert jt["survey_enabled"] is True and jt["playbook"].startswith("playbooks/")
    spec = jt["survey_spec"]
    assert spec["name"] and spec["spec"]
    variables = [q["variable"] for q in spec["spec"]]
    assert len(variables) == len(set(variables))
    for question in spec["spec"]:
        assert question["type"] in SURVEY_TYPES and question["question_name"]
        if question["type"] == "integer":
            assert question["min"] <= question["default"] <= question["max"]
        if question["type"] == "multiplechoice":
            assert question["default"] in question["choices"]
        # each survey variable is an option of the role it belongs to (when that role is here)
        role = next((r for r in os.listdir(os.path.join(ROOT, "roles")) if question["variable"].startswith(r + "_")), None)
        if role:
            specs = yaml.safe_load(open(os.path.join(ROOT, "roles", role, "meta", "argument_specs.yml")))
            assert question["variable"] in specs["argument_specs"]["main"]["options"]


def rrule_fields(rrule):
    match = re.fullmatch(r"DTSTART;TZID=(\S+):(\d{8})T(\d{2})(\d{2})(\d{2}) RRULE:(\S+)", rrule)
    assert match, rrule
    fields = dict(part.split("=") for part in match.group(6).split(";"))
    return match.group(1), match.group(3) + ":" + match.group(4), fields


def test_schedules():
    names = set(TEMPLATES) | {wf["name"] for wf in DEFS["awx_workflows"]}
    by_target = {}
    for sched in DEFS["awx_schedules"]:
        assert sched["unified_job_template"] in names
        by_target[sched["unified_job_template"]] = rrule_fields(sched["rrule"])
    assert by_target["saasops daily"] == ("UTC", "02:00", {"FREQ": "DAILY", "INTERVAL": "1"})
    assert by_target["saasops weekly"][2] == {"FREQ": "WEEKLY", "INTERVAL": "1", "BYDAY": "SU"}
    assert by_target["saasops monthly"][2]["BYMONTHDAY"] == "1"
    quarterly = by_target["saasops backup, offsite copy and drill"][2]
    assert quarterly["FREQ"] == "MONTHLY" and quarterly["INTERVAL"] == "3"


def test_workflow_backup_then_drill():
    (workflow,) = DEFS["awx_workflows"]
    nodes = {n["identifier"]: n for n in workflow["workflow_nodes"]}
    for node in nodes.values():
        assert node["unified_job_template"]["name"] in TEMPLATES
        for succ in node.get("related", {}).get("success_nodes", []):
            assert succ["identifier"] in nodes
    first = nodes["backup-and-offsite"]
    assert first["unified_job_template"]["name"] == "saasops daily"
    assert first["related"]["success_nodes"] == [{"identifier": "restore-drill"}]
    assert nodes["restore-drill"]["unified_job_template"]["name"] == "saasops quarterly drill"


def survey_defaults(jt):
    return {q["variable"]: q["default"] for q in jt["survey_spec"]["spec"] if "default" in q}


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_job_template_runs_under_ansible_runner(name, pg, tmp_path, monkeypatch):
    """What AWX does with a launch: ansible-runner, the project, the survey answers as extra vars."""
    import ansible_runner  # pylint: disable=import-outside-toplevel

    jt = TEMPLATES[name]
    if not os.path.exists(os.path.join(ROOT, jt["playbook"])):
        pytest.skip("%s is not in this checkout yet" % jt["playbook"])
    db = "awx_" + re.sub(r"\W", "_", name)
    pg.dropdb(db)
    pg.createdb(db)
    pg.psql("CREATE TABLE accounts AS SELECT g AS id FROM generate_series(1, 321) g;", db=db)
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    (uploads / "logo.png").write_bytes(b"png")
    store = tmp_path / "store"
    pdd = tmp_path / "pdd"
    (pdd / "inventory").mkdir(parents=True)
    (pdd / "inventory" / "hosts.yml").write_text(yaml.safe_dump({"all": {
        "hosts": {"app1": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}},
        "children": {"postgres_servers": {"hosts": {"app1": None}}, "app_servers": {"hosts": {"app1": None}}},
    }}))
    extravars = survey_defaults(jt)
    extravars.update(
        pg_backup_databases=[db], pg_backup_dest=str(store / "pg"), pg_backup_login_host=pg.host,
        pg_backup_port=pg.port, pg_backup_login_user="postgres", pg_backup_login_password=pg.password,
        files_backup_sets=[{"name": "uploads", "src": [str(uploads)]}], files_backup_dest=str(store / "files"),
    )
    monkeypatch.setenv("PATH", os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])
    result = ansible_runner.run(
        private_data_dir=str(pdd), project_dir=ROOT, playbook=jt["playbook"], ident="job", extravars=extravars,
        envvars={"ANSIBLE_COLLECTIONS_PATH": os.path.join(ROOT, "build", "collections"),
                 "SAASOPS_REPORT_DIR": str(tmp_path / "reports"),
                 "ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible-tmp")},
        quiet=True)
    artifacts = pdd / "artifacts" / "job"
    stdout = (artifacts / "stdout").read_text()
    if extravars.get("disaster_recovery_confirm") in (False, "false", "no"):
        # A launch with the survey's defaults must not recover anything: it refuses, names the
        # variable to set, and the database is untouched. (The confirmed recovery itself is
        # tested end to end in tests/integration/restore.)
        assert result.status == "failed"
        assert "set disaster_recovery_confirm=true to run it" in stdout
        assert pg.psql("SELECT count(*) FROM accounts", db=db) == "321"
        assert pg.password not in (artifacts / "command").read_text()
        return
    assert result.status == "successful", stdout[-4000:]
    assert (artifacts / "rc").read_text().strip() == "0"
    assert (artifacts / "status").read_text().strip() == "successful"
    assert result.stats["ok"].get("app1") and not result.stats["failures"]
    # the secret travelled as an extra var, never through the environment the artifact records
    assert pg.password not in (artifacts / "command").read_text()
    if name == "saasops daily":
        dumps = [os.path.join(r, f) for r, _d, fs in os.walk(store / "pg") for f in fs if f == "manifest.json"]
        assert dumps, "no database backup was written"
        manifest = json.load(open(dumps[0]))
        assert "321" in json.dumps(manifest)
        assert any(f.startswith("uploads") or "uploads" in r for r, _d, fs in os.walk(store / "files") for f in fs)
