"""The Acme example workspace, its data generator and ``enableframe init``."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

EXAMPLES = REPO / "examples"
ACME = EXAMPLES / "acme"
DATA_FILES = ("sellers.csv", "opportunities.csv", "learning_records.csv",
              "content_events.csv", "requests.csv")
# what the committed inputs are designed to show (see examples/acme/README.md)
ACME_LEVELS = {"purpose": 2, "people": 3, "programs": 2, "performance": 2, "platforms": 3}


def _generate(out: Path, *seed: str) -> None:
    subprocess.run([sys.executable, str(EXAMPLES / "generate_acme.py"), "--out", str(out),
                    *seed], check=True, capture_output=True)


@pytest.fixture(scope="module")
def acme_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """examples/acme with the overlay at the same relative place, in a temporary folder:
    the assessment writes its cache and history beside the workspace, not in the repo."""
    root = tmp_path_factory.mktemp("repo")
    shutil.copytree(ACME, root / "examples" / "acme",
                    ignore=shutil.ignore_patterns(".enableframe"))
    overlay = root / "rulesets" / "examples"
    overlay.mkdir(parents=True)
    shutil.copy(REPO / "rulesets" / "examples" / "acme-overlay.yaml", overlay)
    return root / "examples" / "acme"


@pytest.fixture(scope="module")
def acme_json(acme_copy: Path) -> dict:
    from click.testing import CliRunner

    from enableframe.cli import cli

    result = CliRunner().invoke(cli, ["assess", str(acme_copy), "--format", "json"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# -- the generator -----------------------------------------------------------------------

def test_generator_is_deterministic_and_matches_the_committed_data(tmp_path: Path) -> None:
    _generate(tmp_path / "a")
    _generate(tmp_path / "b")
    for name in DATA_FILES:
        first = (tmp_path / "a" / name).read_bytes()
        assert first == (tmp_path / "b" / name).read_bytes(), name
        assert first == (ACME / "data" / name).read_bytes(), (
            f"examples/acme/data/{name} differs from what generate_acme.py writes; "
            "run python examples/generate_acme.py and commit the result")


def test_generator_seed_changes_the_data(tmp_path: Path) -> None:
    _generate(tmp_path, "--seed", "7")
    assert (tmp_path / "opportunities.csv").read_bytes() != \
        (ACME / "data" / "opportunities.csv").read_bytes()


def test_committed_data_stays_small() -> None:
    total = sum((ACME / "data" / name).stat().st_size for name in DATA_FILES)
    assert total < 1_000_000


# -- the workspace -------------------------------------------------------------------------

def test_workspace_ruleset_path_resolves() -> None:
    from enableframe.workspace import load_workspace

    ws = load_workspace(ACME)
    assert Path(ws.ruleset_ref) == (REPO / "rulesets" / "examples" / "acme-overlay.yaml")
    assert set(ws.sources) == set(name.removesuffix(".csv") for name in DATA_FILES)


def test_data_check_accounts_for_every_row(run, acme_copy: Path) -> None:
    result = run("data", "check", str(acme_copy), "--format", "json")
    assert result.exit_code == 0, result.output
    tables = {t["table"]: t for t in json.loads(result.stdout)["tables"]}
    assert set(tables) == {name.removesuffix(".csv") for name in DATA_FILES}
    for name in DATA_FILES:
        table = tables[name.removesuffix(".csv")]
        lines = (acme_copy / "data" / name).read_text("utf-8").count("\n") - 1
        assert table["read"] == lines == table["accepted"] + table["rejected"] + \
            table["skipped"], name
        assert sum(r["count"] for r in table["rejections"]) >= table["rejected"]
    # the realistic flaws the generator plants, each counted with its reason
    reasons = {r["reason"]: r["count"] for t in tables.values() for r in t["rejections"]}
    assert reasons == {"closed before created": 2, "duplicate id": 1,
                       "learner not found among sellers": 2}


def test_acme_levels_and_road_map(acme_json: dict) -> None:
    assert acme_json["client"] == "Acme"
    assert acme_json["period"]["label"] == "2025-Q4"
    assert acme_json["overall"]["level"] == 2
    assert acme_json["overall"]["name"] == "Tactical"
    assert not acme_json["overall"]["provisional"]
    assert {d["id"]: d["level"] for d in acme_json["dimensions"]} == ACME_LEVELS
    steps = acme_json["road_map"]["steps"]
    assert steps and all(s["failing"] or s["evidence_to_collect"] for s in steps)
    failing = {f["criterion"] for s in steps for f in s["failing"]}
    assert {"requests_in_scope", "acme_second_close_within_target",
            "continuous_education_in_place"} <= failing
    built = {p["program"] for s in steps for p in s["programs"]}
    assert "continuous_education" in built
    noise = {n["program"] for n in acme_json["road_map"]["noise"]}
    assert noise == {"lunch_and_learn", "enablement_newsletter"}


def test_acme_charter_findings(acme_json: dict) -> None:
    charter = acme_json["charter"]
    threshold = next(c for c in acme_json["criteria"]
                     if c["id"] == "requests_in_scope")["evidence"]["max_out_of_charter_share"]
    assert threshold == 0.15  # the acme overlay's, not the built-in 0.3
    assert charter["junk_drawer_index"] > threshold
    assert charter["more_asks_than_capacity"] is True
    assert charter["ratio"]["in_band"] is True
    assert charter["reporting_line"] == "sales"
    owners = {o["owner"] for o in charter["requests"]["by_owner"]}
    assert {"Deal Desk", "Sales Operations", "Product Support", "Field Marketing"} <= owners


def test_acme_cso_metrics_and_unknowns(acme_json: dict) -> None:
    metrics = {m["id"]: m for m in acme_json["metrics"]}
    for cso in ("win_rate", "average_sales_price", "sales_cycle_days"):
        assert metrics[cso]["cso_key"] and metrics[cso]["value"] is not None
    assert 0.2 < metrics["win_rate"]["value"] < 0.45
    status = {c["id"]: c for c in acme_json["criteria"]}
    # two questions are left unanswered on purpose: unknown, never a pass
    for criterion, question in (("programs_rated_by_sellers", "program_survey_score"),
                                ("leaders_grown", "leadership_succession_plan")):
        assert status[criterion]["status"] == "unknown"
        assert question in status[criterion]["reason"]


def test_acme_expired_waiver_is_reported_and_does_not_waive(acme_json: dict) -> None:
    expired = acme_json["waivers"]["expired"]
    assert [w["criterion"] for w in expired] == ["requests_in_scope"]
    assert expired[0]["status"] == "expired"
    status = {c["id"]: c for c in acme_json["criteria"]}
    assert status["requests_in_scope"]["status"] == "fail"
    assert status["requests_in_scope"]["waiver"] is None


def test_acme_active_waiver_waives(acme_copy: Path) -> None:
    from enableframe.assessment import run_assessment

    # a fixed day, so this holds after the active waiver's own expiry (2027-12-31) too
    result = run_assessment(acme_copy, today=dt.date(2026, 1, 20)).to_dict()
    status = {c["id"]: c for c in result["criteria"]}
    assert status["channels_as_family"]["status"] == "waived"
    assert status["channels_as_family"]["original_status"] == "fail"
    assert [w["criterion"] for w in result["waivers"]["active"]] == ["channels_as_family"]
    later = run_assessment(acme_copy, today=dt.date(2028, 1, 1)).to_dict()
    assert {w["criterion"] for w in later["waivers"]["expired"]} == {
        "channels_as_family", "requests_in_scope"}
    assert later["overall"]["level"] == 2


def test_acme_json_validates_against_the_assessment_schema(acme_json: dict) -> None:
    schema_file = REPO / "schemas" / "assessment.schema.json"
    if not schema_file.is_file():
        pytest.skip("schemas/assessment.schema.json not there yet")
    import jsonschema

    schema = json.loads(schema_file.read_text("utf-8"))
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in
              jsonschema.Draft202012Validator(schema).iter_errors(acme_json)]
    assert errors == []


def test_acme_terminal_report(run, acme_copy: Path) -> None:
    result = run("assess", str(acme_copy))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Overall: level 2 Tactical" in out
    for section in ("Levels by dimension", "CSO metrics", "Charter", "Road map"):
        assert section in out
    assert "Expired waiver: requests_in_scope" in out


# -- enableframe init ------------------------------------------------------------------------

FILES = ("enableframe.yaml", "ruleset.yaml", "charter.yaml", "programs.yaml", "answers.yaml",
         "organisation.yaml", "waivers.yaml")


def test_init_scaffolds_a_valid_workspace(run, tmp_path: Path) -> None:
    target = tmp_path / "globex"
    result = run("init", str(target), "--client", "Globex Corp")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in target.iterdir() if p.is_file()) == sorted(FILES)
    assert (target / "data").is_dir()
    for name in FILES:
        first = (target / name).read_text("utf-8").splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema=")
        assert Path(first.split("=", 1)[1]).is_file(), first
    assert "client: Globex Corp" in (target / "enableframe.yaml").read_text("utf-8")
    overlay = (target / "ruleset.yaml").read_text("utf-8")
    assert "- builtin:enablement-3.0" in overlay
    assert "#   - id: requests_in_scope" in overlay  # the commented tightening example
    validated = run("validate", str(target / "ruleset.yaml"))
    assert validated.exit_code == 0, validated.output


def test_init_inputs_are_schema_valid(run, tmp_path: Path) -> None:
    from enableframe.schema_check import schema_problems
    from enableframe.yaml_loader import load_bytes

    run("init", str(tmp_path / "ws"))
    for kind in ("charter", "programs", "answers", "organisation", "waivers"):
        path = tmp_path / "ws" / f"{kind}.yaml"
        doc = load_bytes(path.read_bytes(), str(path))
        assert schema_problems(doc, kind, None) == [], kind


def test_init_without_sources_fails_in_one_located_line(run, tmp_path: Path) -> None:
    target = tmp_path / "ws"
    run("init", str(target))
    result = run("assess", str(target))
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "enableframe.yaml:" in lines[0] and "$.sources" in lines[0]
    # the line it points at says what to add
    line_no = int(lines[0].split("enableframe.yaml:")[1].split(":")[0])
    text = (target / "enableframe.yaml").read_text("utf-8").splitlines()[line_no - 1]
    assert text.startswith("sources: {}") and "add at least one source" in text


def test_init_workspace_assesses_once_a_source_is_added(run, tmp_path: Path) -> None:
    target = tmp_path / "ws"
    run("init", str(target), "--client", "Acme copy")
    shutil.copy(ACME / "data" / "opportunities.csv", target / "data")
    workspace = target / "enableframe.yaml"
    text = workspace.read_text("utf-8")
    source = (
        "sources:\n"
        "  opportunities:\n"
        "    connector: csv\n"
        "    path: data/opportunities.csv\n"
        "    columns: {id: Opportunity ID, owner: Owner Email, stage: Stage, amount: Amount,\n"
        "              created_at: Created Date, closed_at: Close Date}\n"
        "    values: {stage: {Closed Won: won, Closed Lost: lost, Prospecting: open,\n"
        "                     Qualification: open, Needs Analysis: open,\n"
        "                     Proposal/Price Quote: open, Negotiation/Review: open}}\n"
        "    date_format: '%m/%d/%Y'\n")
    start = text.index("sources: {}")
    end = text.index("\n", start) + 1
    workspace.write_text(text[:start] + source + text[end:], "utf-8")
    result = run("assess", str(target), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["client"] == "Acme copy"
    status = {c["id"]: c["status"] for c in data["criteria"]}
    assert status["pc_cso_metrics_measured"] == "pass"
    # empty answers: unanswered, so unknown; charter and programs not listed: unknown
    assert status["alignment_cso_agenda_known"] == "unknown"
    assert status["charter_written"] == "unknown"
    assert status["programs_onboarding"] == "unknown"
    assert data["overall"]["level"] == 1  # the floor: nothing above it has evidence


def test_init_refuses_to_overwrite(run, tmp_path: Path) -> None:
    target = tmp_path / "ws"
    target.mkdir()
    (target / "answers.yaml").write_text("[]\n", "utf-8")
    result = run("init", str(target))
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "answers.yaml already exists" in result.stderr
    assert sorted(p.name for p in target.iterdir()) == ["answers.yaml"]  # nothing written
    assert (target / "answers.yaml").read_text("utf-8") == "[]\n"
    assert run("init", str(tmp_path / "fresh")).exit_code == 0
    again = run("init", str(tmp_path / "fresh"))
    assert again.exit_code == 2 and "enableframe.yaml already exists" in again.stderr


def test_init_unknown_builtin_is_one_line(run, tmp_path: Path) -> None:
    result = run("init", str(tmp_path / "ws"), "--ruleset", "builtin:enablement-3")
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith(
        "error: unknown ruleset 'builtin:enablement-3'; did you mean "
        "'builtin:enablement-3.0'? built-in: builtin:enablement-3.0, ")
    assert not (tmp_path / "ws").exists()


def test_init_library_function_returns_the_files(tmp_path: Path) -> None:
    from enableframe.scaffold import init_workspace

    written = init_workspace(tmp_path / "x", "builtin:maturity-curve", "Initech")
    assert [p.name for p in written] == list(FILES)
    assert "- builtin:maturity-curve" in (tmp_path / "x" / "ruleset.yaml").read_text("utf-8")


def test_a_fresh_scaffold_says_what_to_add(tmp_path, run) -> None:
    run("init", str(tmp_path / "ws"), "--client", "Globex")
    result = run("assess", str(tmp_path / "ws"), "--no-history")
    assert result.exit_code == 2
    assert result.stderr.strip().endswith(
        "$.sources: is empty; at least 1 entry needed (Canonical table name to its source.)")
