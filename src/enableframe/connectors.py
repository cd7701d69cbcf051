"""The public API for connector plugins: what a connector receives and what it returns.

A connector turns one source (a file named in the workspace) into rows whose columns carry
canonical names. It does not type, check or filter them: :mod:`enableframe.canonical` does
that for every connector alike, in SQL, counting each rejected row by reason. A connector
may skip rows it cannot map (a voided xAPI statement) but must report them with
:meth:`LoadContext.skip`, so that nothing is silently lost; a row it keeps but changes (an
expected close date cleared on an open deal) is reported with :meth:`LoadContext.repair`.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from enableframe.errors import Location, UserError


@dataclass(frozen=True)
class Source:
    """One entry of a workspace's ``sources``: the table it fills and how."""

    table: str  # canonical table name
    connector: str
    path: Path  # absolute
    options: Mapping[str, Any]  # everything else under the source, connector-specific
    location: Location = field(default_factory=lambda: Location(""))
    node: Any = field(default=None, repr=False, compare=False)  # the YAML mapping

    def location_of(self, *path: str) -> Location:
        """Where an option (``"columns", "stage"``) is written in the workspace file."""
        from enableframe.yaml_loader import locate

        found = locate(self.node, path) if self.node is not None else None
        return found if found and found.file else self.location

    @property
    def display(self) -> str:
        """The path as written in the workspace, for messages."""
        return str(self.options.get("_display_path", self.path))


@dataclass
class Skipped:
    """Rows skipped (or repaired) for one reason, with a few samples."""

    reason: str
    count: int
    samples: list[int | str]


class LoadContext:
    """What a connector may use while loading: the DuckDB connection, a skip log and a
    repair log."""

    def __init__(self, con: Any, *, parallel: bool = True) -> None:
        self.con = con
        self.skipped: dict[str, Skipped] = {}
        self.repaired: dict[str, Skipped] = {}
        self.notes: list[str] = []
        # False when DuckDB's parallel CSV reader refused the file and the core asks the
        # connector again: pass it to read_csv_sql(parallel=...)
        self.parallel = parallel
        self._when_read: list[Callable[[int], None]] = []

    def when_read(self, callback: Callable[[int], None]) -> None:
        """Run ``callback(rows)`` once the core has read the connector's relation, with the
        number of rows it held: for an account that needs that count (blank lines between
        records) without reading a view a second time."""
        self._when_read.append(callback)

    def read_done(self, rows: int) -> None:
        """Called by the core after reading the relation; runs the :meth:`when_read`
        callbacks."""
        for callback in self._when_read:
            callback(rows)

    def skip(self, reason: str, count: int = 1,
             samples: Sequence[int | str] | None = None) -> None:
        """Record ``count`` source rows not turned into canonical rows, and why; ``samples``
        are a few of their row numbers (``_row``) or other ids."""
        _tally(self.skipped, reason, count, samples)

    def repair(self, reason: str, count: int = 1,
               samples: Sequence[int | str] | None = None) -> None:
        """Record ``count`` source rows kept but changed by the connector (a value cleared
        or reinterpreted), and why; they appear under ``repairs`` in the table's account."""
        _tally(self.repaired, reason, count, samples)

    def note(self, text: str) -> None:
        """Record something the reader of the data account should know that is not a row
        (an LRS page whose ``more`` link was not followed, an empty file in a folder)."""
        if text not in self.notes:
            self.notes.append(text)

    def relation_name(self, source: Source) -> str:
        """A fresh name for the connector's output view or table."""
        return f"raw_{source.table}"


def _tally(log: dict[str, Skipped], reason: str, count: int,
           samples: Sequence[int | str] | None) -> None:
    if count <= 0:
        return
    entry = log.setdefault(reason, Skipped(reason, 0, []))
    entry.count += count
    entry.samples.extend(list(samples or [])[: max(0, 5 - len(entry.samples))])


@runtime_checkable
class Connector(Protocol):
    """What ``enableframe_register_connectors`` registers."""

    name: str
    tables: tuple[str, ...]  # the canonical tables it can fill
    options_schema: Mapping[str, Any] | None  # JSON Schema of the source's options

    def load(self, source: Source, context: LoadContext) -> str:
        """Create a DuckDB table or view holding the source's rows and return its name.

        Columns: canonical column names (any subset; values as text or typed) plus ``_row``,
        the 1-based row number in the source, used to cite sample rows. Values stay as the
        source wrote them except where the connector knows better (Salesforce's IsWon).

        Without ``_row`` the core numbers rows in the order the relation yields them, which
        is the file's order only for a plain read (:func:`read_csv_sql`): a relation that
        filters or joins (DuckDB turns an ``IN`` list of five values into a join) must give
        ``_row``, e.g. from :func:`read_export`."""
        ...


# -- CSV helpers for connectors ------------------------------------------------------------

_SAMPLE = 64 * 1024


@dataclass(frozen=True)
class CsvDialect:
    """How a CSV file is written, found from its first bytes (DuckDB's own sniffer costs
    0.15-0.2 s per file; with the dialect given, a read takes milliseconds)."""

    delimiter: str
    encoding: str  # a DuckDB encoding name: utf-8, utf-16 or latin-1
    header: tuple[str, ...]
    # a line break inside a quoted value within the first bytes: DuckDB's parallel reader
    # would refuse the file (read_csv_sql reads it sequentially at once)
    quoted_newlines: bool = False


def sniff_csv(path: Path, *, delimiter: str | None = None,
              encoding: str | None = None) -> CsvDialect:
    """Delimiter, encoding (BOM, UTF-8, else Latin-1) and header of a CSV file."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(_SAMPLE)
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror}", Location(str(path))) from None
    if not raw.strip():
        raise UserError("file is empty; a CSV with a header row is expected", Location(str(path)))
    if raw.startswith(codecs.BOM_UTF16_BE) and not raw.startswith(codecs.BOM_UTF32_BE):
        # DuckDB reads UTF-16 as little-endian only: every row would be lost
        raise UserError("the file is UTF-16 big-endian (byte-order mark FE FF), which cannot "
                        "be read; save it as UTF-8 or UTF-16 little-endian",
                        Location(str(path), 1))
    if encoding is None:
        if raw.startswith(codecs.BOM_UTF16_LE):
            encoding = "utf-16"
        else:
            try:
                raw.decode("utf-8")
                encoding = "utf-8"
            except UnicodeDecodeError as exc:
                # a multi-byte character cut by the sample's end is still UTF-8
                encoding = "utf-8" if exc.start >= len(raw) - 3 else "latin-1"
    text = raw.decode(_python_encoding(encoding), errors="replace")
    first_line = text.splitlines()[0] if text.splitlines() else ""
    if delimiter is None:
        try:
            delimiter = csv.Sniffer().sniff(text[:8192], delimiters=",;\t|").delimiter
        except csv.Error:
            delimiter = max(",;\t|", key=first_line.count)
    header = tuple(next(csv.reader([first_line], delimiter=delimiter)))
    header = tuple(h.strip() for h in header)
    if "\x00" in first_line:
        raise UserError("the header line holds NUL bytes: a binary file, or UTF-16 without a "
                        "byte-order mark; a text CSV (UTF-8, Latin-1, or UTF-16 with a BOM) is "
                        "expected", Location(str(path), 1))
    if not any(header):
        raise UserError("the first line is empty; a header row is expected",
                        Location(str(path), 1))
    lines = text[:_SAMPLE].splitlines(keepends=True)[:-1]  # the last may be cut short
    try:
        multiline = any("\n" in v or "\r" in v for row in csv.reader(
            lines, delimiter=delimiter) for v in row)
    except csv.Error:
        multiline = False
    return CsvDialect(delimiter, encoding, header, multiline)


def _python_encoding(name: str) -> str:
    """Python's codec for a DuckDB encoding name (UTF-8 with its byte-order mark skipped)."""
    return {"utf-8": "utf-8-sig"}.get(name, name)


def _quote(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _ident(s: str) -> str:
    return '"' + s.replace('"', '""') + '"'


EXTRA_FIELDS = "__enableframe_extra_fields__"
EXTRA_SLOTS = 16  # fields beyond the header looked at (4 cost 0.05 s at 1M rows, 16 0.08 s)


def read_csv_sql(path: Path, dialect: CsvDialect, select: Mapping[str, str], *,
                 numbered: bool = True, parallel: bool = False) -> str:
    """SQL reading a CSV as text, its columns renamed: ``select`` maps each canonical name
    to the header column it comes from (one column may feed several).

    Every column is read as VARCHAR: typing and checks happen once, in
    :mod:`enableframe.canonical`, with a reason for every row that fails. Short rows (a
    report's footer) are padded with NULLs.

    :param numbered: add ``_row``, the record's number in the file. Without it the core
        numbers the rows in the order read, which is the file's order, for free; a
        ``row_number()`` window costs a sequential pass (0.4 s at a million rows).
    :param parallel: let DuckDB split the file between threads (twice as fast on two
        cores). Its parallel reader refuses padded short rows together with line breaks
        inside quoted values (a CRM description); pass ``context.parallel``, which the core
        sets to False when it asks the connector again after that refusal."""
    quote = _quote
    # duplicate header names would collide in DuckDB's column list: number them
    names, seen = [], {}
    for n, h in enumerate(dialect.header, 1):
        h = h or f"_column{n}"  # an unnamed column (a trailing delimiter): DuckDB needs a name
        seen[h] = seen.get(h, 0) + 1
        names.append(h if seen[h] == 1 else f"{h}_{seen[h]}")
    # columns beyond the header: a row with extra fields fills them, so the check can
    # reject that row by name instead of DuckDB dropping the extras without a word; an
    # empty one (a trailing delimiter) is no value, so the next ones are looked at too
    slots = [f"{EXTRA_FIELDS}{n}" for n in range(1, EXTRA_SLOTS + 1)]
    types = ", ".join(f"{quote(h)}: 'VARCHAR'" for h in [*names, *slots])
    extra = f"COALESCE({', '.join(_ident(e) for e in slots)})"  # an empty field is NULL
    wanted = ", ".join([*(["row_number() OVER () AS _row"] if numbered else []),
                        *(f"{_ident(src)} AS {_ident(canon)}" for canon, src in select.items()),
                        f"{extra} AS _extra"])
    return (
        f"SELECT {wanted} FROM read_csv({quote(str(path))}, "
        f"header = true, auto_detect = false, delim = {quote(dialect.delimiter)}, "
        f"quote = '\"', escape = '\"', encoding = {quote(dialect.encoding)}, "
        f"columns = {{{types}}}, null_padding = true, strict_mode = false, "
        f"parallel = {str(parallel and not dialect.quoted_newlines).lower()})"
    )


PARALLEL_REFUSED = "parallel scanner does not support null_padding"


def blank_lines(con: Any, path: Path, dialect: CsvDialect, records: int) -> int:
    """How many empty lines lie between a CSV's records (outside quoted values).

    DuckDB's reader passes over them without a row, so a connector that wants its account
    to add up reports them: ``context.skip("blank line", blank_lines(...))``. ``records`` is
    the number of rows its :func:`read_csv_sql` read returned. When the file has exactly
    one line per record and one for the header, there is none: a byte count answers it
    (0.1 s per 100 MiB). Otherwise (blank lines, or line breaks inside quoted values) the
    file is read once more, its first column only (DuckDB then keeps empty lines as rows),
    quotes honoured so that a blank line inside a quoted value is not counted."""
    if dialect.encoding != "utf-16" and _line_count(path) == records + 1:
        return 0  # (a file with a carriage return alone has no line count: never equal)
    lines = con.execute(
        f"SELECT count(*) FROM read_csv({_quote(str(path))}, header = false, "
        f"auto_detect = false, delim = {_quote(dialect.delimiter)}, quote = '\"', "
        f"escape = '\"', encoding = {_quote(dialect.encoding)}, columns = {{'line': 'VARCHAR'}}, "
        f"strict_mode = false, parallel = false)").fetchone()[0]
    return max(0, lines - 1 - records)


def line_of_record(path: Path, dialect: CsvDialect, number: int) -> int | None:
    """The file line on which record ``number`` starts, counted as DuckDB counts in its
    errors ("CSV Error on Line: N": the header is 1, a blank line counts, a line break
    inside a quoted value does not); None when the file cannot be followed that far.
    Reads the file up to that record: for error messages only."""
    before = n = 0
    try:
        with path.open(encoding=_python_encoding(dialect.encoding), errors="replace",
                       newline="") as handle:
            reader = csv.reader(handle, delimiter=dialect.delimiter)
            for n, _ in enumerate(reader, 1):
                if n == number:
                    return before + 1
                before = reader.line_num
    except csv.Error:  # a field over the csv module's limit: an unclosed quote
        return before + 1 if n + 1 == number else None
    except OSError:
        return None
    return None


def report_blank_lines(context: LoadContext, source: Source, dialect: CsvDialect,
                       relation: str | None = None) -> None:
    """Count the empty lines DuckDB's reader passes over as skipped rows, so that the
    account adds up. Runs once the core has read the connector's relation and knows how
    many rows it held (:meth:`LoadContext.when_read`): the file's records are those rows
    and the rows the connector skipped; a byte count of the file when it has no blank line.
    ``relation`` is accepted for compatibility and not read."""
    def count(rows: int) -> None:
        records = rows + sum(s.count for s in context.skipped.values()
                             if s.reason != "blank line")
        blank = blank_lines(context.con, source.path, dialect, records)
        if blank:
            context.skip("blank line", blank)

    context.when_read(count)


def _line_count(path: Path) -> int:
    """Lines in a file: line feeds, plus one for a last line without one; -1 when a
    carriage return stands alone somewhere (DuckDB ends a line there too)."""
    count, returns, pairs, last = 0, 0, 0, b""
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 22):
            count += chunk.count(b"\n")
            if b"\r" in chunk:  # a pair cut by the chunk's end only costs the shortcut
                returns += chunk.count(b"\r")
                pairs += chunk.count(b"\r\n")
            last = chunk[-1:]
    if returns != pairs:
        return -1
    return count + (1 if last and last != b"\n" else 0)


def require_columns(source: Source, dialect: CsvDialect, wanted: Mapping[str, str]) -> None:
    """One clear error when a mapped source column is not in the file's header, or is in it
    more than once (which of the two would be read is not for us to guess)."""
    header = set(dialect.header)
    for canonical, column in wanted.items():
        if dialect.header.count(column) > 1:
            at = ", ".join(str(n) for n, h in enumerate(dialect.header, 1) if h == column)
            raise UserError(
                f"column {column!r} (mapped to {source.table}.{canonical}) appears "
                f"{dialect.header.count(column)} times in the header (columns {at}); rename "
                "all but one", Location(source.display, 1))
        if column not in header:
            import difflib

            close = difflib.get_close_matches(column, list(dialect.header), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise UserError(
                f"{source.display}: column {column!r} (mapped to {source.table}.{canonical}) "
                f"is not in the file's header; {hint}columns: {', '.join(dialect.header)}",
                source.location_of("columns", canonical))


def match_header(dialect: CsvDialect, aliases: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """Canonical column -> header column, matching each alias case- and space-insensitively
    (first alias found wins); canonical names themselves always match."""
    def norm(s: str) -> str:
        return "".join(ch for ch in s.lower() if ch.isalnum())

    by_norm = {}
    for h in dialect.header:
        by_norm.setdefault(norm(h), h)
    out = {}
    for canonical, names in aliases.items():
        for name in (canonical, *names):
            if norm(name) in by_norm:
                out[canonical] = by_norm[norm(name)]
                break
    return out


def create_view(context: LoadContext, source: Source, sql: str) -> str:
    """Create the connector's output view from ``sql`` and return its name."""
    name = context.relation_name(source)
    context.con.execute(f"CREATE OR REPLACE TEMP VIEW {_ident(name)} AS {sql}")
    return name


def canonical_columns(table: str) -> list[str]:
    """Column names of a canonical table, from its schema in ``schemas/tables/``."""
    from enableframe.resources import table_columns

    return list(table_columns(table))


# -- SQL helpers for connectors that map CRM exports -----------------------------------------
# Values from a workspace (a user's stage names) reach SQL only through these.

def sql_literal(value: Any) -> str:
    """A SQL string literal (standard quoting: DuckDB has no backslash escapes)."""
    return _quote(str(value))


def sql_ident(name: str) -> str:
    """A quoted SQL identifier."""
    return _ident(name)


def sql_text(expr: str) -> str:
    """The text of ``expr`` trimmed, NULL when empty."""
    return f"NULLIF(trim({expr}), '')"


def sql_normalised(expr: str) -> str:
    """Lower case without spaces and separators ("Closed - Won" -> "closedwon"); measured on
    a million rows, replace() is 2x cheaper than a regular expression, 4x than translate()."""
    for sep in (" ", "-", "_", "/", "."):
        expr = f"replace({expr}, '{sep}', '')"
    return f"lower({expr})"


def sql_flag(expr: str) -> str:
    """A CRM's yes/no column as a boolean (true/1/yes/y, false/0/no/n, else NULL)."""
    low = f"lower(trim({expr}))"
    return (f"CASE WHEN {low} IN ('true', '1', 'yes', 'y') THEN true "
            f"WHEN {low} IN ('false', '0', 'no', 'n') THEN false END")


def sql_value_map(source: Source, column: str, expr: str) -> tuple[str, str]:
    """(condition, value): the workspace's ``values`` mapping of ``column`` on ``expr``."""
    mapping = (source.options.get("values") or {}).get(column) or {}
    if not mapping:
        return "false", "NULL"
    keys = ", ".join(sql_literal(k) for k in mapping)
    cases = " ".join(f"WHEN {sql_literal(k)} THEN {'NULL' if v is None else sql_literal(v)}"
                     for k, v in mapping.items())
    return f"coalesce({expr} IN ({keys}), false)", f"CASE {expr} {cases} END"


def export_columns(source: Source, headers: Mapping[str, Sequence[str]]
                   ) -> tuple[dict[str, str], CsvDialect]:
    """Canonical name -> export header for a CRM export: the standard headers found
    (``headers``: canonical name -> the labels and API names it goes by), then the
    workspace's ``columns`` overrides (``null`` unmaps one); and the file's dialect."""
    opts = source.options
    dialect = sniff_csv(source.path, delimiter=opts.get("delimiter"),
                        encoding=opts.get("encoding"))
    mapping = match_header(dialect, headers)
    overrides = opts.get("columns") or {}
    for canonical, column in overrides.items():
        if column is None:
            mapping.pop(canonical, None)
        else:
            mapping[canonical] = column
    require_columns(source, dialect, mapping)
    return mapping, dialect


# -- option schemas -------------------------------------------------------------------------

CSV_OPTIONS: dict[str, Any] = {
    "values": {
        "type": "object",
        "description": "Per canonical column, source value -> canonical value (null: empty).",
        "additionalProperties": {"type": "object",
                                 "additionalProperties": {"type": ["string", "null"]}},
    },
    "date_format": {
        "description": "strptime format(s) tried after ISO dates, e.g. '%m/%d/%Y'.",
        "oneOf": [{"type": "string"},
                  {"type": "array", "items": {"type": "string"}, "minItems": 1}],
    },
    "decimal_comma": {"type": "boolean",
                      "description": "Numbers are written 1.234,56 (European)."},
    "delimiter": {"type": "string", "minLength": 1, "maxLength": 1,
                  "description": "Field delimiter; sniffed when omitted."},
    "encoding": {"enum": ["utf-8", "utf-16", "latin-1"],
                 "description": "File encoding; sniffed (BOM, UTF-8, else Latin-1) when omitted."},
}


def csv_options_schema(**extra: Any) -> dict[str, Any]:
    """The JSON Schema of a CSV connector's options: :data:`CSV_OPTIONS` (values,
    date_format, decimal_comma, delimiter, encoding) and the connector's own ``extra``."""
    return {"type": "object", "additionalProperties": False,
            "properties": {**CSV_OPTIONS, **extra}}


# -- reading a CRM export once --------------------------------------------------------------

def read_export(context: LoadContext, source: Source, dialect: CsvDialect,
                mapping: Mapping[str, str], layers: Sequence[Mapping[str, str]],
                spent: Sequence[str] = ()) -> str:
    """Read a CRM export once into a temporary table and return its name: ``_row``, the
    mapped columns as text under canonical names, ``_first`` (the first
    column), ``_filled`` (how many columns read hold a value) and each layer's columns,
    computed from the layers before it so that every per-row value is computed once.
    Columns named in ``spent`` (inputs of derived values) are dropped at the end.

    The file is read in parallel when ``context.parallel`` allows; ``_row`` is the row's
    position in a table of the plain read, which keeps the file's order."""
    select = {**mapping, "_first": dialect.header[0]}
    one_per_column: dict[str, str] = {}  # a header column may feed several names
    for canonical, column in select.items():
        one_per_column.setdefault(column, canonical)
    filled = " + ".join(f"({sql_text(sql_ident(c))} IS NOT NULL)::INTEGER"
                        for c in one_per_column.values())
    con = context.con
    name = f"{context.relation_name(source)}_export"
    raw = sql_ident(name + "_read")
    # the plain read keeps the file's order, so a row's position is its number; the layers
    # may not (DuckDB turns an IN list of five values into a join): number before them
    con.execute(f"CREATE OR REPLACE TEMP TABLE {raw} AS "
                + read_csv_sql(source.path, dialect, select, numbered=False,
                               parallel=context.parallel))
    base = con.execute(f"SELECT min(rowid) FROM {raw}").fetchone()[0] or 0  # see conform
    sql = f"SELECT rowid - {base} + 1 AS _row, *, {filled} AS _filled FROM {raw}"
    present = set(mapping)
    for layer in layers:
        if layer:
            cols = ", ".join(f"{expr} AS {sql_ident(name)}" for name, expr in layer.items())
            sql = f"SELECT *, {cols} FROM ({sql})"
            present |= set(layer)
    dropped = [sql_ident(c) for c in spent if c in present]
    if dropped:
        sql = f"SELECT * EXCLUDE ({', '.join(dropped)}) FROM ({sql})"
    con.execute(f"CREATE OR REPLACE TEMP TABLE {sql_ident(name)} AS {sql}")
    con.execute(f"DROP TABLE {raw}")
    return sql_ident(name)


def report_repairs(context: LoadContext, table: str, keep: str,
                   repairs: Sequence[str]) -> None:
    """Count the rows of ``table`` matching ``keep`` that each repair expression (a reason
    or NULL per row) applies to, as :meth:`LoadContext.repair` entries."""
    if not repairs:
        return
    for why, count, samples in context.con.execute(
            f"SELECT reason, count(*), list(_row ORDER BY _row)[1:5] FROM "
            f"(SELECT _row, unnest([{', '.join(repairs)}]) AS reason FROM {table} "
            f"WHERE {keep}) WHERE reason IS NOT NULL "
            f"GROUP BY reason ORDER BY count(*) DESC, reason").fetchall():
        context.repair(why, count, samples)


def deal_type_layers(source: Source, types: Mapping[str, str]
                     ) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """The (raw, normalised, final) layer columns mapping an export's deal type onto the
    canonical one: the workspace's ``values: {type: ...}`` first, then ``types``
    (normalised export value -> canonical type). ``_type_mapped`` says a user mapping hit."""
    user_cond, user_value = sql_value_map(source, "type", "_type_name")
    by_type: dict[str, list[str]] = {}
    for key, canonical in types.items():
        by_type.setdefault(canonical, []).append(key)
    known = " ".join(f"WHEN _type_norm IN ({', '.join(sql_literal(k) for k in keys)}) "
                     f"THEN {sql_literal(canonical)}" for canonical, keys in by_type.items())
    return ({"_type_name": sql_text(sql_ident("type"))},
            {"_type_norm": sql_normalised("_type_name")},
            {"_type": f"CASE WHEN {user_cond} THEN {user_value} {known} END",
             "_type_mapped": user_cond})
