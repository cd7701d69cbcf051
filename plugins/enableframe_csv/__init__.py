"""Built-in plugin: the generic ``csv`` connector and ``requests-csv`` for intake logs.

Uses only enableframe's public API (``hookimpl`` and ``enableframe.connectors``).
"""

from __future__ import annotations

from typing import ClassVar

from enableframe import hookimpl
from enableframe.connectors import (
    CsvDialect,
    LoadContext,
    Source,
    canonical_columns,
    create_view,
    csv_options_schema,
    match_header,
    read_csv_sql,
    report_blank_lines,
    require_columns,
    sniff_csv,
)

TABLES = ("opportunities", "sellers", "learning_records", "content_events", "requests")

class CsvConnector:
    """Any CSV export, with an explicit column mapping (canonical: source column)."""

    name = "csv"
    tables = TABLES
    options_schema = csv_options_schema(**{
        "columns": {"type": "object", "additionalProperties": {"type": "string"},
                    "description": "Canonical column -> source header; unmapped canonical "
                                   "columns are taken from a header of the same name."},
    })

    def load(self, source: Source, context: LoadContext) -> str:
        opts = source.options
        dialect = sniff_csv(source.path, delimiter=opts.get("delimiter"),
                            encoding=opts.get("encoding"))
        mapping = dict(opts.get("columns") or {})
        for column in dialect.header:  # same-named columns need no mapping
            if column in canonical_columns(source.table) and column not in mapping:
                mapping[column] = column
        return self.read(context, source, dialect, mapping)

    @staticmethod
    def read(context: LoadContext, source: Source, dialect: CsvDialect,
             mapping: dict[str, str]) -> str:
        """The file as a view of the mapped columns; blank lines counted once read."""
        require_columns(source, dialect, mapping)
        relation = create_view(context, source, read_csv_sql(
            source.path, dialect, mapping, numbered=False, parallel=context.parallel))
        report_blank_lines(context, source, dialect)
        return relation


class RequestsCsvConnector(CsvConnector):
    """An enablement intake log (Jira, a form, a spreadsheet) exported as CSV; common
    header names are recognised, ``columns`` overrides them."""

    name = "requests-csv"
    tables = ("requests",)
    ALIASES: ClassVar[dict[str, tuple[str, ...]]] = {
        "id": ("request id", "key", "issue key", "ticket", "number"),
        "requester_team": ("team", "requester team", "requesting team", "department"),
        "title": ("summary", "subject", "request"),
        "description": ("details", "body"),
        "category": ("type", "issue type", "request type"),
        "created_at": ("created", "date", "submitted", "created date", "requested on"),
        "effort": ("hours", "effort hours", "time spent", "estimate"),
    }

    def load(self, source: Source, context: LoadContext) -> str:
        opts = source.options
        dialect = sniff_csv(source.path, delimiter=opts.get("delimiter"),
                            encoding=opts.get("encoding"))
        mapping = {**match_header(dialect, self.ALIASES), **(opts.get("columns") or {})}
        return self.read(context, source, dialect, mapping)


@hookimpl
def enableframe_register_connectors(register) -> None:
    register(CsvConnector())
    register(RequestsCsvConnector())
