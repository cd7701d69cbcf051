"""Hostile CSV files against the parallel load path: the account adds up and sample row
numbers (1-based records, header and blank lines excluded) point at the right records.
Known bugs are strict xfails, so that a fix is noticed."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.usefixtures("fresh_host")  # conftest.py


HEADER = "id,owner,stage,amount,created_at,closed_at\n"
GOOD = "r{},ann,won,100,2017-01-01,2017-02-01"
EXTRA = "more fields than the header (a delimiter inside an unquoted value?)"


def _workspace(tmp_path: Path, data: bytes | str, *, table: str = "opportunities",
               connector: str = "csv") -> Path:
    (tmp_path / "data").mkdir(exist_ok=True)
    (tmp_path / "enableframe.yaml").write_text(
        "apiVersion: enableframe/v1\nkind: Workspace\nclient: Test\n"
        "ruleset: builtin:enablement-3.0\nsources:\n"
        f"  {table}:\n    connector: {connector}\n    path: data/f.csv\n")
    (tmp_path / "data/f.csv").write_bytes(data if isinstance(data, bytes) else data.encode())
    return tmp_path


def _account(run, ws: Path, table: str = "opportunities") -> dict:
    result = run("data", "check", "--format", "json", str(ws))
    assert result.exit_code == 0, result.output
    (found,) = [t for t in json.loads(result.stdout)["tables"] if t["table"] == table]
    assert found["read"] == found["accepted"] + found["rejected"] + found["skipped"]
    return found


def _reasons(account: dict) -> dict[str, list[int]]:
    return {r["reason"]: r["sample_rows"] for r in account["rejections"]}


@pytest.mark.parametrize("eol", ["\n", "\r\n", "\r"])
def test_quoted_newline_and_short_row_retry_keeps_record_numbers(tmp_path, run, eol):
    # a quoted line break plus a padded short row: the parallel reader refuses, the file
    # is read again sequentially; record numbers follow the csv module's records
    rows = [GOOD.format(i) for i in range(1, 41)]
    rows[2] = 'r3,"two' + eol + 'lines",won,1,2017-01-01,2017-02-01'
    rows[9] = "r10,ann"  # short: padded, no stage
    rows[29] = "r30,,won,1,2017-01-01,2017-02-01"
    rows[39] = "r40,ann,won,1,2017-01-01,2017-02-01,X"
    text = HEADER.replace("\n", eol) + eol.join(rows[:20]) + eol + eol + eol.join(rows[20:])
    records = [r for r in csv.reader(io.StringIO(text, newline=""))][1:]
    assert sum(1 for r in records if r) == 40
    account = _account(run, _workspace(tmp_path, text))
    assert (account["read"], account["rejected"], account["skipped"]) == (41, 3, 1)
    assert _reasons(account) == {"missing required field stage": [10],
                                 "missing required field owner": [30], EXTRA: [40]}


def test_duplicate_of_a_rejected_first_row_is_counted(tmp_path, run):
    rows = ["a,,won,1,2017-01-01,2017-02-01", GOOD.format(2), "a,ann,won,1,2017-01-01,"]
    account = _account(run, _workspace(tmp_path, HEADER + "\n".join(rows) + "\n"))
    assert _reasons(account) == {"missing required field owner": [1], "duplicate id": [3]}


def test_changed_file_is_read_again(tmp_path, run):
    import os

    ws = _workspace(tmp_path, HEADER + GOOD.format(1) + "\n" + GOOD.format(2) + "\n")
    assert _account(run, ws)["accepted"] == 2
    path = ws / "data/f.csv"
    stat = path.stat()
    with path.open("r+b") as handle:  # same size, mtime put back
        handle.seek(len(HEADER) + 3)
        handle.write(b"   ")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert _reasons(_account(run, ws)) == {"missing required field owner": [1]}


# -- known bugs ---------------------------------------------------------------------------

def test_utf16_be_with_bom_is_read_or_refused(tmp_path, run):
    text = HEADER + GOOD.format(1) + "\n" + GOOD.format(2) + "\n"
    ws = _workspace(tmp_path, b"\xfe\xff" + text.encode("utf-16-be"))
    result = run("data", "check", "--format", "json", str(ws))
    if result.exit_code == 0:
        (opps,) = json.loads(result.stdout)["tables"][:1]
        assert opps["read"] == 2
    else:
        assert result.exit_code == 2 and "Traceback" not in result.output


def test_extra_fields_after_an_empty_extra_are_rejected(tmp_path, run):
    rows = [GOOD.format(1) + ",,,LOST VALUE", GOOD.format(2)]
    account = _account(run, _workspace(tmp_path, HEADER + "\n".join(rows) + "\n"))
    assert _reasons(account) == {EXTRA: [1]}


@pytest.mark.parametrize(("connector", "header", "row"), [
    ("salesforce-report", "Id,OwnerId,StageName,Amount,CreatedDate,CloseDate\n",
     "o{},u1,Closed Won,1,2017-01-01,2017-02-01"),
    ("hubspot-deals", "Record ID,Deal owner,Deal Stage,Amount,Create Date,Close Date\n",
     "{},u1,closedwon,1,2017-01-01,2017-02-01"),
])
def test_crm_export_row_with_extra_fields_is_rejected(tmp_path, run, connector, header, row):
    rows = [row.format(1), row.format(2) + ",LOST", row.format(3)]
    ws = _workspace(tmp_path, header + "\n".join(rows) + "\n", connector=connector)
    assert _reasons(_account(run, ws)) == {EXTRA: [2]}


def test_read_error_says_what_is_wrong(tmp_path, run):
    # ASCII for the first 64 KiB (sniffed as UTF-8), then a Latin-1 byte
    rows = [GOOD.format(i) for i in range(1, 2001)] + ["r2001,Zo\xeb,won,1,2017-01-01,"]
    ws = _workspace(tmp_path, (HEADER + "\n".join(rows) + "\n").encode("latin-1"))
    result = run("data", "check", "--format", "json", str(ws))
    assert result.exit_code == 2 and "Traceback" not in result.output
    (line,) = result.stderr.strip().splitlines()
    assert "f.csv:2002:" in line and "not utf-8 encoded" in line and "encoding: latin-1" in line


@pytest.mark.parametrize(("before", "line"), [
    ('r1,ann,won,1,2017-01-01,"two\nlines"\n', 4),  # a quoted line break: one line more
    ("r1,ann,won,1,2017-01-01,\n\n", 4),  # a blank line
])
def test_read_error_names_the_file_line(tmp_path, run, before, line):
    ws = _workspace(tmp_path, (HEADER + before + "r2,Zo\xeb,won,1,2017-01-01,\n").encode(
        "latin-1"))
    (ws / "enableframe.yaml").write_text((ws / "enableframe.yaml").read_text()
                                         + "    encoding: utf-8\n")
    result = run("data", "check", str(ws))
    assert result.exit_code == 2
    (message,) = result.stderr.strip().splitlines()
    assert f"f.csv:{line}:" in message and "not utf-8 encoded" in message


def test_an_unclosed_quote_is_named_with_its_reason(tmp_path, run):
    # DuckDB quotes the rest of the file as the "original line": the reason comes after it
    rows = [GOOD.format(i) for i in range(1, 30)] + ['r30,"ann,won,1,2017-01-01,']
    rows += [GOOD.format(i) + " " + "x" * 60 for i in range(31, 40000)]
    result = run("data", "check", str(_workspace(tmp_path, HEADER + "\n".join(rows) + "\n")))
    assert result.exit_code == 2
    (message,) = result.stderr.strip().splitlines()
    assert "f.csv:31:" in message and "Maximum line size" in message
    assert "a quote that is never closed" in message


def test_a_value_far_beyond_the_header_is_not_dropped(tmp_path, run):
    rows = [GOOD.format(1) + "," * 10 + "note in column 17", GOOD.format(2) + ",,,"]
    account = _account(run, _workspace(tmp_path, HEADER + "\n".join(rows) + "\n"))
    assert _reasons(account) == {EXTRA: [1]}  # empty extra fields alone are no value


def test_blank_lines_with_cr_line_ends_are_counted(tmp_path, run):
    account = _account(run, _workspace(tmp_path, HEADER.replace("\n", "\r") + "\r\r"))
    assert account["skipped"] == 2  # as with "\n" or "\r\n" line ends


def test_epoch_is_not_a_date(tmp_path, run):
    rows = ["r1,ann,open,1,epoch,", GOOD.format(2)]
    account = _account(run, _workspace(tmp_path, HEADER + "\n".join(rows) + "\n"))
    assert _reasons(account) == {"unparseable date in created_at": [1]}


def test_tab_only_required_value_is_missing(tmp_path, run):
    rows = ["r1,\t,won,1,2017-01-01,2017-02-01", GOOD.format(2)]
    account = _account(run, _workspace(tmp_path, HEADER + "\n".join(rows) + "\n"))
    assert _reasons(account) == {"missing required field owner": [1]}


def test_timestamp_on_the_last_allowed_day_is_accepted(tmp_path, run):
    text = "asset,user,event,time\na1,u,view,2199-12-31T12:00:00Z\n"
    account = _account(run, _workspace(tmp_path, text, table="content_events"),
                       "content_events")
    assert account["rejections"] == []
