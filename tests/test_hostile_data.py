"""Hostile data files: each is one located line with exit code 2, or counted rejections;
never a traceback, never a silently chosen or silently kept value."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

pytestmark = pytest.mark.usefixtures("fresh_host")  # conftest.py


HEADER = "id,owner,stage,amount,created_at,closed_at\n"
GOOD = "a,ann,won,100,2017-01-01,2017-02-01\n"


def _workspace(write, data: bytes | str, path: str = "data/opportunities.csv") -> Path:
    ws = write("enableframe.yaml", (
        "apiVersion: enableframe/v1\nkind: Workspace\nclient: Test\n"
        "ruleset: builtin:enablement-3.0\nsources:\n"
        f"  opportunities:\n    connector: csv\n    path: {path}\n"))
    if data is not None:
        target = ws.parent / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data if isinstance(data, bytes) else data.encode())
    return ws


@pytest.mark.parametrize(("data", "message"), [
    pytest.param((HEADER + GOOD).encode("utf-16-le"), "header line holds NUL bytes",
                 id="utf16le-without-bom"),
    pytest.param((HEADER + GOOD).encode("utf-16-be"), "header line holds NUL bytes",
                 id="utf16be-without-bom"),
    pytest.param("id,owner,stage,stage,amount,created_at,closed_at\n"
                 "a,ann,won,lost,100,2017-01-01,2017-02-01\n",
                 "column 'stage' (mapped to opportunities.stage) appears 2 times in the header "
                 "(columns 3, 4)", id="duplicate-mapped-column"),
])
@pytest.mark.parametrize("command", [("data", "check"), ("metrics",), ("assess",)])
def test_bad_file_is_one_line_exit_2(write, run, data, message, command) -> None:
    path = _workspace(write, data)
    result = run(*command, str(path.parent))
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], lines
    assert "opportunities.csv:1:" in lines[0]


@pytest.mark.parametrize("command", [("data", "check"), ("metrics",)])
def test_symlink_loop_is_located_at_the_path(write, run, command) -> None:
    path = _workspace(write, None, "data/a.csv")
    (path.parent / "data").mkdir()
    os.symlink("b.csv", path.parent / "data/a.csv")
    os.symlink("a.csv", path.parent / "data/b.csv")
    result = run(*command, str(path.parent))
    assert result.exit_code == 2, result.output
    (line,) = result.stderr.strip().splitlines()
    assert "enableframe.yaml:8:11:" in line and "cannot resolve path data/a.csv" in line


def _account(run, path: Path) -> dict:
    result = run("data", "check", "--format", "json", str(path.parent))
    assert result.exit_code == 0, result.output
    (opps,) = [t for t in json.loads(result.stdout)["tables"] if t["table"] == "opportunities"]
    assert opps["read"] == opps["accepted"] + opps["rejected"] + opps["skipped"]
    return opps


def test_unnamed_header_column_is_read(write, run) -> None:
    # a trailing delimiter in the header made DuckDB refuse the file (Binder Error)
    path = _workspace(write, "id,owner,stage,amount,created_at,closed_at,\n"
                             "a,ann,won,100,2017-01-01,2017-02-01,x\n")
    assert (_account(run, path)["accepted"]) == 1


def test_duplicate_unmapped_column_is_harmless(write, run) -> None:
    path = _workspace(write, "id,owner,stage,amount,created_at,closed_at,note,note\n"
                             "a,ann,won,100,2017-01-01,2017-02-01,x,y\n")
    assert (_account(run, path)["accepted"]) == 1


def test_non_finite_amounts_are_rejected(write, run) -> None:
    path = _workspace(write, HEADER + GOOD + "".join(
        f"{n},ann,won,{v},2017-01-01,2017-02-01\n"
        for n, v in enumerate(["NaN", "Infinity", "inf", "1e309", "1e308", "-0"])))
    opps = _account(run, path)
    assert (opps["read"], opps["accepted"]) == (7, 3)
    reasons = {r["reason"]: r["sample_rows"] for r in opps["rejections"]}
    assert reasons == {"not a finite number in amount": [2, 3, 4, 5]}


@pytest.mark.parametrize("command", [("metrics",), ("assess", "--no-history")])
def test_placeholder_dates_are_rejected_and_metrics_run(write, run, command) -> None:
    path = _workspace(write, HEADER + GOOD
                      + "b,ann,won,5,0001-01-01,9999-12-31\nc,ann,lost,5,2017-01-01,9999-12-31\n")
    opps = _account(run, path)
    reasons = {r["reason"]: r["sample_rows"] for r in opps["rejections"]}
    assert reasons == {"date in closed_at outside 1900-01-01..2199-12-31": [2, 3],
                       "date in created_at outside 1900-01-01..2199-12-31": [2]}
    result = run(*command, str(path.parent))
    assert result.exit_code in (0, 1), result.output
    assert "Traceback" not in result.output


def test_last_quarter_of_year_9999_has_an_end() -> None:
    from enableframe.periods import quarter

    assert str(quarter(9999, 4).end) == "9999-12-31"


def test_a_long_unknown_value_is_cut_in_its_reason(write, run) -> None:
    long_stage = "x" * 500
    write("data/opportunities.csv", f"id,owner,stage\na,ann,{long_stage}\n")
    path = write("enableframe.yaml", "apiVersion: enableframe/v1\nkind: Workspace\n"
                 "client: T\nruleset: builtin:enablement-3.0\nsources:\n"
                 "  opportunities: {connector: csv, path: data/opportunities.csv}\n")
    import json

    (opps,) = json.loads(run("data", "check", "--format", "json", str(path.parent))
                         .stdout)["tables"]
    (reason,) = [r["reason"] for r in opps["rejections"]]
    assert reason.startswith("unknown stage value '" + "x" * 40 + "...'")
    assert len(reason) < 150


def test_a_row_with_more_fields_than_the_header_is_a_counted_rejection(write, run) -> None:
    import json

    write("data/opportunities.csv", "id,owner,stage\na,ann,won\nb,bob,lost,EXTRA,MORE\nc,cy,open\n")
    path = write("enableframe.yaml", "apiVersion: enableframe/v1\nkind: Workspace\n"
                 "client: T\nruleset: builtin:enablement-3.0\nsources:\n"
                 "  opportunities: {connector: csv, path: data/opportunities.csv}\n")
    (opps,) = json.loads(run("data", "check", "--format", "json", str(path.parent))
                         .stdout)["tables"]
    assert (opps["read"], opps["accepted"], opps["rejected"]) == (3, 2, 1)
    assert opps["rejections"] == [{
        "reason": "more fields than the header (a delimiter inside an unquoted value?)",
        "count": 1, "sample_rows": [2]}]
