"""Canonical tables: type, check and admit a connector's rows, in SQL, with an account.

For each canonical table the column names, types, required fields and allowed values come
from its JSON Schema in ``schemas/tables/``. A connector's rows are typed with TRY_CAST,
every failed check becomes a reason on the row, and only rows without a reason are
admitted. Each reason is counted with a few sample row numbers: nothing is dropped silently.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from enableframe import resources
from enableframe.connectors import sql_ident as _ident, sql_literal as _lit

DEFAULT_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d")
SAMPLES = 5


@dataclass
class Reason:
    """How many rows share one reason, and the first few of them (source row numbers)."""

    reason: str
    count: int
    sample_rows: list[int] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"reason": self.reason, "count": self.count, "sample_rows": self.sample_rows}


@dataclass
class TableQuality:
    """The account of one canonical table: rows read = accepted + rejected + skipped."""

    table: str
    connector: str
    source: str
    read: int = 0
    accepted: int = 0
    rejected: int = 0
    skipped: int = 0
    rejections: list[Reason] = field(default_factory=list)
    skips: list[Reason] = field(default_factory=list)
    repairs: list[Reason] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TableQuality:
        reasons = {k: [Reason(**r) for r in data.get(k, [])]
                   for k in ("rejections", "skips", "repairs")}
        scalars = {k: v for k, v in data.items() if k not in reasons}
        return cls(**scalars, **reasons)

    def to_dict(self) -> dict[str, Any]:
        return {
            "table": self.table, "connector": self.connector, "source": self.source,
            "read": self.read, "accepted": self.accepted, "rejected": self.rejected,
            "skipped": self.skipped,
            "rejections": [r.to_dict() for r in self.rejections],
            "skips": [r.to_dict() for r in self.skips],
            "repairs": [r.to_dict() for r in self.repairs],
            "notes": self.notes,
        }


@dataclass(frozen=True)
class _Column:
    name: str
    kind: str  # text | number | date | datetime
    required: bool
    enum: tuple[str, ...]
    minimum: float | None
    maximum: float | None


def columns(table: str) -> list[_Column]:
    """The canonical columns of ``table`` from its schema."""
    schema = resources.schema(f"tables/{table}")
    required = set(schema.get("required", []))
    out = []
    for name, spec in schema["properties"].items():
        types = spec["type"] if isinstance(spec["type"], list) else [spec["type"]]
        fmt = spec.get("format")
        kind = ("date" if fmt == "date" else "datetime" if fmt == "date-time"
                else "number" if "number" in types or "integer" in types else "text")
        enum = tuple(v for v in spec.get("enum", []) if v is not None)
        out.append(_Column(name, kind, name in required or "null" not in types, enum,
                           spec.get("minimum"), spec.get("maximum")))
    return out


DATE_RANGE = ("1900-01-01", "2199-12-31")  # dates outside are rejected as placeholders
DATE_RANGE_SQL = f"DATE '{DATE_RANGE[0]}' AND DATE '{DATE_RANGE[1]}'"
SQL_TYPES = {"text": "VARCHAR", "number": "DOUBLE", "date": "DATE", "datetime": "TIMESTAMP"}


def create_empty(con: Any, table: str) -> None:
    """An empty canonical table, so queries over a missing source still bind."""
    cols = ", ".join(f"{_ident(c.name)} {SQL_TYPES[c.kind]}" for c in columns(table))
    con.execute(f"CREATE OR REPLACE TABLE {_ident(table)} ({cols})")


def conform(con: Any, table: str, relation: str, *, values: Mapping[str, Mapping] | None = None,
            date_formats: Sequence[str] = (), decimal_comma: bool = False,
            known_sellers: bool = False) -> TableQuality:
    """Type and check ``relation``'s rows into canonical ``table``; return the account.

    One streaming pass writes every row, typed, with the reasons it fails (NULL for the
    common, clean row: reasons are spelled out only for the rows that have one); checks
    across rows (duplicate ids, learners unknown among sellers) then select the rows they
    reject; the reasons are counted and the rejected rows deleted. No row is copied twice:
    at a million rows, a second copy of the table cost more than the typing itself.

    Rows are cited by ``_row`` when the relation has one, else by their position in it
    (its order is kept: the statement has no join and no sort).

    :param values: per column, source value -> canonical value (``{stage: {Won: won}}``).
    :param date_formats: strptime formats tried after ISO dates.
    :param known_sellers: check ``learner`` against the already loaded ``sellers`` table.
    """
    present = {r[0] for r in con.execute(f"DESCRIBE {_ident(relation)}").fetchall()}
    cols = columns(table)
    texts, typed, checks, repairs = [], [], [], []
    for col in cols:
        t = _ident("_t_" + col.name)
        text = _text(f"r.{_ident(col.name)}") if col.name in present else "NULL"
        texts.append(f"{text} AS {t}")
        mapping = (values or {}).get(col.name)
        if col.enum and mapping:  # the user's mapping, once per row, on the text
            cases = " ".join(f"WHEN {_lit(k)} THEN {_lit(v)}" for k, v in mapping.items())
            texts.append(f"CASE {text} {cases} END AS {_ident('_m_' + col.name)}")
        expr, col_checks, col_repairs = _typed(col, t, bool(mapping),
                                                tuple(date_formats) or DEFAULT_DATE_FORMATS,
                                                decimal_comma)
        typed.append(f"{expr} AS {_ident(col.name)}")
        checks += col_checks
        repairs += col_repairs
    if table == "opportunities":
        checks.append(("closed_at < created_at", _lit("closed before created")))
    if "_extra" in present:  # a CSV connector's sentinel: fields beyond the header
        texts.append("r._extra AS _extra")
        checks.append(("_extra IS NOT NULL", _lit(
            "more fields than the header (a delimiter inside an unquoted value?)")))
    numbered = "_row" in present
    names = ", ".join(_ident(c.name) for c in cols)
    con.execute(
        f"CREATE OR REPLACE TABLE {_ident(table)} AS SELECT {names}, "
        f"{'_row, ' if numbered else ''}"
        f"{_reason_list(checks)} AS _reasons, {_reason_list(repairs)} AS _repairs "
        f"FROM (SELECT *, {', '.join(typed)} FROM (SELECT {'r._row, ' if numbered else ''}"
        f"{', '.join(texts)} FROM {_ident(relation)} r))")
    target = _ident(table)
    # a new table's rows are numbered in the order appended, which is the order read; a
    # table not yet committed numbers them from an offset
    order = "_row" if numbered else "rowid"
    base = 0 if numbered else con.execute(f"SELECT min(rowid) FROM {target}").fetchone()[0]
    row = "t._row" if numbered else f"(t.rowid - {base or 0} + 1)"
    _mark_across_rows(con, table, order, row, known_sellers)
    rejected = "_reasons IS NOT NULL OR rowid IN (SELECT _rid FROM _marks)"
    quality = TableQuality(table, "", "")
    quality.read, quality.rejected = con.execute(
        f"SELECT count(*), count(*) FILTER (WHERE {rejected}) FROM {target}").fetchone()
    quality.accepted = quality.read - quality.rejected
    quality.rejections = _tally(con, f"SELECT {row} AS _n, unnest(_reasons) AS reason "
                                     f"FROM {target} t WHERE _reasons IS NOT NULL "
                                     "UNION ALL SELECT _n, reason FROM _marks")
    quality.repairs = _tally(con, f"SELECT {row} AS _n, unnest(_repairs) AS reason "
                                  f"FROM {target} t WHERE _repairs IS NOT NULL")
    if quality.rejected:
        con.execute(f"DELETE FROM {target} WHERE {rejected}")
    con.execute("DROP TABLE _marks")
    for extra in ("_reasons", "_repairs", *(["_row"] if numbered else [])):
        con.execute(f"ALTER TABLE {target} DROP COLUMN {extra}")
    return quality


def _mark_across_rows(con: Any, table: str, order: str, row: str,
                      known_sellers: bool) -> None:
    """Fill the temporary table ``_marks`` (rowid, row number, reason) with the rows that
    checks across rows reject: a later row repeating an id (a hash aggregate, not a sort
    of every row), a learner unknown among the sellers. They select rather than update: an
    UPDATE of a list column would move the row to the table's end, and with it the row
    numbers."""
    target = _ident(table)
    marks = []
    key = resources.schema(f"tables/{table}").get("x-primary-key")
    if key:
        k = _ident(key)
        marks.append((_lit("duplicate " + key),
                      f"JOIN (SELECT {k} AS _key, min({order}) AS _first FROM {target} "
                      f"WHERE {k} IS NOT NULL GROUP BY 1 HAVING count(*) > 1) d "
                      f"ON t.{k} = d._key AND t.{order} > d._first"))
    if known_sellers and table == "learning_records":
        marks.append(("'learner not found among sellers'",
                      "WHERE learner IS NOT NULL AND learner NOT IN "
                      "(SELECT id FROM sellers WHERE id IS NOT NULL)"))
    marked = [f"SELECT t.rowid AS _rid, {row} AS _n, {why} AS reason FROM {target} t {rest}"
              for why, rest in marks]
    con.execute("CREATE OR REPLACE TEMP TABLE _marks AS " + (
        " UNION ALL ".join(marked) if marked else
        "SELECT CAST(NULL AS BIGINT) AS _rid, CAST(NULL AS BIGINT) AS _n, "
        "CAST(NULL AS VARCHAR) AS reason LIMIT 0"))


def _text(expr: str) -> str:
    """A source value as text, trimmed of spaces and tabs, NULL when empty; trim() only
    runs on the values that need it (it copies every string: 0.1 s per million)."""
    value = f"CAST({expr} AS VARCHAR)"
    edges = " OR ".join(f"{side}({value}, {ch})" for ch in ("' '", "chr(9)")
                        for side in ("starts_with", "ends_with"))
    return (f"NULLIF(CASE WHEN {edges} THEN trim({value}, ' ' || chr(9)) ELSE {value} END, "
            "'')")


def _typed(col: _Column, t: str, mapped: bool, formats: Sequence[str],
           decimal_comma: bool) -> tuple[str, list[tuple[str, str]], list[tuple[str, str]]]:
    """The typed value of ``col`` from its text ``t`` (and ``_m_<col>``, the user's mapping
    of an enum's values, when ``mapped``), the checks on it and its repairs, each a
    (condition, reason) pair of SQL."""
    name = _ident(col.name)
    checks, repairs = [], []
    if col.kind == "number":
        cleaned = f"regexp_replace({t}, '[\\s$€£]', '', 'g')"
        cleaned = (f"replace(replace({cleaned}, '.', ''), ',', '.')" if decimal_comma
                   else f"replace({cleaned}, ',', '')")
        fast = "NULL" if decimal_comma else f"TRY_CAST({t} AS DOUBLE)"
        typed = f"COALESCE({fast}, TRY_CAST({cleaned} AS DOUBLE))"
        checks.append((f"{t} IS NOT NULL AND {name} IS NULL",
                       _lit("unparseable number in " + col.name)))
        # NaN, Infinity and overflows (1e309) cast to DOUBLE but are no amounts
        checks.append((f"NOT isfinite({name})", _lit("not a finite number in " + col.name)))
        if col.name in ("amount", "effort", "quota"):
            checks.append((f"{name} < 0", _lit("negative " + col.name)))
        if col.minimum is not None or col.maximum is not None:
            lo = col.minimum if col.minimum is not None else "-Infinity"
            hi = col.maximum if col.maximum is not None else "Infinity"
            # an open bound must be a DOUBLE literal: a bare Infinity is a column name
            checks.append((f"{name} NOT BETWEEN CAST('{lo}' AS DOUBLE) AND "
                           f"CAST('{hi}' AS DOUBLE)", _lit(f"{col.name} outside {lo}-{hi}")))
    elif col.kind in ("date", "datetime"):
        # fast paths: a UTC ISO timestamp (...Z) needs no time zone work, and a bare date
        # (10 characters) none at all; any other offset is converted to UTC
        slow = [f"(TRY_CAST({t} AS TIMESTAMPTZ) AT TIME ZONE 'UTC')"]
        slow += [f"TRY_STRPTIME({t}, {_lit(f)})" for f in formats]
        # 'epoch' is a date to DuckDB's casts (1970-01-01) and strptime (1900-01-01), not
        # in an export
        typed = (f"COALESCE(CASE WHEN ends_with({t}, 'Z') THEN TRY_CAST({t} AS TIMESTAMP) END, "
                 f"CASE WHEN lower({t}) <> 'epoch' THEN COALESCE({', '.join(slow)}) END)")
        if col.kind == "date":
            typed = (f"COALESCE(CASE WHEN length({t}) = 10 THEN TRY_CAST({t} AS DATE) END, "
                     f"CAST({typed} AS DATE))")
        checks.append((f"{t} IS NOT NULL AND {name} IS NULL",
                       _lit("unparseable date in " + col.name)))
        # year 1 or 9999 is a placeholder, not a date (and past 9999 Python cannot read it)
        day = name if col.kind == "date" else f"CAST({name} AS DATE)"  # 2199-12-31 12:00 too
        checks.append((f"{day} NOT BETWEEN {DATE_RANGE_SQL}",
                       _lit(f"date in {col.name} outside {DATE_RANGE[0]}..{DATE_RANGE[1]}")))
    elif col.enum:
        # the loose match ("Closed-Won" for closed_won) is a map lookup, naming its operand
        # once: in a CASE, DuckDB would compute it for every row, mapped or not
        norm = f"replace(replace(lower({t}), ' ', '_'), '-', '_')"
        allowed = ", ".join(f"{_lit(v)}: {_lit(v)}" for v in col.enum)
        loose = f"map_extract_value(MAP {{{allowed}}}, {norm})"
        m = _ident("_m_" + col.name)
        typed = f"COALESCE({m}, {loose})" if mapped else loose
        hint = f" (allowed: {', '.join(col.enum)}; map others under values:)"
        checks.append((f"{t} IS NOT NULL AND {name} IS NULL",
                       f"'unknown {col.name} value ' || {_quote_sql(t)} || {_lit(hint)}"))
        repairs.append((f"{m + ' IS NULL AND ' if mapped else ''}{name} IS NOT NULL AND "
                        f"{t} <> {name}",
                        _lit(col.name + " value matched ignoring case and spaces")))
    else:
        typed = t
    if col.required:
        checks.append((f"{t} IS NULL", _lit("missing required field " + col.name)))
    return typed, checks, repairs


def _quote_sql(expr: str, limit: int = 40) -> str:
    """The value quoted for a reason, cut at ``limit`` characters: an unterminated quote in
    a CSV can swallow the rest of the file into one value."""
    cut = f"CASE WHEN length({expr}) > {limit} THEN left({expr}, {limit}) || '...' "
    return "'''' || " + cut + f"ELSE {expr} END || ''''"


def _reason_list(checks: list[tuple[str, str]]) -> str:
    """The reasons a row has, or NULL when it has none (the common case costs one test)."""
    if not checks:
        return "CAST(NULL AS VARCHAR[])"
    anything = " OR ".join(f"({cond})" for cond, _ in checks)
    each = ", ".join(f"CASE WHEN {cond} THEN {why} END" for cond, why in checks)
    return f"CASE WHEN {anything} THEN list_filter([{each}], lambda x: x IS NOT NULL) END"


def _tally(con: Any, rows_sql: str) -> list[Reason]:
    """Each reason of ``rows_sql`` (rows of ``_n``, ``reason``) with its count and first
    few row numbers."""
    rows = con.execute(
        f"SELECT reason, count(*) AS n, list(_n ORDER BY _n)[1:{SAMPLES}] FROM ({rows_sql}) "
        f"GROUP BY reason ORDER BY n DESC, reason").fetchall()
    return [Reason(r, int(n), [int(x) for x in samples]) for r, n, samples in rows]
