"""The public connector API: repairs reported by a connector, blank lines, quoted newlines."""

from __future__ import annotations

from pathlib import Path

import pytest

from enableframe import hookimpl
from enableframe.connectors import (
    LoadContext,
    Source,
    blank_lines,
    create_view,
    read_csv_sql,
    read_export,
    report_blank_lines,
    sniff_csv,
)
from enableframe.data_load import connect, load_data
from enableframe.plugin_host import get_plugin_host
from enableframe.workspace import load_workspace

pytestmark = pytest.mark.usefixtures("fresh_host")  # conftest.py


def test_repair_and_skip_tally_by_reason_with_five_samples() -> None:
    context = LoadContext(None)
    context.repair("cleared", 4, [1, 2, 3, 4])
    context.repair("cleared", 3, [9, 10, 11])
    context.repair("nothing", 0, [])
    context.skip("blank line", 2)
    assert [(r.reason, r.count, r.samples) for r in context.repaired.values()] == [
        ("cleared", 7, [1, 2, 3, 4, 9])]
    assert [(r.reason, r.count, r.samples) for r in context.skipped.values()] == [
        ("blank line", 2, [])]


class _Repairing:
    """A third-party style connector: clears amounts it cannot trust, says so."""

    name = "repairing"
    tables = ("opportunities",)
    options_schema = None

    def load(self, source, context):
        dialect = sniff_csv(source.path)
        select = {c: c for c in dialect.header}
        sql = read_csv_sql(source.path, dialect, select)
        (count, samples), = context.con.execute(
            f"SELECT count(*), list(_row ORDER BY _row)[1:5] FROM ({sql}) "
            f"WHERE amount = '?'").fetchall()
        context.repair("amount '?' cleared", count, samples)
        return create_view(context, source, sql.replace(
            '"amount" AS "amount"', "NULLIF(\"amount\", '?') AS \"amount\""))


class _Plugin:
    @hookimpl
    def enableframe_register_connectors(self, register) -> None:
        register(_Repairing())


def test_connector_repairs_join_the_core_account(write) -> None:
    write("deals.csv", "id,owner,stage,amount\na,ann,Won,?\nb,bob,lost,5\nc,cy,open,?\n")
    path = write("enableframe.yaml", """
        apiVersion: enableframe/v1
        kind: Workspace
        client: Test
        ruleset: builtin:enablement-3.0
        sources:
          opportunities: {connector: repairing, path: deals.csv}
    """)
    host = get_plugin_host(entry_points=False, plugins=[("repairing", _Plugin())])
    quality = load_data(load_workspace(path), host).quality["opportunities"]
    assert (quality.read, quality.accepted) == (3, 3)
    assert [(r.reason, r.count, r.sample_rows) for r in quality.repairs] == [
        ("stage value matched ignoring case and spaces", 1, [1]),
        ("amount '?' cleared", 2, [1, 3]),
    ]


def _count(con, path: Path) -> tuple[int, int]:
    dialect = sniff_csv(path)
    sql = read_csv_sql(path, dialect, {c: c for c in dialect.header})
    records = con.execute(f"SELECT count(*) FROM ({sql})").fetchone()[0]
    return records, blank_lines(con, path, dialect, records)


@pytest.mark.parametrize(("text", "expected"), [
    ("a,b\n1,2\n3,4\n", (2, 0)),
    ("a,b\n1,2\n\n3,4\n\n\n", (2, 3)),
    ("a,b\r\n1,2\r\n\r\n3,4", (2, 1)),
    # a blank line inside a quoted value is part of the value; a short footer row is a row
    ('a,b\n1,"x\n\ny"\n\n"Total"\n', (2, 1)),
    ('a;b\n1;"say ""hi""\n\n"\n\n', (1, 1)),
])
def test_blank_lines_outside_quotes(tmp_path, text, expected) -> None:
    path = tmp_path / "f.csv"
    path.write_text(text, newline="")
    assert _count(connect(), path) == expected


def test_quoted_newlines_with_short_rows_read(tmp_path) -> None:
    # DuckDB's parallel reader refuses null padding with a line break in a quoted value
    path = tmp_path / "f.csv"
    path.write_text('id,note,amount\n1,"two\nlines",5\n"Grand Totals (1 record)"\n')
    dialect = sniff_csv(path)
    rows = connect().execute(read_csv_sql(path, dialect, {"id": "id", "note": "note"}))
    # the last column is the sentinel for fields beyond the header (none here)
    assert rows.fetchall() == [(1, "1", "two\nlines", None),
                               (2, "Grand Totals (1 record)", None, None)]


@pytest.mark.parametrize(("text", "expected"), [
    ("a,b\n1,2\n\n3,4", (2, 1)),  # no line feed at the end: the count must not miss one
    ("a,b\n1,2\n3,4\n\n", (2, 1)),
    ("a,b\r1,2\r\r3,4\r", (2, 1)),  # carriage returns only: not counted by line feeds
])
def test_blank_lines_counted_whatever_the_line_ends(tmp_path, text, expected) -> None:
    path = tmp_path / "f.csv"
    path.write_text(text, newline="")
    assert _count(connect(), path) == expected


@pytest.mark.parametrize("filler", [0, 3000])
def test_quoted_line_breaks_are_read_sequentially_in_order(write, monkeypatch,
                                                            filler) -> None:
    # a line break in a quoted value with a padded short row: DuckDB's parallel reader
    # refuses the file. Seen in the first 64 KiB, the file is read sequentially at once;
    # further on (after `filler` rows), the core asks the connector again
    import enableframe.data_load as data_load

    attempts: list[bool] = []
    real = data_load._load_one

    def spy(*args, **kwargs):
        attempts.append(kwargs.get("parallel", True))
        return real(*args, **kwargs)

    monkeypatch.setattr(data_load, "_load_one", spy)
    write("data/opportunities.csv", (
        "id,owner,stage,amount,created_at,note\n"
        + "".join(f"f{n},ann,won,1,2024-01-02,{'x' * 20}\n" for n in range(filler))
        + 'a,ann,won,1,2024-01-02,"two\nlines"\n'
        "b,ann,won,x,2024-01-02\n"
        'c,bob,lost,3,2024-01-03,"three\n\nlines"\n'
        "a,bob,lost,4,2024-01-04,\n"))
    ws = write("enableframe.yaml", (
        "apiVersion: enableframe/v1\nkind: Workspace\nclient: T\n"
        "ruleset: builtin:enablement-3.0\nsources:\n  opportunities:\n"
        "    connector: csv\n    path: data/opportunities.csv\n"))
    loaded = load_data(load_workspace(ws), cache=False)
    assert attempts == ([True] if filler == 0 else [True, False])
    quality = loaded.quality["opportunities"]
    assert (quality.read, quality.accepted, quality.skipped) == (filler + 4, filler + 2, 0)
    assert [(r.reason, r.sample_rows) for r in quality.rejections] == [
        ("duplicate id", [filler + 4]), ("unparseable number in amount", [filler + 2])]
    assert loaded.con.execute("SELECT id FROM opportunities WHERE id IN ('a', 'c')"
                              ).fetchall() == [("a",), ("c",)]


class _Skipping:
    """A third-party style connector that skips test deals and reports blank lines."""

    name = "skipping"
    tables = ("opportunities",)
    options_schema = None

    def load(self, source, context):
        dialect = sniff_csv(source.path)
        sql = read_csv_sql(source.path, dialect, {c: c for c in dialect.header})
        (count,) = context.con.execute(
            f"SELECT count(*) FROM ({sql}) WHERE id LIKE 'test%'").fetchone()
        context.skip("test deal", count)
        report_blank_lines(context, source, dialect)
        return create_view(context, source, f"SELECT * FROM ({sql}) WHERE id NOT LIKE 'test%'")


class _SkippingPlugin:
    @hookimpl
    def enableframe_register_connectors(self, register) -> None:
        register(_Skipping())


@pytest.mark.parametrize(("text", "blank"), [
    ("id,owner,stage\ntest1,ann,won\na,ann,won\ntest2,bob,lost\nb,bob,lost\n", 0),
    ("id,owner,stage\ntest1,ann,won\n\na,ann,won\ntest2,bob,lost\nb,bob,lost\n", 1),
])
def test_blank_lines_are_not_mistaken_for_rows_the_connector_skipped(write, text,
                                                                       blank) -> None:
    write("deals.csv", text)
    path = write("enableframe.yaml", """
        apiVersion: enableframe/v1
        kind: Workspace
        client: T
        ruleset: builtin:enablement-3.0
        sources:
          opportunities: {connector: skipping, path: deals.csv}
        """)
    host = get_plugin_host(entry_points=False, plugins=[("skipping", _SkippingPlugin())])
    quality = load_data(load_workspace(path), host, cache=False).quality["opportunities"]
    skips = {r.reason: r.count for r in quality.skips}
    assert skips == {"test deal": 2, **({"blank line": blank} if blank else {})}
    assert (quality.read, quality.accepted, quality.skipped) == (4 + blank, 2, 2 + blank)


def test_read_export_numbers_rows_before_layers_that_reorder(tmp_path) -> None:
    # an IN list of five values becomes a join in DuckDB, which does not keep the order
    # of a parallel read: _row must still be each record's number in the file
    path = tmp_path / "export.csv"
    con = connect()
    con.execute(f"COPY (SELECT range + 1 AS Id, 's' || (range % 7) AS Stage "  # 10 MiB
                f"FROM range(1000000)) TO '{path}' (HEADER)")
    source = Source("opportunities", "x", path, {})
    context = LoadContext(con)
    dialect = sniff_csv(path)
    stages = ", ".join(f"'s{n}'" for n in range(6))
    table = read_export(context, source, dialect, {"id": "Id", "stage": "Stage"},
                        [{"_known": f"stage IN ({stages})"}])
    misplaced = context.con.execute(
        f"SELECT count(*) FROM {table} WHERE CAST(id AS BIGINT) <> _row").fetchone()[0]
    assert misplaced == 0
