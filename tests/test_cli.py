"""The command line: exit codes, formats, lazy imports."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import REPO

from enableframe import __version__

HEAVY = ("jsonschema", "networkx", "cel", "duckdb", "yaml")


def test_version(run) -> None:
    result = run("--version")
    assert result.exit_code == 0
    assert __version__ in result.output


def test_help_imports_no_heavy_library() -> None:
    code = (
        "import sys\n"
        "from enableframe.cli import cli\n"
        "try:\n    cli(['--help'])\nexcept SystemExit:\n    pass\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"


def test_python_dash_m() -> None:
    out = subprocess.run([sys.executable, "-m", "enableframe", "--version"],
                         capture_output=True, text=True, check=True).stdout
    assert __version__ in out


def test_validate_builtin_folder_is_clean(run) -> None:
    result = run("validate", str(REPO / "rulesets"))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "" or all("warning" in line
                                             for line in result.stdout.splitlines())


def test_validate_reports_three_mistakes_as_three_lines(run, write, tmp_path,
                                                        monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    write("bad.yaml", """
        apiVersion: enableframe/v1
        kind: Ruleset
        metadata: {name: bad, version: "1"}
        levels: [{id: 1, name: One}, {id: 2, name: Two}]
        dimensions: [{id: purpose, name: Purpose}]
        criteria:
          - id: a
            dimension: purpose
            level: 5
            when: "true"
            recommendation: x
          - id: b
            dimension: purpose
            level: 1
            when: "true"
            recommendation: x
            colour: blue
          - id: c
            dimension: purpose
            level: 2
            when: "org.seller_headcount > && 1"
            recommendation: x
        """)
    result = run("validate", "bad.yaml")
    assert result.exit_code == 2
    lines = result.stdout.splitlines()
    assert lines == [
        "bad.yaml:9:12: $.criteria[0].level: unknown level 5; allowed: 1, 2",
        "bad.yaml:17:5: $.criteria[1].colour: unknown key 'colour'; allowed: dimension, "
        "evidence, id, level, name, params, programs, recommendation, remove, required, "
        "weight, when",
        lines[2],
    ]
    assert lines[2].startswith("bad.yaml:21:35: $.criteria[2].when: CEL syntax error: "
                               "extraneous input '&&'")
    assert "3 error(s)" in result.stderr


def test_validate_json(run, write, tmp_path) -> None:
    path = write("bad.yaml", "apiVersion: enableframe/v2\nkind: Ruleset\n")
    result = run("validate", "--format", "json", str(path))
    assert result.exit_code == 2
    report = json.loads(result.stdout)
    assert report["ok"] is False and report["errors"] == 1
    (problem,) = report["files"][0]["problems"]
    assert (problem["line"], problem["col"], problem["path"]) == (1, 13, "$.apiVersion")
    assert "expected 'enableframe/v1'" in problem["message"]


def test_ruleset_list(run) -> None:
    result = run("ruleset", "list", "--format", "json")
    refs = [r["ref"] for r in json.loads(result.stdout)["rulesets"]]
    assert "builtin:maturity-curve" in refs and "builtin:enablement-3.0" in refs


def test_ruleset_show_unknown_builtin_is_one_line_exit_2(run) -> None:
    result = run("ruleset", "show", "builtin:nope")
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "unknown built-in ruleset 'builtin:nope'; available: builtin:" in result.stderr


def test_ruleset_show_missing_file(run) -> None:
    result = run("ruleset", "show", "does-not-exist.yaml")
    assert result.exit_code == 2
    assert "cannot read ruleset 'does-not-exist.yaml'" in result.stderr
