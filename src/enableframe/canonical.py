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


def _lit(value: Any) -> str:
    """A SQL string literal (standard SQL quoting: no backslash escapes in DuckDB)."""
    return "'" + str(value).replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


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


SQL_TYPES = {"text": "VARCHAR", "number": "DOUBLE", "date": "DATE", "datetime": "TIMESTAMP"}


def create_empty(con: Any, table: str) -> None:
    """An empty canonical table, so queries over a missing source still bind."""
    cols = ", ".join(f"{_ident(c.name)} {SQL_TYPES[c.kind]}" for c in columns(table))
    con.execute(f"CREATE OR REPLACE TABLE {_ident(table)} ({cols})")


def conform(con: Any, table: str, relation: str, *, values: Mapping[str, Mapping] | None = None,
            date_formats: Sequence[str] = (), decimal_comma: bool = False,
            known_sellers: bool = False) -> TableQuality:
    """Type and check ``relation``'s rows into canonical ``table``; return the account.

    :param values: per column, source value -> canonical value (``{stage: {Won: won}}``).
    :param date_formats: strptime formats tried after ISO dates.
    :param known_sellers: check ``learner`` against the already loaded ``sellers`` table.
    """
    present = {r[0] for r in con.execute(f"DESCRIBE {_ident(relation)}").fetchall()}
    values = values or {}
    formats = tuple(date_formats) or DEFAULT_DATE_FORMATS
    selects, reasons, repairs = ["_row"], [], []
    for col in columns(table):
        raw = f"r.{_ident(col.name)}" if col.name in present else "NULL"
        text = f"NULLIF(trim(CAST({raw} AS VARCHAR)), '')"
        if col.kind == "number":
            cleaned = f"regexp_replace({text}, '[\\s$€£]', '', 'g')"
            cleaned = (f"replace(replace({cleaned}, '.', ''), ',', '.')" if decimal_comma
                       else f"replace({cleaned}, ',', '')")
            typed = f"TRY_CAST({cleaned} AS DOUBLE)"
            reasons.append(f"CASE WHEN {text} IS NOT NULL AND {typed} IS NULL THEN "
                           f"{_lit('unparseable number in ' + col.name)} END")
            if col.name in ("amount", "effort", "quota"):
                reasons.append(f"CASE WHEN {typed} < 0 THEN {_lit('negative ' + col.name)} END")
            if col.minimum is not None or col.maximum is not None:
                lo = col.minimum if col.minimum is not None else "-Infinity"
                hi = col.maximum if col.maximum is not None else "Infinity"
                # an open bound must be a DOUBLE literal: a bare Infinity is a column name
                reasons.append(f"CASE WHEN {typed} NOT BETWEEN CAST('{lo}' AS DOUBLE) AND "
                               f"CAST('{hi}' AS DOUBLE) THEN "
                               f"{_lit(f'{col.name} outside {lo}-{hi}')} END")
        elif col.kind in ("date", "datetime"):
            parsed = [f"(TRY_CAST({text} AS TIMESTAMPTZ) AT TIME ZONE 'UTC')"]
            parsed += [f"TRY_STRPTIME({text}, {_lit(f)})" for f in formats]
            typed = f"COALESCE({', '.join(parsed)})"
            if col.kind == "date":
                typed = f"CAST({typed} AS DATE)"
            reasons.append(f"CASE WHEN {text} IS NOT NULL AND {typed} IS NULL THEN "
                           f"{_lit('unparseable date in ' + col.name)} END")
        elif col.enum:
            mapping = values.get(col.name, {})
            cases = " ".join(f"WHEN {_lit(k)} THEN {_lit(v)}" for k, v in mapping.items())
            mapped = f"CASE {text} {cases} END" if mapping else "NULL"
            norm = f"replace(replace(lower({text}), ' ', '_'), '-', '_')"
            allowed = ", ".join(_lit(v) for v in col.enum)
            loose = f"CASE WHEN {norm} IN ({allowed}) THEN {norm} END"
            typed = f"COALESCE({mapped}, {loose})"
            hint = f" (allowed: {', '.join(col.enum)}; map others under values:)"
            reasons.append(
                f"CASE WHEN {text} IS NOT NULL AND {typed} IS NULL THEN "
                f"'unknown {col.name} value ' || {_quote_sql(text)} || {_lit(hint)} END")
            repairs.append(f"CASE WHEN {mapped} IS NULL AND {typed} IS NOT NULL AND "
                           f"{text} <> {typed} THEN "
                           f"{_lit(col.name + ' value matched ignoring case and spaces')} END")
        else:
            typed = text
        if col.required:
            reasons.append(f"CASE WHEN {text} IS NULL THEN "
                           f"{_lit('missing required field ' + col.name)} END")
        selects.append(f"{typed} AS {_ident(col.name)}")

    names = [c.name for c in columns(table)]
    checks = []
    if table == "opportunities":
        checks.append("CASE WHEN closed_at < created_at THEN 'closed before created' END")
    key = resources.schema(f"tables/{table}").get("x-primary-key")
    if key:
        checks.append(f"CASE WHEN {_ident(key)} IS NOT NULL AND row_number() OVER "
                      f"(PARTITION BY {_ident(key)} ORDER BY _row) > 1 THEN "
                      f"{_lit('duplicate ' + key)} END")
    if known_sellers and table == "learning_records":
        checks.append("CASE WHEN learner IS NOT NULL AND learner NOT IN "
                      "(SELECT id FROM sellers WHERE id IS NOT NULL) THEN "
                      "'learner not found among sellers' END")
    work = f"_checked_{table}"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {work} AS "
        f"WITH typed AS (SELECT {', '.join(selects)}, "
        f"{_reason_list(reasons)} AS _r1, {_reason_list(repairs)} AS _repairs "
        f"FROM {_ident(relation)} AS r) "
        f"SELECT *, list_concat(_r1, {_reason_list(checks)}) AS _reasons FROM typed")
    cols = ", ".join(_ident(n) for n in names)
    con.execute(f"CREATE OR REPLACE TABLE {_ident(table)} AS SELECT {cols} FROM {work} "
                f"WHERE len(_reasons) = 0 ORDER BY _row")
    quality = TableQuality(table, "", "")
    quality.read, quality.rejected = con.execute(
        f"SELECT count(*), count(*) FILTER (WHERE len(_reasons) > 0) FROM {work}").fetchone()
    quality.accepted = quality.read - quality.rejected
    quality.rejections = _tally(con, work, "_reasons")
    quality.repairs = _tally(con, work, "_repairs")
    con.execute(f"DROP TABLE {work}")
    return quality


def _quote_sql(expr: str) -> str:
    return f"'''' || {expr} || ''''"


def _reason_list(exprs: list[str]) -> str:
    if not exprs:
        return "CAST([] AS VARCHAR[])"
    return f"list_filter([{', '.join(exprs)}], lambda x: x IS NOT NULL)"


def _tally(con: Any, work: str, column: str) -> list[Reason]:
    rows = con.execute(
        f"SELECT reason, count(*) AS n, list(_row ORDER BY _row)[1:{SAMPLES}] "
        f"FROM (SELECT _row, unnest({column}) AS reason FROM {work}) "
        f"GROUP BY reason ORDER BY n DESC, reason").fetchall()
    return [Reason(r, int(n), [int(x) for x in samples]) for r, n, samples in rows]
