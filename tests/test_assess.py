"""``enableframe assess``: on the public Maven CRM data with no programs, charter or answers
the assessment still runs, CRM metrics are computed and no level rests on unknown evidence;
the JSON result validates against schemas/assessment.schema.json; outputs, exit codes and
input errors."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner
from conftest import MAVEN, maven_workspace, needs_maven

from enableframe import resources
from enableframe.plugin_host import reset_plugin_host
from enableframe.ruleset import load_ruleset

MAVEN_WORKSPACE = maven_workspace()

# Beside the Maven data: an intake log (a third source, appended under sources:) and every
# workspace input, with one waiver in force and one past its expiry.
INPUTS = """\
  requests:
    connector: requests-csv
    path: requests.csv
charter:
  written: true
  purpose: Make every seller productive sooner.
  reporting_line: sales
  in_scope:
    - {name: Training, match: {categories: [training]}}
  out_of_scope:
    - {name: CRM reporting, owner: sales_ops, match: {categories: [reporting]}}
  owned_metrics: [certification_rate]
  capacity_hours_per_quarter: 40
programs:
  - {id: onboarding, status: active, target_metrics: [win_rate], vetted_with_sales: true}
  - {id: sales_kickoff, status: active}
  - {id: lunch_and_learn, status: active}
answers:
  - {question: cso_agenda_known, answer: true, respondent: VP Sales, date: "2017-12-01"}
organisation: {enablement_headcount: 1, seller_headcount: 35, reporting_line: sales}
waivers:
  - {criterion: certification_in_place, justification: Certification starts next year,
     approver: CSO, expires: "2099-12-31"}
  - {criterion: charter_defines_success, justification: Being agreed with the CSO,
     approver: CSO, expires: "2017-01-31"}
"""

REQUESTS = """\
id,requester_team,title,description,category,created_at,effort
r1,sales,Onboarding for new hires,,training,2017-10-03,30
r2,marketing,Fix the CRM dashboard,broken,reporting,2017-10-10,5
r3,hr,Compliance quiz,,other,2017-12-01,2
"""

INPUT_NAMES = {"charter", "org", "requests", "inventory", "graph"}


pytestmark = pytest.mark.usefixtures("fresh_host")  # conftest.py


def cli(*args: str, cwd: Path | None = None) -> Any:
    from enableframe.cli import cli as command

    old = Path.cwd()
    if cwd:
        os.chdir(cwd)
    try:
        return CliRunner().invoke(command, list(args), catch_exceptions=False)
    finally:
        os.chdir(old)


def validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(
        resources.schema("assessment"),
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def schema_errors(result: dict[str, Any]) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator().iter_errors(result)]


@pytest.fixture(scope="module")
def maven(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Maven workspace folder (its cache warmed by the first assessment)."""
    if not MAVEN.is_dir():
        pytest.skip(f"public Maven CRM data not found at {MAVEN}")
    folder = tmp_path_factory.mktemp("maven")
    (folder / "enableframe.yaml").write_text(MAVEN_WORKSPACE, "utf-8")
    return folder


@pytest.fixture(scope="module")
def maven_result(maven: Path) -> dict[str, Any]:
    reset_plugin_host()
    result = cli("assess", str(maven), "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@needs_maven
def test_maven_without_inputs_computes_crm_metrics(maven_result: dict[str, Any]) -> None:
    assert maven_result["inputs"]["provided"] == []
    assert maven_result["period"]["label"] == "2017-Q4"
    metrics = {m["id"]: m for m in maven_result["metrics"]}
    for crm in ("win_rate", "average_sales_price", "sales_cycle_days", "deals_won",
                "pipeline_created_amount"):
        assert metrics[crm]["status"] == "known", metrics[crm]["reason"]
        assert metrics[crm]["value"] > 0
    assert 0 < metrics["win_rate"]["value"] < 1
    # no learning records: unknown with the reason, never 0
    assert metrics["certification_rate"]["value"] is None
    assert "no learning_records source" in metrics["certification_rate"]["reason"]
    criteria = {c["id"]: c for c in maven_result["criteria"]}
    assert criteria["pc_cso_metrics_measured"]["status"] == "pass"


@needs_maven
def test_maven_criteria_needing_missing_inputs_are_unknown(
        maven_result: dict[str, Any]) -> None:
    ruleset = load_ruleset("builtin:enablement-3.0")
    missing = INPUT_NAMES | set(ruleset.questions) | set(ruleset.programs)
    needing = [c for c in maven_result["criteria"] if missing & set(c["evidence"])]
    assert len(needing) > 40
    assert {c["id"]: c["status"] for c in needing} == {c["id"]: "unknown" for c in needing}
    assert all(c["reason"] for c in needing)
    assert maven_result["overall"]["level"] == 1


@needs_maven
def test_maven_no_level_rests_on_unknown(maven_result: dict[str, Any]) -> None:
    for dim in maven_result["dimensions"]:
        under = [c for c in maven_result["criteria"] if c["dimension"] == dim["id"]
                 and c["required"] and c["level"] <= dim["level"]]
        assert [c["id"] for c in under if c["status"] == "unknown"] == [], dim["id"]
        for row in dim["breakdown"]:
            if row["level"] <= dim["level"]:
                assert row["unknown"] == row["fail"] == 0, (dim["id"], row)
    # what is unknown becomes evidence to collect on the road map
    steps = {s["dimension"]: s for s in maven_result["road_map"]["steps"]}
    to_collect = {e["criterion"] for e in steps["performance"]["evidence_to_collect"]}
    assert "pc_cso_metrics_visible" in to_collect


@needs_maven
def test_maven_json_validates_against_the_schema(maven_result: dict[str, Any]) -> None:
    assert maven_result["schema_version"] == "1"
    assert schema_errors(maven_result) == []


@needs_maven
def test_schema_catches_regressions(maven_result: dict[str, Any]) -> None:
    def broken(change: Any) -> list[str]:
        result = copy.deepcopy(maven_result)
        change(result)
        return schema_errors(result)

    assert broken(lambda r: r["criteria"][0].update(status="passed"))
    assert broken(lambda r: r["criteria"][0].update(status="waived"))  # without its waiver
    assert broken(lambda r: r["criteria"][0].update(status="unknown", reason=""))
    assert broken(lambda r: r["dimensions"][0].pop("breakdown"))
    assert broken(lambda r: r["overall"].update(level="1"))
    assert broken(lambda r: r["metrics"][0].update(status="known", value=None))
    assert broken(lambda r: r.update(extra=1))
    assert broken(lambda r: r.pop("road_map"))


@needs_maven
def test_outputs_take_their_format_from_the_extension(maven: Path, tmp_path: Path) -> None:
    result = cli("assess", str(maven), "-o", "report.md", "-o", "result.json", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert result.stdout == ""  # with -o only, nothing on stdout
    data = json.loads((tmp_path / "result.json").read_text("utf-8"))
    assert schema_errors(data) == []
    report = (tmp_path / "report.md").read_text("utf-8")
    assert report.startswith("# MavenTech")
    assert "| Performance | 1 |" in report


@needs_maven
def test_fail_under_exits_1_below_the_level(maven: Path) -> None:
    assert cli("assess", str(maven), "--fail-under", "3").exit_code == 1
    assert cli("assess", str(maven), "--fail-under", "1").exit_code == 0


@needs_maven
def test_full_workspace_validates_and_expired_waiver_does_not_waive(tmp_path: Path) -> None:
    (tmp_path / "requests.csv").write_text(REQUESTS, "utf-8")
    (tmp_path / "enableframe.yaml").write_text(MAVEN_WORKSPACE + INPUTS, "utf-8")
    result = cli("assess", str(tmp_path), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert schema_errors(data) == []
    assert data["inputs"]["provided"] == ["charter", "programs", "answers", "organisation",
                                          "waivers"]
    criteria = {c["id"]: c for c in data["criteria"]}
    assert criteria["certification_in_place"]["status"] == "waived"
    assert criteria["certification_in_place"]["original_status"] == "fail"
    assert criteria["charter_defines_success"]["status"] == "fail"  # waiver expired
    assert criteria["charter_defines_success"]["waiver"] is None
    assert [w["criterion"] for w in data["waivers"]["expired"]] == ["charter_defines_success"]
    assert [w["criterion"] for w in data["waivers"]["active"]] == ["certification_in_place"]
    assert data["charter"]["requests"]["out_of_charter"] == 1
    assert data["road_map"]["noise"] == [{"program": "lunch_and_learn",
                                          "why": "linked to no CSO key metric"}]


TINY_WORKSPACE = """\
apiVersion: enableframe/v1
kind: Workspace
client: Tiny
ruleset: builtin:enablement-3.0
period: {quarter: 2017-Q4}
sources:
  opportunities:
    connector: csv
    path: opportunities.csv
"""

TINY_CSV = """\
id,owner,stage,amount,created_at,closed_at
a,ann,won,100,2017-10-01,2017-11-01
b,bob,lost,50,2017-10-02,2017-11-02
"""


def tiny(tmp_path: Path, extra: str = "") -> Path:
    (tmp_path / "opportunities.csv").write_text(TINY_CSV, "utf-8")
    (tmp_path / "enableframe.yaml").write_text(TINY_WORKSPACE + extra, "utf-8")
    return tmp_path


def test_an_unknown_output_extension_is_a_one_line_error(tmp_path: Path) -> None:
    workspace = tiny(tmp_path)
    result = cli("assess", str(workspace), "-o", "report.json", "-o", "report.pdf",
                 cwd=tmp_path)
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: cannot tell the format of report.pdf from '.pdf'; "
                               "known extensions: ")
    assert {".json", ".md", ".txt"} <= set(lines[0].split("extensions: ")[1].split(", "))
    assert not (tmp_path / "report.json").exists()  # refused before anything is written


def test_an_answer_to_an_unknown_question_is_a_located_one_line_error(tmp_path: Path) -> None:
    workspace = tiny(tmp_path, "answers: answers.yaml\n")
    (tmp_path / "answers.yaml").write_text(
        "- {question: cso_agenda_known, answer: true}\n"
        "- {question: cso_agenda_knwon, answer: true}\n", "utf-8")
    result = cli("assess", str(workspace), cwd=tmp_path)
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: answers.yaml:2:14: $[1].question: unknown question "
                               "'cso_agenda_knwon'; the ruleset asks: cso_agenda_known, ")


def test_a_missing_ruleset_is_located_at_the_workspace_line(write, tmp_path, monkeypatch,
                                                             run) -> None:
    monkeypatch.chdir(tmp_path)
    write("x.csv", "id,owner,stage\n")
    write("enableframe.yaml", "apiVersion: enableframe/v1\nkind: Workspace\nclient: X\n"
          "ruleset: builtin:nope\nsources:\n  opportunities: {connector: csv, path: x.csv}\n")
    result = run("assess", ".", "--no-history")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "error: enableframe.yaml:4:10: $.ruleset: unknown built-in ruleset 'builtin:nope'; "
        "available: builtin:enablement-3.0, builtin:maturity-curve"]
