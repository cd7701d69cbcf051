"""Loading sources into canonical tables: the account of every row, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import maven_workspace, needs_maven

from enableframe.data_load import load_data
from enableframe.workspace import load_workspace

MAVEN_WORKSPACE = maven_workspace()


pytestmark = pytest.mark.usefixtures("fresh_host")  # conftest.py


@needs_maven
def test_maven_loads_8800_opportunities_and_35_sellers(write, run) -> None:
    path = write("enableframe.yaml", MAVEN_WORKSPACE)
    result = run("data", "check", "--format", "json", str(path.parent))
    assert result.exit_code == 0, result.output
    tables = {t["table"]: t for t in json.loads(result.stdout)["tables"]}
    assert (tables["opportunities"]["read"], tables["opportunities"]["accepted"]) == (8800, 8800)
    assert (tables["sellers"]["read"], tables["sellers"]["accepted"]) == (35, 35)
    for t in tables.values():
        assert t["read"] == t["accepted"] + t["rejected"] + t["skipped"]
    con = load_data(load_workspace(path)).con
    stages = dict(con.execute("SELECT stage, count(*) FROM opportunities GROUP BY 1").fetchall())
    # Maven: 4,238 won, 2,473 lost, 1,589 engaging + 500 prospecting still open
    assert stages == {"won": 4238, "lost": 2473, "open": 2089}
    assert con.execute("SELECT sum(amount) FROM opportunities WHERE stage = 'won'").fetchone() \
        == (10005534.0,)


def _workspace(write, csv_text: str, extra: str = "", table: str = "opportunities") -> Path:
    write(f"data/{table}.csv", csv_text)
    return write("enableframe.yaml", (
        "apiVersion: enableframe/v1\nkind: Workspace\nclient: Test\n"
        "ruleset: builtin:enablement-3.0\nsources:\n"
        f"  {table}:\n    connector: csv\n    path: data/{table}.csv\n{extra}\n"))


def test_every_rejection_is_counted_with_samples(write, run) -> None:
    path = _workspace(write, """\
id,owner,stage,amount,created_at,closed_at
a,ann,won,100,2017-01-01,2017-02-01
b,ann,Closed Won,100,2017-01-01,2017-02-01
c,,lost,50,2017-01-01,2017-02-01
d,bob,WON,-5,2017-01-01,2017-02-01
e,bob,lost,10,2017-03-01,2017-02-01
a,bob,open,10,2017-01-01,
f,bob,open,ten,01/02/2017,
""")
    result = run("data", "check", "--format", "json", str(path))
    assert result.exit_code == 0
    (opps,) = json.loads(result.stdout)["tables"]
    assert (opps["read"], opps["accepted"], opps["rejected"]) == (7, 1, 6)
    reasons = {r["reason"]: (r["count"], r["sample_rows"]) for r in opps["rejections"]}
    assert reasons == {
        "unknown stage value 'Closed Won' (allowed: open, won, lost; map others under "
        "values:)": (1, [2]),
        "missing required field owner": (1, [3]),
        "negative amount": (1, [4]),
        "closed before created": (1, [5]),
        "duplicate id": (1, [6]),
        "unparseable number in amount": (1, [7]),
        "unparseable date in created_at": (1, [7]),
    }
    repairs = {r["reason"]: r["count"] for r in opps["repairs"]}
    assert repairs == {"stage value matched ignoring case and spaces": 1}  # row d, WON


def test_strict_exits_2_on_rejections(write, run) -> None:
    path = _workspace(write, "id,owner,stage\na,ann,maybe\n")
    assert run("data", "check", str(path)).exit_code == 0
    assert run("data", "check", "--strict", str(path)).exit_code == 2


def test_date_format_option(write, run) -> None:
    path = _workspace(write, "id,owner,stage,created_at\na,ann,open,31.12.2017\n",
                      "    date_format: '%d.%m.%Y'")
    con = load_data(load_workspace(path)).con
    assert str(con.execute("SELECT created_at FROM opportunities").fetchone()[0]) == "2017-12-31"


def test_bom_crlf_semicolon_and_latin1(write, tmp_path) -> None:
    data = tmp_path / "data" / "sellers.csv"
    data.parent.mkdir(parents=True, exist_ok=True)
    data.write_bytes("\ufeffid;name;region\r\nz1;Zoë;Zürich\r\n".encode("utf-8"))
    path = _workspace(write, "", table="sellers")
    data.write_bytes("\ufeffid;name;region\r\nz1;Zoë;Zürich\r\n".encode())
    con = load_data(load_workspace(path)).con
    assert con.execute("SELECT id, name, region FROM sellers").fetchall() == [
        ("z1", "Zoë", "Zürich")]
    data.write_bytes("id;name;region\r\nz1;Zoë;Zürich\r\n".encode("latin-1"))
    con = load_data(load_workspace(path)).con
    assert con.execute("SELECT name FROM sellers").fetchall() == [("Zoë",)]


def test_missing_mapped_column_is_one_line(write, run, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    path = _workspace(write, "id,owner,deal_stage\na,ann,won\n",
                      "    columns: {stage: dealstage}")
    result = run("data", "check", str(path))
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert lines == ["error: enableframe.yaml:9:22: data/opportunities.csv: column 'dealstage' "
                     "(mapped to opportunities.stage) is not in the file's header; did you "
                     "mean 'deal_stage'? columns: id, owner, deal_stage"]


def test_required_column_not_mapped_is_one_line(write, run) -> None:
    path = _workspace(write, "id,seller,stage\na,ann,won\n")
    result = run("data", "check", str(path))
    assert result.exit_code == 2
    assert "gives no column for required owner" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_unknown_connector_and_bad_option_are_located(write, run) -> None:
    path = _workspace(write, "id,owner,stage\n", "").parent / "enableframe.yaml"
    text = path.read_text().replace("connector: csv", "connector: sap")
    path.write_text(text)
    result = run("data", "check", str(path))
    assert result.exit_code == 2 and "unknown connector 'sap'; available: csv" in result.stderr
    path.write_text(text.replace("connector: sap", "connector: csv") + "    delimter: ';'\n")
    result = run("data", "check", str(path))
    assert result.exit_code == 2
    assert "$.sources.opportunities: csv connector: Additional properties are not allowed " \
        "('delimter' was unexpected)" in result.stderr


def test_missing_file_is_one_line(write, run) -> None:
    path = _workspace(write, "id\n")
    (path.parent / "data" / "opportunities.csv").unlink()
    result = run("data", "check", str(path))
    assert result.exit_code == 2
    assert "data/opportunities.csv does not exist" in result.stderr


def test_blank_lines_are_counted_not_dropped(write, run) -> None:
    path = _workspace(write, "id,owner,stage\na,ann,won\n\nb,bob,lost\n\n\nc,cy,open\n")
    (opps,) = json.loads(run("data", "check", "--format", "json", str(path)).stdout)["tables"]
    assert (opps["read"], opps["accepted"], opps["skipped"]) == (6, 3, 3)
    assert opps["skips"] == [{"reason": "blank line", "count": 3, "sample_rows": []}]


def test_a_source_is_hashed_once_per_change(write, monkeypatch) -> None:
    from enableframe import data_load

    path = _workspace(write, "id,owner,stage\na,ann,won\n")
    calls = []
    real = data_load.file_digest
    monkeypatch.setattr(data_load, "file_digest", lambda p: calls.append(p) or real(p))
    first = load_data(load_workspace(path))
    digest = first.digest("opportunities", first_source(path))
    first.con.close()
    again = load_data(load_workspace(path))
    assert again.digest("opportunities", first_source(path)) == digest
    assert len(calls) == 1
    again.con.close()
    (path.parent / "data" / "opportunities.csv").write_text("id,owner,stage\nb,bob,lost\n")
    changed = load_data(load_workspace(path))
    assert changed.digest("opportunities", first_source(path)) != digest
    assert len(calls) == 2


def first_source(path: Path) -> Path:
    return load_workspace(path).sources["opportunities"].path


def test_dates_with_an_offset_are_dated_in_utc(write) -> None:
    # a bare date is the date; a timestamp's date is its date in UTC, whatever its offset
    path = _workspace(write, """\
id,owner,stage,amount,created_at,closed_at
a,ann,won,1,2024-07-19,2024-07-19T23:39:06-05:00
b,ann,won,1,2024-07-19T23:39:06Z,2024-07-20T01:00:00+02:00
c,ann,won,1, 2024-07-19 ,2024-07-19 23:39
d,ann,won,1,2024-07-19T23:39:06.000Z,2024-07-19T23:39:06 America/New_York
""")
    con = load_data(load_workspace(path), cache=False).con
    rows = con.execute("SELECT id, CAST(created_at AS VARCHAR), CAST(closed_at AS VARCHAR) "
                       "FROM opportunities ORDER BY id").fetchall()
    assert rows == [("a", "2024-07-19", "2024-07-20"), ("b", "2024-07-19", "2024-07-19"),
                    ("c", "2024-07-19", "2024-07-19"), ("d", "2024-07-19", "2024-07-20")]
