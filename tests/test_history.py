"""History (issue 8): every run stored in one SQLite transaction, ``history``, ``diff`` that
names each change's cause (data, ruleset/overlay, waiver), the follow-up and the trend.

The workspace is small and hand-made so every number is known: one CRM export, a base
ruleset and a client overlay of it. Run 1: 5 won and 5 lost deals of 12,000 in 2017-Q2.
Run 2, the issue's scenario: the export changes (2 won of 10, won deals of 11,000), the
overlay raises the ASP threshold from 10,000 to 15,000 and a waiver starts.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from enableframe import history, resources
from enableframe.diff import Side, compare
from enableframe.plugin_host import reset_plugin_host

BASE = """\
apiVersion: enableframe/v1
kind: Ruleset
metadata: {name: base, version: "1.0", description: Base for history tests}
levels:
  - {id: 1, name: Ad hoc}
  - {id: 2, name: Tactical}
  - {id: 3, name: Integrated}
dimensions:
  - {id: performance, name: Performance}
  - {id: purpose, name: Purpose}
metrics:
  - id: win_rate
    name: Win rate
    kind: ratio
    ownership: influenced
    cso_key: true
    unit: ratio
    better: higher
    table: opportunities
    anchor: closed_at
    numerator: {agg: count, where: {stage: won}}
    denominator: {agg: count, where: {stage: [won, lost]}}
  - id: average_sales_price
    name: Average sales price
    kind: mean
    ownership: influenced
    cso_key: true
    unit: currency
    better: higher
    table: opportunities
    column: amount
    where: {stage: won}
    anchor: closed_at
criteria:
  - id: win_rate_healthy
    dimension: performance
    level: 2
    when: win_rate >= min_win_rate
    params: {min_win_rate: 0.3}
    recommendation: Qualify harder.
  - id: asp_at_target
    dimension: performance
    level: 3
    when: average_sales_price >= min_asp
    params: {min_asp: 10000.0}
    recommendation: Sell value.
  - id: charter_written
    dimension: purpose
    level: 2
    when: charter.exists
    recommendation: Write the charter.
  - id: scope_bounded
    dimension: purpose
    level: 3
    when: charter.out_of_scope_count >= min_out_of_scope
    params: {min_out_of_scope: 1}
    recommendation: Say what enablement does not do.
scoring: {method: staged, overall: minimum, min_rows: 1}
"""

OVERLAY = """\
apiVersion: enableframe/v1
kind: Ruleset
metadata: {{name: client-x, version: "{version}", description: Client X overlay}}
extends: [base.yaml]
criteria:
  - id: asp_at_target
    params: {{min_asp: {min_asp}}}
"""

WORKSPACE = """\
apiVersion: enableframe/v1
kind: Workspace
client: Client X
ruleset: overlay.yaml
period: {{quarter: {quarter}}}
sources:
  opportunities: {{connector: csv, path: opportunities.csv}}
charter: {{written: true}}
targets:
  - {{metric: win_rate, target: 0.4, by_when: "2017-06-30", owner: Mia Stone,
     agreed_with: CSO}}
  - {{metric: average_sales_price, target: 11500, by_when: "2017-12-31", owner: Noa Park}}
delivered:
  - {{asked: Discovery call refresher, asked_by: sales, delivered: Two live sessions,
     delivered_on: "2017-05-02", metrics: [win_rate]}}
{waivers}"""

WAIVER = """\
waivers:
  - {criterion: scope_bounded, justification: Scope agreed at the next QBR,
     approver: CSO, expires: "2099-12-31"}
"""


def opportunities(quarter_start: dt.date, won: int, lost: int, amount: int) -> str:
    rows = ["id,owner,stage,amount,created_at,closed_at"]
    for n in range(won + lost):
        closed = quarter_start + dt.timedelta(days=10 + n)
        created = closed - dt.timedelta(days=30)
        stage = "won" if n < won else "lost"
        rows.append(f"{quarter_start:%y%m}-{n},s{n % 3},{stage},{amount},{created},{closed}")
    return "\n".join(rows) + "\n"


Q1, Q2 = dt.date(2017, 1, 1), dt.date(2017, 4, 1)


def make_workspace(root: Path, *, won: int = 5, lost: int = 5, amount: int = 12000,
                   min_asp: float = 10000.0, waiver: bool = False, quarter: str = "2017-Q2",
                   version: str = "1.0.0", q1: tuple[int, int, int] | None = None) -> Path:
    """Write (or rewrite) the workspace; ``q1`` adds 2017-Q1 deals (won, lost, amount)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "base.yaml").write_text(BASE, "utf-8")
    (root / "overlay.yaml").write_text(OVERLAY.format(min_asp=min_asp, version=version),
                                       "utf-8")
    (root / "enableframe.yaml").write_text(
        WORKSPACE.format(quarter=quarter, waivers=WAIVER if waiver else ""), "utf-8")
    csv = opportunities(Q2, won, lost, amount)
    if q1:
        csv += opportunities(Q1, *q1).split("\n", 1)[1]
    (root / "opportunities.csv").write_text(csv, "utf-8")
    return root


def cli(*args: str) -> Any:
    from enableframe.cli import cli as command

    reset_plugin_host()
    return CliRunner().invoke(command, list(args), catch_exceptions=False)


def assess(workspace: Path, *extra: str) -> dict[str, Any]:
    result = cli("assess", str(workspace), "--format", "json", *extra)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def schema_errors(result: dict[str, Any]) -> list[str]:
    validator = jsonschema.Draft202012Validator(
        resources.schema("assessment"),
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(result)]


@pytest.fixture
def two_runs(tmp_path: Path) -> Path:
    """The issue's scenario: run 1, then data changed + threshold raised + a waiver."""
    ws = make_workspace(tmp_path / "ws")
    assess(ws)
    make_workspace(ws, won=2, lost=8, amount=11000, min_asp=15000.0, waiver=True,
                   version="1.1.0")
    assess(ws)
    return ws


# -- the store ---------------------------------------------------------------------------------

def test_each_run_is_stored_with_digests_and_its_full_result(two_runs: Path) -> None:
    runs = history.list_runs(two_runs)
    assert [r.id for r in runs] == [1, 2]
    first, second = runs
    assert (first.ruleset_name, first.ruleset_version) == ("client-x", "1.0.0")
    assert first.ruleset_digest != second.ruleset_digest
    assert first.period["label"] == second.period["label"] == "2017-Q2"
    assert (first.overall_level, second.overall_level) == (2, 1)
    assert first.input_digests["sources"]["opportunities"] != \
        second.input_digests["sources"]["opportunities"]
    assert "waivers" not in first.input_digests["inputs"]
    assert second.input_digests["inputs"]["charter"] == first.input_digests["inputs"]["charter"]
    assert {m["id"]: m["value"] for m in first.summary["cso_metrics"]} == {
        "win_rate": 0.5, "average_sales_price": 12000.0}
    full = history.load_run(two_runs, "latest")
    assert full.id == 2 and full.result["overall"]["level"] == 1
    assert history.load_run(two_runs, "previous").result["overall"]["level"] == 2
    con = sqlite3.connect(history.store_path(two_runs))
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    con.close()


def test_a_damaged_row_is_named_not_used(two_runs: Path) -> None:
    con = sqlite3.connect(history.store_path(two_runs))
    con.execute("UPDATE runs SET result = replace(result, '\"level\":1', '\"level\":4') "
                "WHERE id = 2")
    con.commit()
    con.close()
    result = cli("diff", f"{two_runs}@1", f"{two_runs}@2")
    assert result.exit_code == 2
    assert "run 2" in result.stderr and "damaged" in result.stderr


def test_no_history_stores_nothing_and_says_so(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws")
    data = assess(ws, "--no-history")
    assert not history.store_path(ws).exists()
    assert data["trend"]["from_history"] is False
    assert len(data["trend"]["points"]) == 1
    assert "--no-history" in data["follow_up"]["previous_run_reason"]
    result = cli("history", str(ws))
    assert result.exit_code == 2
    assert "no history" in result.stderr and "enableframe assess" in result.stderr


# -- history command ---------------------------------------------------------------------------

def test_history_lists_runs_with_ruleset_level_and_cso_metrics(two_runs: Path) -> None:
    text = cli("history", str(two_runs))
    assert text.exit_code == 0, text.output
    lines = text.stdout.splitlines()
    assert lines[0].startswith("Client X: 2 runs in ")
    assert lines[1].split()[:2] == ["run", "stored"]
    assert "Win rate" in lines[1] and "Average sales price" in lines[1]
    row1, row2 = lines[2].split(), lines[3].split()
    assert row1[0] == "1" and "2017-Q2" in row1 and "client-x" in row1 and "1.0.0" in row1
    assert "50.0%" in row1 and "12,000" in row1
    assert row2[0] == "2" and "1.1.0" in row2 and "20.0%" in row2 and "11,000" in row2
    as_json = json.loads(cli("history", str(two_runs), "--format", "json").stdout)
    assert [r["id"] for r in as_json["runs"]] == [1, 2]
    assert [r["overall"]["level"] for r in as_json["runs"]] == [2, 1]
    assert as_json["runs"][1]["ruleset"]["version"] == "1.1.0"
    assert {m["id"]: m for m in as_json["runs"][1]["cso_metrics"]}["win_rate"] == {
        "id": "win_rate", "name": "Win rate", "value": 0.2, "unit": "ratio",
        "better": "higher"}


# -- diff: each change with its cause ----------------------------------------------------------

def test_diff_attributes_each_change_to_its_cause(two_runs: Path) -> None:
    result = cli("diff", f"{two_runs}@previous", f"{two_runs}@latest", "--format", "json")
    assert result.exit_code == 0, result.output
    d = json.loads(result.stdout)
    assert d["a"]["run"] == 1 and d["b"]["run"] == 2
    assert d["comparable"]["ruleset"] == "changed"
    assert d["comparable"]["period"] == "same"
    assert {c["input"] for c in d["inputs_changed"]} == {"sources.opportunities",
                                                         "inputs.waivers"}
    assert d["ruleset_changes"] == [{"criterion": "asp_at_target", "change": "changed",
                                     "fields": ["params.min_asp 10000 -> 15000"]}]
    assert [(w["criterion"], w["change"]) for w in d["waiver_changes"]] == [
        ("scope_bounded", "started")]

    crit = {c["id"]: c for c in d["criteria"]}
    assert set(crit) == {"win_rate_healthy", "asp_at_target", "scope_bounded"}
    # the data alone: the same rule read a lower win rate
    win = crit["win_rate_healthy"]
    assert (win["from"], win["to"]) == ("pass", "fail")
    assert [c["cause"] for c in win["causes"]] == ["data"]
    assert win["causes"][0]["detail"] == "win_rate 50.0% -> 20.0%"
    # the overlay: ASP also fell (12,000 -> 11,000) but would still pass the old 10,000;
    # the raised threshold is what flipped it
    asp = crit["asp_at_target"]
    assert (asp["from"], asp["to"]) == ("pass", "fail")
    assert asp["causes"] == [{"cause": "ruleset", "detail": "params.min_asp 10000 -> 15000"}]
    assert [c["cause"] for c in asp["also_changed"]] == ["data"]
    assert "average_sales_price 12,000 -> 11,000" in asp["also_changed"][0]["detail"]
    # the waiver
    scope = crit["scope_bounded"]
    assert (scope["from"], scope["to"]) == ("fail", "waived")
    assert [c["cause"] for c in scope["causes"]] == ["waiver"]
    assert "started" in scope["causes"][0]["detail"]
    assert "2099-12-31" in scope["causes"][0]["detail"]

    dims = {x["id"]: x for x in d["dimensions"]}
    perf = dims["performance"]
    assert (perf["from"], perf["to"], perf["change"]) == (3, 1, "down")
    assert {c["cause"]: c["criteria"] for c in perf["causes"]} == {
        "data": ["win_rate_healthy"], "ruleset": ["asp_at_target"]}
    assert perf["like_for_like"] is False  # one of its thresholds moved
    purpose = dims["purpose"]
    assert (purpose["from"], purpose["to"]) == (2, 3)
    assert [c["cause"] for c in purpose["causes"]] == ["waiver"]
    assert purpose["like_for_like"] is True
    assert (d["overall"]["from"], d["overall"]["to"]) == (2, 1)
    assert {c["cause"] for c in d["overall"]["causes"]} == {"data", "ruleset", "waiver"}

    metrics = {m["id"]: m for m in d["metrics"]}
    assert set(metrics) == {"win_rate", "average_sales_price"}
    assert (metrics["win_rate"]["from"], metrics["win_rate"]["to"]) == (0.5, 0.2)
    assert metrics["win_rate"]["direction"] == "worse"
    assert metrics["win_rate"]["causes"] == [{"cause": "data",
                                              "detail": "opportunities changed"}]
    assert metrics["average_sales_price"]["direction"] == "worse"
    assert metrics["win_rate"]["like_for_like"] is True
    assert d["changes_by_cause"] == {"data": 3, "ruleset": 1, "waiver": 1, "unexplained": 0}


def test_diff_text_says_why(two_runs: Path) -> None:
    result = cli("diff", f"{two_runs}@1", f"{two_runs}@2")
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "Overall: level 2 -> 1 (down)" in text
    assert "Performance                level 3 -> 1 (down)  [not like for like]" in text
    assert "  win_rate_healthy: pass -> fail\n      data: win_rate 50.0% -> 20.0%\n" in text
    assert ("  asp_at_target: pass -> fail\n"
            "      ruleset/overlay: params.min_asp 10000 -> 15000\n"
            "      also changed, data: average_sales_price 12,000 -> 11,000 (alone it would "
            "not have changed the status)\n") in text
    assert "  scope_bounded: fail -> waived\n      waiver: waiver started" in text
    assert "[CSO] Win rate: 50.0% -> 20.0% (worse)\n      data: opportunities changed" in text
    assert "Changes by cause: data 3, ruleset/overlay 1, waiver 1" in text


def test_diff_of_json_result_files(two_runs: Path, tmp_path: Path) -> None:
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps(history.load_run(two_runs, 1).result), "utf-8")
    b.write_text(json.dumps(history.load_run(two_runs, 2).result), "utf-8")
    d = json.loads(cli("diff", str(a), str(b), "--format", "json").stdout)
    crit = {c["id"]: [k["cause"] for k in c["causes"]] for c in d["criteria"]}
    assert crit == {"win_rate_healthy": ["data"], "asp_at_target": ["ruleset"],
                    "scope_bounded": ["waiver"]}
    # a file carries its data sources' digests, not the workspace inputs'
    assert [c["input"] for c in d["inputs_changed"]] == ["sources.opportunities"]


def test_same_rules_changed_data_is_all_data(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws")
    assess(ws)
    make_workspace(ws, won=2, lost=8)
    assess(ws)
    d = json.loads(cli("diff", f"{ws}@previous", f"{ws}@latest", "--format", "json").stdout)
    assert d["comparable"]["ruleset"] == "same" and d["ruleset_changes"] == []
    assert {k["cause"] for item in d["criteria"] + d["metrics"] for k in item["causes"]} \
        == {"data"}
    assert all(x["like_for_like"] for x in d["dimensions"])


def test_different_rulesets_are_flagged_not_comparable(two_runs: Path) -> None:
    a = history.load_run(two_runs, 1).result
    b = copy.deepcopy(a)
    b["ruleset"].update(name="maturity-curve", chain=["rulesets/maturity-curve.yaml"],
                        digest="sha256:" + "0" * 64)
    b["criteria"] = [c for c in b["criteria"] if c["id"] != "charter_written"]
    b["metrics"][0]["definition"] = {**b["metrics"][0]["definition"], "anchor": "created_at"}
    b["metrics"][0]["value"] = 0.45
    d = compare(Side("a", a), Side("b", b))
    assert d["comparable"]["ruleset"] == "different"
    assert "not comparable" in d["comparable"]["notes"][0]
    assert not any(x["like_for_like"] for x in d["dimensions"])
    assert d["overall"]["like_for_like"] is False
    removed = {c["id"]: c for c in d["criteria"]}["charter_written"]
    assert removed["to"] is None and removed["causes"][0]["cause"] == "ruleset"
    moved = {m["id"]: m for m in d["metrics"]}[b["metrics"][0]["id"]]
    assert moved["like_for_like"] is False
    assert moved["causes"][0]["cause"] == "ruleset"
    assert "anchor" in moved["causes"][0]["detail"]


def test_a_workspace_or_unknown_run_is_a_one_line_error(two_runs: Path) -> None:
    result = cli("diff", str(two_runs), f"{two_runs}@latest")
    assert result.exit_code == 2
    assert f"{two_runs}@latest" in result.stderr and len(result.stderr.splitlines()) == 1
    result = cli("diff", f"{two_runs}@7", f"{two_runs}@latest")
    assert result.exit_code == 2
    assert "no run '7'" in result.stderr and "1, 2" in result.stderr


# -- follow-up and trend ---------------------------------------------------------------------

def test_follow_up_checks_targets_and_shows_what_moved(two_runs: Path) -> None:
    make_workspace(two_runs, won=3, lost=7, amount=11000, min_asp=15000.0, waiver=True,
                   version="1.1.0")
    data = assess(two_runs)
    assert schema_errors(data) == []
    f = data["follow_up"]
    assert f["previous_run"]["run"] == 2 and f["previous_run"]["basis"] == "same period"
    agreed = {t["metric"]: t for t in f["agreed"]}
    win = agreed["win_rate"]
    assert (win["current"], win["at_last_run"], win["since_last_run"]) == (0.3, 0.2, "better")
    assert win["status"] == "missed"  # due 2017-06-30, the period's last day
    asp = agreed["average_sales_price"]
    assert asp["status"] == "open" and asp["current"] == 11000.0
    assert f["delivered"][0]["metrics_now"][0]["since_last_run"] == "better"
    assert f["moved"]["cso_metrics"][0]["id"] == "win_rate"
    flipped = f["moved"]["criteria_flipped"]
    assert [(c["id"], c["to"], c["causes"]) for c in flipped] == [
        ("win_rate_healthy", "pass", ["data"])]  # 30% reaches the 30% bar again
    assert [n["kind"] for n in f["next"]][:2] == ["target", "target"]
    assert f["next"][0]["metric"] == "win_rate"  # missed first

    report = cli("assess", str(two_runs), "--format", "markdown", "--no-history").stdout
    assert "## Follow-up" in report
    assert "| Win rate | 40.0% | 2017-06-30 | Mia Stone | 30.0% |" in report
    assert "### What you asked for, what we delivered" in report
    assert "1. Win rate: 30.0% -> 40.0% by 2017-06-30, owner Mia Stone (missed" in report


def test_trend_has_one_point_per_period(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws", quarter="2017-Q1", q1=(4, 6, 9000))
    q1 = assess(ws)
    assert len(q1["trend"]["points"]) == 1
    make_workspace(ws, quarter="2017-Q2", q1=(4, 6, 9000))
    assess(ws)
    make_workspace(ws, quarter="2017-Q2", won=6, lost=4, q1=(4, 6, 9000))
    q2 = assess(ws)  # a re-run of the quarter replaces its point
    assert schema_errors(q2) == []
    points = q2["trend"]["points"]
    assert [p["period"]["label"] for p in points] == ["2017-Q1", "2017-Q2"]
    assert [p["run"] for p in points] == [1, None]
    assert [p["metrics"]["win_rate"] for p in points] == [0.4, 0.6]
    assert [p["levels"]["performance"] for p in points] == [2, 3]
    # the follow-up compares with the last review (the earlier period), not the re-run
    assert q2["follow_up"]["previous_run"]["run"] == 1
    assert q2["follow_up"]["previous_run"]["basis"] == "earlier period"
    report = cli("assess", str(ws), "--format", "markdown", "--no-history").stdout
    assert "## Trend" not in report  # without history, only this run: no trend
    report = cli("assess", str(ws), "--format", "markdown").stdout
    assert "## Trend\n\n| | 2017-Q1 | 2017-Q2 |\n|---|---|---|\n" in report
    assert "| **Overall level** | 2 | 2 |" in report
    assert "| Win rate | 40.0% | 60.0% |" in report
    assert "| Performance level | 2 | 3 |" in report


def test_targets_name_known_metrics(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws")
    text = (ws / "enableframe.yaml").read_text("utf-8").replace(
        "metric: win_rate, target", "metric: win_rat, target")
    (ws / "enableframe.yaml").write_text(text, "utf-8")
    result = cli("assess", str(ws))
    assert result.exit_code == 2
    assert "unknown metric 'win_rat'" in result.stderr
    assert "enableframe.yaml:10:" in result.stderr


# -- crashes and concurrency -----------------------------------------------------------------

# Runs `enableframe assess` (the console script's main) with a hook: "hold" stops inside the
# history transaction (after the INSERT, before the COMMIT) until a release file appears;
# "announce" marks the moment the process reaches the store and goes on.
DRIVER = textwrap.dedent("""
    import pathlib, sys, time
    import enableframe.history as h
    mode, marker, release = sys.argv[1], pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])
    if mode == "hold":
        def hold(run_id):
            marker.write_text(str(run_id))
            deadline = time.monotonic() + 120
            while not release.exists() and time.monotonic() < deadline:
                time.sleep(0.02)
        h._in_transaction = hold
    elif mode == "announce":
        _open = h._open
        def announce(*args, **kwargs):
            con = _open(*args, **kwargs)
            marker.write_text("at the store")
            return con
        h._open = announce
    from enableframe.cli import main
    sys.argv = ["enableframe", *sys.argv[4:]]
    main()
""")


def start(mode: str, marker: Path, release: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", DRIVER, mode, str(marker), str(release),
                             *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def wait_for(path: Path, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if proc.poll() is not None:
            raise AssertionError(f"exited {proc.returncode}: {proc.stderr.read().decode()}")
        if time.monotonic() > deadline:
            proc.kill()
            raise AssertionError(f"{path.name} never appeared")
        time.sleep(0.02)


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
def test_a_kill_inside_the_transaction_leaves_the_finished_runs(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws")
    first = assess(ws)
    make_workspace(ws, won=2, lost=8)
    proc = start("hold", tmp_path / "held", tmp_path / "never", "assess", str(ws),
                 "--format", "json")
    try:
        wait_for(tmp_path / "held", proc)
        assert (tmp_path / "held").read_text() == "2"  # inserted, not committed
        # readers are not blocked by the writer, and see only what is committed
        assert [r.id for r in history.list_runs(ws)] == [1]
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    con = sqlite3.connect(history.store_path(ws))
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert con.execute("SELECT count(*) FROM runs").fetchone()[0] == 1
    con.close()
    stored = history.load_run(ws, "latest")
    assert stored.id == 1
    first.pop("trend"), first.pop("follow_up")
    kept = dict(stored.result)
    kept.pop("trend"), kept.pop("follow_up")
    assert kept == first  # the finished run, whole
    # and the store takes the next run as if nothing happened
    assess(ws)
    assert [r.id for r in history.list_runs(ws)] == [1, 2]
    assert history.load_run(ws, 2).result["overall"]["level"] == 1


def test_a_run_waits_for_another_holding_the_store_and_both_land(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws")
    assess(ws, "--no-history")  # warm the data cache
    release = tmp_path / "release"
    holder = start("hold", tmp_path / "held", release, "assess", str(ws), "--format", "json")
    waiter = None
    try:
        wait_for(tmp_path / "held", holder)
        waiter = start("announce", tmp_path / "waiting", tmp_path / "unused", "assess",
                       str(ws), "--format", "json")
        wait_for(tmp_path / "waiting", waiter)
        time.sleep(0.5)  # the waiter is now in BEGIN IMMEDIATE, on the busy timeout
        assert waiter.poll() is None
        release.write_text("go")
        outputs = [p.communicate(timeout=120) for p in (holder, waiter)]
    finally:
        for p in (holder, waiter):
            if p is not None and p.poll() is None:
                p.kill()
                p.wait()
    assert [holder.returncode, waiter.returncode] == [0, 0], outputs
    runs = history.list_runs(ws)
    assert [r.id for r in runs] == [1, 2]
    for n, (out, err) in enumerate(outputs, 1):
        assert f"stored as run {n}".encode() in err
        assert json.loads(out) == history.load_run(ws, n).result


def test_two_first_runs_at_once_both_land(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws")
    assess(ws, "--no-history")  # warm the data cache; no history file yet
    procs = [start("none", tmp_path / "x", tmp_path / "y", "assess", str(ws), "--format",
                   "json") for _ in range(2)]
    outputs = [p.communicate(timeout=180) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    assert sorted(r.id for r in history.list_runs(ws)) == [1, 2]
