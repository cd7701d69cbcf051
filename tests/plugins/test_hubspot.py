"""The ``hubspot-deals`` connector: HubSpot deal exports.

Each fixture is a small export shaped like HubSpot's (property labels or internal names,
ISO dates and times, the default pipeline's stages), run through ``enableframe data check
--format json``; the canonical rows are then read from DuckDB.
"""

from __future__ import annotations

import datetime as dt
import json
import textwrap
from pathlib import Path

import pytest

from enableframe.data_load import load_data
from enableframe.workspace import load_workspace

D = dt.date


pytestmark = pytest.mark.usefixtures("fresh_host")  # conftest.py


def _workspace(tmp_path: Path, data: bytes | str, options: str = "") -> Path:
    file = tmp_path / "data" / "deals.csv"
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_bytes(data if isinstance(data, bytes) else data.encode())
    text = ("apiVersion: enableframe/v1\nkind: Workspace\nclient: Test\n"
            "ruleset: builtin:enablement-3.0\nsources:\n  opportunities:\n"
            "    connector: hubspot-deals\n    path: data/deals.csv\n")
    text += textwrap.indent(textwrap.dedent(options).strip("\n"), "    ") + "\n"
    path = tmp_path / "enableframe.yaml"
    path.write_text(text)
    return path


def _check(run, path: Path) -> dict:
    result = run("data", "check", "--format", "json", str(path))
    assert result.exit_code == 0, result.output + result.stderr
    (account,) = json.loads(result.stdout)["tables"]
    assert account["read"] == account["accepted"] + account["rejected"] + account["skipped"]
    assert account["connector"] == "hubspot-deals"
    return account


def _reasons(account: dict, kind: str) -> dict[str, tuple[int, list[int]]]:
    return {r["reason"]: (r["count"], r["sample_rows"]) for r in account[kind]}


def _rows(path: Path, sql: str) -> list[tuple]:
    return load_data(load_workspace(path)).con.execute(sql).fetchall()


CLEARED = "close date of an open deal is its expected close date: cleared"


def _type_left_empty(value: str) -> str:
    return (f"type value '{value}' is not new business, upsell, cross-sell or renewal: left "
            f"empty (map it under values: type)")


# "Export" from the deals index page: property labels, every value quoted, a trailing
# empty row and a blank line at the end.
LABELS = """\
"Record ID","Deal Name","Deal Stage","Amount","Create Date","Close Date","Deal owner","Pipeline","Deal Type","Associated Company"
"101","Acme - 100 seats","Closed Won","12500","2024-01-05 10:22","2024-02-01 16:00","Jane Doe","Sales Pipeline","New Business","Acme"
"102","Beta - upgrade","Closed Lost","3000.50","2024-01-06 09:00","2024-02-03 11:30","John Roe","Partner Pipeline","Existing Business","Beta"
"103","Gamma","Contract Sent","8000","2024-01-07 14:05","2024-06-30 00:00","John Roe","Sales Pipeline","","Gamma"
"104","Delta","Demo Booked","50","2024-01-08 08:00","2024-05-31 00:00","Jane Doe","Sales Pipeline","Renewal","Delta"
"105","Eps","Appointment Scheduled","","2024-01-09 08:00","","Jane Doe","Sales Pipeline","newbusiness",""
,,,,,,,,,

"""  # noqa: E501


def test_labels_export(run, tmp_path) -> None:
    path = _workspace(tmp_path, LABELS)
    account = _check(run, path)
    assert (account["read"], account["accepted"], account["rejected"], account["skipped"]) \
        == (7, 4, 1, 2)
    assert _reasons(account, "rejections") == {
        "unknown stage value 'Demo Booked' (allowed: open, won, lost; map others under "
        "values:)": (1, [4])}
    assert _reasons(account, "skips") == {
        "empty row (no value in any column read)": (1, [6]), "blank line": (1, [])}
    assert _reasons(account, "repairs") == {
        CLEARED: (1, [3]), _type_left_empty("Existing Business"): (1, [2])}
    # the pipeline is the deal's channel
    assert _rows(path, "SELECT * FROM opportunities ORDER BY id") == [
        ("101", "Acme", "Jane Doe", "won", 12500.0, D(2024, 1, 5), D(2024, 2, 1),
         "new_business", None, "Sales Pipeline", None),
        ("102", "Beta", "John Roe", "lost", 3000.5, D(2024, 1, 6), D(2024, 2, 3),
         None, None, "Partner Pipeline", None),
        ("103", "Gamma", "John Roe", "open", 8000.0, D(2024, 1, 7), None,
         None, None, "Sales Pipeline", None),
        ("105", None, "Jane Doe", "open", None, D(2024, 1, 9), None,
         "new_business", None, "Sales Pipeline", None),
    ]


def test_custom_stage_mapped_with_values(run, tmp_path) -> None:
    path = _workspace(tmp_path, LABELS, """
        values: {stage: {Demo Booked: open}, type: {Existing Business: upsell}}
    """)
    account = _check(run, path)
    assert (account["accepted"], account["rejected"]) == (5, 0)
    assert _reasons(account, "repairs") == {CLEARED: (2, [3, 4])}
    assert _rows(path, "SELECT id, stage, closed_at, type FROM opportunities "
                       "WHERE id IN ('102', '104') ORDER BY id") == [
        ("102", "lost", D(2024, 2, 3), "upsell"), ("104", "open", None, "renewal")]


# Internal property names (an API or workflow export) with HubSpot's calculated
# "Is Closed Won" / "Is Deal Closed?" flags: a custom pipeline's stage is an id.
INTERNAL = """\
hs_object_id,dealname,dealstage,amount,createdate,closedate,hubspot_owner_id,pipeline,dealtype,hs_is_closed_won,hs_is_closed
201,A,closedwon,1000,2024-03-01T10:00:00Z,2024-03-20T12:00:00Z,11,default,newbusiness,true,true
202,B,87654321,500,2024-03-02T10:00:00Z,2024-03-25T12:00:00Z,12,987,existingbusiness,false,true
203,C,qualifiedtobuy,700,2024-03-03T23:59:00Z,2024-04-30T00:00:00Z,12,default,,false,false
"""


def test_internal_names_and_closed_flags(run, tmp_path) -> None:
    path = _workspace(tmp_path, INTERNAL)
    account = _check(run, path)
    assert (account["read"], account["accepted"], account["skipped"]) == (3, 3, 0)
    assert _reasons(account, "repairs") == {
        CLEARED: (1, [3]), _type_left_empty("existingbusiness"): (1, [2])}
    assert _rows(path, "SELECT id, owner, stage, amount, created_at, closed_at, type, "
                       "channel FROM opportunities ORDER BY id") == [
        ("201", "11", "won", 1000.0, D(2024, 3, 1), D(2024, 3, 20), "new_business",
         "default"),
        ("202", "12", "lost", 500.0, D(2024, 3, 2), D(2024, 3, 25), None, "987"),
        ("203", "12", "open", 700.0, D(2024, 3, 3), None, None, "default"),
    ]


# Re-saved by a spreadsheet in a European locale: BOM, CRLF, semicolons, day-first dates
# with times, decimal commas; stage labels carrying their pipeline's name.
EUROPEAN = "\r\n".join([
    "Record ID;Deal Name;Deal Stage;Amount;Create Date;Close Date;Deal Owner;Pipeline",
    "301;A;Closed Won (Sales Pipeline);1.234,50;05/01/2024 10:22;31/01/2024 09:00;"
    "Jane Doe;Sales Pipeline",
    "302;B;Closed lost (Partner Pipeline);99,00;06/01/2024 11:00;15/02/2024 12:00;"
    "John Roe;Partner Pipeline",
    "",
]).encode("utf-8-sig")


def test_bom_crlf_semicolon_european_dates(run, tmp_path) -> None:
    path = _workspace(tmp_path, EUROPEAN, """
        date_format: '%d/%m/%Y %H:%M'
        decimal_comma: true
    """)
    account = _check(run, path)
    assert (account["read"], account["accepted"]) == (2, 2)
    assert _rows(path, "SELECT id, owner, stage, amount, created_at, closed_at "
                       "FROM opportunities ORDER BY id") == [
        ("301", "Jane Doe", "won", 1234.5, D(2024, 1, 5), D(2024, 1, 31)),
        ("302", "John Roe", "lost", 99.0, D(2024, 1, 6), D(2024, 2, 15)),
    ]


def test_european_dates_without_date_format_are_rejected_by_reason(run, tmp_path) -> None:
    # HubSpot itself writes ISO dates: local ones are not guessed, each is counted
    account = _check(run, _workspace(tmp_path, EUROPEAN, "decimal_comma: true"))
    assert (account["accepted"], account["rejected"]) == (0, 2)
    assert _reasons(account, "rejections") == {
        "unparseable date in closed_at": (2, [1, 2]),
        "unparseable date in created_at": (2, [1, 2])}


def test_pipeline_as_segment(run, tmp_path) -> None:
    path = _workspace(tmp_path, LABELS, "columns: {channel: null, segment: Pipeline}")
    _check(run, path)
    assert _rows(path, "SELECT DISTINCT channel, segment FROM opportunities ORDER BY 2") == [
        (None, "Partner Pipeline"), (None, "Sales Pipeline")]


def test_no_stage_column_is_one_line(run, tmp_path) -> None:
    result = run("data", "check", str(_workspace(tmp_path, "Record ID,Deal owner\n1,ann\n")))
    assert result.exit_code == 2
    (line,) = result.stderr.strip().splitlines()
    assert "gives no column for required stage; map them under columns:" in line
