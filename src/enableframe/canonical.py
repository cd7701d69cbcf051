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

    Two stages in one statement: every value is typed once (fast paths first: a plain
    ``TRY_CAST`` before any clean-up), then every check reads the typed columns.

    :param values: per column, source value -> canonical value (``{stage: {Won: won}}``).
    :param date_formats: strptime formats tried after ISO dates.
    :param known_sellers: check ``learner`` against the already loaded ``sellers`` table.
    """
    present = {r[0] for r in con.execute(f"DESCRIBE {_ident(relation)}").fetchall()}
    values = values or {}
    formats = tuple(date_formats) or DEFAULT_DATE_FORMATS
    typed_cols, reasons, repairs = ["_row"], [], []
    for col in columns(table):
        name, t = _ident(col.name), _ident("_t_" + col.name)  # typed value, its source text
        raw = f"r.{name}" if col.name in present else "NULL"
        text = f"NULLIF(trim(CAST({raw} AS VARCHAR)), '')"
        typed_cols.append(f"{text} AS {t}")
        if col.kind == "number":
            cleaned = f"regexp_replace({t}, '[\\s$€£]', '', 'g')"
            cleaned = (f"replace(replace({cleaned}, '.', ''), ',', '.')" if decimal_comma
                       else f"replace({cleaned}, ',', '')")
            fast = "NULL" if decimal_comma else f"TRY_CAST({t} AS DOUBLE)"
            typed = f"COALESCE({fast}, TRY_CAST({cleaned} AS DOUBLE))"
            reasons.append(f"CASE WHEN {t} IS NOT NULL AND {name} IS NULL THEN "
                           f"{_lit('unparseable number in ' + col.name)} END")
            # NaN, Infinity and overflows (1e309) cast to DOUBLE but are no amounts
            reasons.append(f"CASE WHEN NOT isfinite({name}) THEN "
                           f"{_lit('not a finite number in ' + col.name)} END")
            if col.name in ("amount", "effort", "quota"):
                reasons.append(f"CASE WHEN {name} < 0 THEN {_lit('negative ' + col.name)} END")
            if col.minimum is not None or col.maximum is not None:
                lo = col.minimum if col.minimum is not None else "-Infinity"
                hi = col.maximum if col.maximum is not None else "Infinity"
                # an open bound must be a DOUBLE literal: a bare Infinity is a column name
                reasons.append(f"CASE WHEN {name} NOT BETWEEN CAST('{lo}' AS DOUBLE) AND "
                               f"CAST('{hi}' AS DOUBLE) THEN "
                               f"{_lit(f'{col.name} outside {lo}-{hi}')} END")
        elif col.kind in ("date", "datetime"):
            parsed = [f"(TRY_CAST({t} AS TIMESTAMPTZ) AT TIME ZONE 'UTC')"]
            parsed += [f"TRY_STRPTIME({t}, {_lit(f)})" for f in formats]
            typed = f"COALESCE({', '.join(parsed)})"
            if col.kind == "date":  # an ISO date is the common case: no time zone work
                typed = f"COALESCE(TRY_CAST({t} AS DATE), CAST({typed} AS DATE))"
            reasons.append(f"CASE WHEN {t} IS NOT NULL AND {name} IS NULL THEN "
                           f"{_lit('unparseable date in ' + col.name)} END")
            # year 1 or 9999 is a placeholder, not a date (and past 9999 Python cannot read it)
            reasons.append(f"CASE WHEN {name} NOT BETWEEN {DATE_RANGE_SQL} THEN "
                           f"{_lit(f'date in {col.name} outside {DATE_RANGE[0]}..{DATE_RANGE[1]}')}"
                           " END")
        elif col.enum:
            mapping = values.get(col.name, {})
            cases = " ".join(f"WHEN {_lit(k)} THEN {_lit(v)}" for k, v in mapping.items())
            mapped = f"CASE {t} {cases} END" if mapping else "NULL"
            norm = f"replace(replace(lower({t}), ' ', '_'), '-', '_')"
            allowed = ", ".join(_lit(v) for v in col.enum)
            loose = f"CASE WHEN {norm} IN ({allowed}) THEN {norm} END"
            typed = f"COALESCE({mapped}, {loose})"
            hint = f" (allowed: {', '.join(col.enum)}; map others under values:)"
            reasons.append(
                f"CASE WHEN {t} IS NOT NULL AND {name} IS NULL THEN "
                f"'unknown {col.name} value ' || {_quote_sql(t)} || {_lit(hint)} END")
            repairs.append(f"CASE WHEN {name} IS NOT NULL AND {t} <> {name} AND "
                           f"({mapped}) IS NULL THEN "
                           f"{_lit(col.name + ' value matched ignoring case and spaces')} END")
        else:
            typed = t
        if col.required:
            reasons.append(f"CASE WHEN {t} IS NULL THEN "
                           f"{_lit('missing required field ' + col.name)} END")
        typed_cols.append(f"{typed.replace(t, '_src.' + t)} AS {name}")

    names = [c.name for c in columns(table)]
    joins = ""
    if table == "opportunities":
        reasons.append("CASE WHEN closed_at < created_at THEN 'closed before created' END")
    key = resources.schema(f"tables/{table}").get("x-primary-key")
    if key:  # a hash aggregate over the repeated ids, not a sort of every row
        k = _ident(key)
        joins += (f" LEFT JOIN (SELECT {k} AS _dup_key, min(_row) AS _first FROM typed "
                  f"WHERE {k} IS NOT NULL GROUP BY 1 HAVING count(*) > 1) AS _dups "
                  f"ON _dups._dup_key = typed.{k}")
        reasons.append(f"CASE WHEN _dups._first IS NOT NULL AND typed._row > _dups._first "
                       f"THEN {_lit('duplicate ' + key)} END")
    if known_sellers and table == "learning_records":
        reasons.append("CASE WHEN learner IS NOT NULL AND learner NOT IN "
                       "(SELECT id FROM sellers WHERE id IS NOT NULL) THEN "
                       "'learner not found among sellers' END")
    extra_src = extra_typed = ""
    if "_extra" in present:  # a CSV connector's sentinel: fields beyond the header
        extra_src, extra_typed = ", r._extra AS _extra", ", _extra"
        reasons.append("CASE WHEN _extra IS NOT NULL THEN "
                       "'more fields than the header (a delimiter inside an unquoted value?)' "
                       "END")
    work = f"_checked_{table}"
    text_cols = ", ".join(f"{_ident('_t_' + c.name)}" for c in columns(table))
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {work} AS "
        f"WITH _src AS (SELECT _row, {', '.join(typed_cols[1::2])}{extra_src} "
        f"FROM {_ident(relation)} r), "
        f"typed AS (SELECT _row, {text_cols}, {', '.join(typed_cols[2::2])}{extra_typed} "
        f"FROM _src) "
        f"SELECT typed._row, {', '.join('typed.' + _ident(n) for n in names)}, "
        f"{_reason_list(reasons)} AS _reasons, "
        f"{_reason_list(repairs)} AS _repairs FROM typed{joins}")
    cols = ", ".join(_ident(n) for n in names)
    # the work table keeps the source's order: no ORDER BY (a sort of every row)
    con.execute(f"CREATE OR REPLACE TABLE {_ident(table)} AS SELECT {cols} FROM {work} "
                f"WHERE len(_reasons) = 0")
    quality = TableQuality(table, "", "")
    quality.read, quality.rejected = con.execute(
        f"SELECT count(*), count(*) FILTER (WHERE len(_reasons) > 0) FROM {work}").fetchone()
    quality.accepted = quality.read - quality.rejected
    quality.rejections = _tally(con, work, "_reasons")
    quality.repairs = _tally(con, work, "_repairs")
    con.execute(f"DROP TABLE {work}")
    return quality


def _quote_sql(expr: str, limit: int = 40) -> str:
    """The value quoted for a reason, cut at ``limit`` characters: an unterminated quote in
    a CSV can swallow the rest of the file into one value."""
    cut = f"CASE WHEN length({expr}) > {limit} THEN left({expr}, {limit}) || '...' "
    return "'''' || " + cut + f"ELSE {expr} END || ''''"


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
