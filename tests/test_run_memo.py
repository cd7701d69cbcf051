"""The run memo: a re-run of ``enableframe metrics`` on unchanged inputs is served from
``.enableframe/memo.json`` without the engine, and every change of what the report
depends on takes the normal path again."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import types
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from enableframe import metric_run, run_memo, workspace
from enableframe.plugin_host import get_plugin_host, reset_plugin_host

OVERLAY = """\
apiVersion: enableframe/v1
kind: Ruleset
metadata: {name: client-x, version: "1", description: A client overlay}
extends: [builtin:enablement-3.0]
criteria:
  - id: requests_in_scope
    params: {max_out_of_charter_share: 0.15}
"""
WORKSPACE = """\
apiVersion: enableframe/v1
kind: Workspace
client: Memo Co
ruleset: overlay.yaml
period: {quarter: 2017-Q1}
sources:
  opportunities: {connector: csv, path: data/opportunities.csv}
  sellers: {connector: csv, path: data/sellers.csv}
"""
OPPORTUNITIES = ("id,owner,stage,amount,created_at,closed_at\n"
                 + "".join(f"o{i},s{i % 3},{('won', 'lost', 'open')[i % 3]},{100 + i},"
                           f"2017-01-{1 + i % 20:02d},2017-02-{1 + i % 25:02d}\n"
                           for i in range(40)))
SELLERS = ("id,name,role,team,start_date,quota\n"
           + "".join(f"s{i},Seller {i},ae,{('East', 'West')[i % 2]},2016-06-01,1000\n"
                     for i in range(3)))


@pytest.fixture(autouse=True)
def settled(monkeypatch: pytest.MonkeyPatch):
    """Files written by a test are read at once: no settling time before a memo is kept
    (the tests change files only after a full run, never within one clock tick of it)."""
    monkeypatch.setattr(run_memo, "SETTLE_NS", 0)
    reset_plugin_host()
    yield
    reset_plugin_host()


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "opportunities.csv").write_text(OPPORTUNITIES, "utf-8")
    (tmp_path / "data" / "sellers.csv").write_text(SELLERS, "utf-8")
    (tmp_path / "overlay.yaml").write_text(OVERLAY, "utf-8")
    (tmp_path / "enableframe.yaml").write_text(WORKSPACE, "utf-8")
    return tmp_path


@pytest.fixture
def engine_runs(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Grows by one each time a report is computed rather than served from the memo."""
    runs: list[object] = []
    real = metric_run.run_metrics
    monkeypatch.setattr(metric_run, "run_metrics",
                        lambda *a, **k: runs.append(a) or real(*a, **k))
    return runs


@pytest.fixture
def report(engine_runs: list[object]) -> Callable[..., tuple[dict, bool]]:
    """``metrics_report`` as the CLI calls it, in a fresh process (no plugin host built yet
    unless ``reset=False``); returns the report and whether it was served from the memo."""

    def _report(path: Path, *, reset: bool = True, **options) -> tuple[dict, bool]:
        if reset:
            reset_plugin_host()
        before = len(engine_runs)
        data = metric_run.metrics_report(path, **options)
        return data, len(engine_runs) == before

    return _report


def test_a_rerun_is_served_from_the_memo(ws: Path, report) -> None:
    first, served = report(ws)
    assert not served and (ws / ".enableframe" / "memo.json").is_file()
    steps: list[tuple[str, int, int]] = []
    again, served = report(ws, progress=lambda *step: steps.append(step))
    assert served and steps == []  # nothing is loaded: no progress bar
    assert again["metrics"] == json.loads(json.dumps(first["metrics"]))
    assert [t["notes"] for t in again["data_quality"]["tables"]] \
        == [["from the cache: inputs unchanged"]] * 2  # as a re-run reports the tables


def _rewrite(path: Path) -> None:
    path.write_bytes(path.read_bytes())


def _threshold(ws: Path) -> None:
    overlay = ws / "overlay.yaml"
    overlay.write_text(overlay.read_text().replace("0.15", "0.2"), "utf-8")


@pytest.mark.parametrize("change", [
    pytest.param(lambda ws: os.utime(ws / "data" / "opportunities.csv"), id="touch-source"),
    pytest.param(lambda ws: _rewrite(ws / "data" / "sellers.csv"), id="rewrite-source"),
    pytest.param(_threshold, id="ruleset-threshold"),
    pytest.param(lambda ws: (ws / "enableframe.yaml").write_text(WORKSPACE + "# note\n"),
                 id="workspace-file"),
    pytest.param(lambda ws: (ws / ".enableframe" / "memo.json").write_text('{"metrics": ['),
                 id="corrupt-memo"),
    pytest.param(lambda ws: (ws / ".enableframe" / "memo.json").write_text("[1, 2]"),
                 id="memo-not-a-mapping"),
    pytest.param(lambda ws: (ws / ".enableframe" / "cache.duckdb").unlink(),
                 id="table-cache-removed"),
])
def test_each_change_of_an_input_runs_again(ws: Path, report, change) -> None:
    report(ws)
    assert report(ws)[1]
    change(ws)
    assert not report(ws)[1]
    assert report(ws)[1]  # the full run stored a new memo


def test_other_options_run_again(ws: Path, report) -> None:
    report(ws)
    assert not report(ws, by="team")[1]
    assert report(ws, by="team")[1]
    assert not report(ws, by="team", only={"win_rate"})[1]
    assert not report(ws, by="team", only={"win_rate"}, plugin_options=["no:html"])[1]
    assert report(ws, by="team", only={"win_rate"}, plugin_options=["no:html"])[1]
    assert not report(ws, by="team", only={"win_rate"}, plugin_options=["no:html"],
                      memo=False)[1]


def test_a_plugin_distribution_change_runs_again(ws: Path, report,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    report(ws)
    assert report(ws)[1]
    installed = run_memo.installed_fingerprint()
    monkeypatch.setattr(run_memo, "installed_fingerprint",
                        lambda: [*installed, ["site-packages", [["x-1.0.dist-info", None]]]])
    assert not report(ws)[1]


def test_a_host_built_in_this_process_is_not_trusted(ws: Path, report) -> None:
    report(ws)
    get_plugin_host()  # as a test or an embedding program registering its own plugins does
    assert not report(ws, reset=False)[1]
    assert report(ws)[1]


def test_output_is_byte_identical_to_a_normal_run(ws: Path, engine_runs: list[object]) -> None:
    from enableframe.cli import cli

    def run(*args: str) -> tuple[str, bool]:
        reset_plugin_host()
        before = len(engine_runs)
        result = CliRunner().invoke(cli, ["metrics", str(ws), *args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.stdout, len(engine_runs) == before

    for args in ([], ["--format", "json"], ["--by", "team"], ["--by", "team", "--format",
                                                                "json"]):
        shutil.rmtree(ws / ".enableframe", ignore_errors=True)
        run(*args)  # a first run, every table loaded, which stores the memo
        served, from_memo = run(*args)
        assert from_memo
        (ws / ".enableframe" / "memo.json").unlink()
        assert run(*args) == (served, False)  # the same re-run, without the memo


def test_memo_changes_are_refused_while_inputs_settle(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(run_memo, "SETTLE_NS", 2_000_000_000)
    (tmp_path / "enableframe.yaml").write_text("x")
    memo = run_memo.Memo.open(tmp_path, "metrics", {})
    assert memo is not None
    # written just now: a run may have read it on either side of a change in this tick
    assert not memo.remember({"v": 1}, [tmp_path / "enableframe.yaml"])
    assert memo.recall() is None


def test_a_new_file_in_a_source_folder_and_code_under_development(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "enableframe.yaml").write_text("x")
    folder = tmp_path / "statements" / "2017"
    folder.mkdir(parents=True)
    (folder / "a.json").write_text("{}")
    code = tmp_path / "plugin_under_development.py"
    code.write_text("X = 1\n")
    module = types.ModuleType("plugin_under_development")
    module.__file__ = str(code)
    monkeypatch.setitem(sys.modules, module.__name__, module)
    assert str(code) in run_memo.development_files()

    def stored() -> run_memo.Memo:
        memo = run_memo.Memo.open(tmp_path, "metrics", {})
        assert memo is not None and memo.remember({"v": 1}, [
            tmp_path / "statements", *(tmp_path / "statements").rglob("*")])
        assert memo.recall() == {"v": 1}
        return memo

    memo = stored()
    (folder / "b.json").write_text("{}")  # a folder's identity changes with its entries
    assert memo.recall() is None
    memo = stored()
    code.write_text("X = 2\n")
    assert memo.recall() is None


def test_the_memo_finds_the_workspace_as_the_workspace_module_does() -> None:
    assert (run_memo.WORKSPACE_FILE, run_memo.CACHE_DIR) \
        == (workspace.FILENAME, workspace.CACHE_DIR)


@pytest.mark.slow
def test_a_served_rerun_imports_nothing_heavy(ws: Path) -> None:
    script = ("import sys\n"
              "from enableframe import run_memo\n"
              "run_memo.SETTLE_NS = 0\n"
              "from enableframe.cli import cli\n"
              "cli.main(sys.argv[1:], prog_name='enableframe', standalone_mode=False)\n"
              "heavy = ('duckdb', 'pluggy', 'yaml', 'jsonschema', 'networkx')\n"
              "print(' '.join(m for m in heavy if m in sys.modules) or '-', file=sys.stderr)\n")

    def heavy() -> tuple[str, str]:
        done = subprocess.run([sys.executable, "-c", script, "metrics", str(ws), "--format",
                               "json"], capture_output=True, text=True, check=True)
        return done.stderr.splitlines()[-1], done.stdout

    loaded, full = heavy()
    assert "duckdb" in loaded.split()  # the first run is a full one
    loaded, again = heavy()
    assert loaded == "-"
    assert json.loads(again) == metric_run.as_rerun(json.loads(full))
