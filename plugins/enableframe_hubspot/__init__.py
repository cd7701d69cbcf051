"""Built-in plugin: the ``hubspot-deals`` connector.

Reads a HubSpot deals export (choose CSV as the file format) into ``opportunities``. Uses
only enableframe's public API (``hookimpl`` and ``enableframe.connectors``); all row work is
DuckDB SQL.

Headers: the export's property labels (``Record ID``, ``Deal Stage``, ``Create Date``,
``Close Date``, ``Deal owner``, ``Pipeline``, ``Deal Type``, ``Associated Company``...) or
internal names (``hs_object_id``, ``dealstage``, ``createdate``...), matched ignoring case,
spaces and punctuation; ``columns`` overrides any of them (``null`` unmaps one).

Decisions, and why:

- **stage**: ``Is Closed Won`` / ``Is Deal Closed?`` (``hs_is_closed_won``,
  ``hs_is_closed``) decide when the export has them: HubSpot computes them from each
  stage's closed-won / closed-lost setting, custom pipelines included. Otherwise
  ``values: {stage: ...}`` first, then the default sales pipeline's stages, by label or
  internal name (a trailing "(Pipeline name)" ignored): Closed Won / closedwon -> won,
  Closed Lost / closedlost -> lost, Appointment Scheduled, Qualified To Buy, Presentation
  Scheduled, Decision Maker Bought-In, Contract Sent -> open. Any other stage (a custom
  pipeline's) is passed on unmapped, so the core rejects it as an unknown stage value with
  a hint to map it: whether it is open or closed cannot be known from its name.
- **close date**: on an open deal HubSpot's Close Date is the *expected* close date, so
  it is cleared; each cleared row is reported as a repair.
- **pipeline -> channel**: a pipeline is a sales process (partner deals, self-serve,
  renewals), which is what the canonical ``channel`` (route to market) describes; the
  customer segment belongs to the company, not the deal. Use ``columns: {channel: null,
  segment: Pipeline}`` when a company's pipelines are segments.
- **type**: ``values: {type: ...}`` first, then New Business / newbusiness ->
  new_business, Upsell / Upgrade -> upsell, Cross-sell -> cross_sell, Renewal ->
  renewal. HubSpot's default "Existing Business" (existingbusiness) does not say whether
  a deal is an upsell, cross-sell or renewal: its type is left empty and reported as a
  repair, as is any other value; the deal stays.
- **dates**: HubSpot exports ISO dates and times (2024-01-31 or 2024-01-31 14:05); a
  file re-saved in a local format needs ``date_format``.
- Rows with no value in any column read are skipped as "empty row", empty lines as
  "blank line": nothing is dropped without a count.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from enableframe import hookimpl
from enableframe.connectors import (
    LoadContext,
    Source,
    blank_lines,
    create_view,
    csv_options_schema,
    deal_type_layers,
    export_columns,
    read_export,
    report_repairs,
    sql_flag as _flag,
    sql_ident as _ident,
    sql_literal as _lit,
    sql_normalised as _norm,
    sql_text as _text,
    sql_value_map as _user_map,
)

HEADERS: dict[str, tuple[str, ...]] = {
    "id": ("Record ID", "Deal ID", "hs_object_id", "dealId"),
    "account": ("Associated Company", "Associated Company (Primary)",
                "Associated Company Name", "Company Name", "Company"),
    "owner": ("Deal owner", "hubspot_owner_id", "HubSpot Owner", "Owner"),
    "stage": ("Deal Stage", "dealstage"),
    "is_closed_won": ("Is Closed Won", "hs_is_closed_won"),
    "is_closed": ("Is Deal Closed?", "Is Closed", "hs_is_closed"),
    "amount": ("Amount", "Amount in company currency", "amount_in_home_currency"),
    "created_at": ("Create Date", "Created Date", "createdate"),
    "closed_at": ("Close Date", "closedate"),
    "type": ("Deal Type", "dealtype"),
    "product": ("Product", "Associated Product"),
    "channel": ("Pipeline",),
    "segment": (),
}
FLAGS = ("is_closed_won", "is_closed")
OPEN_STAGES = ("appointmentscheduled", "qualifiedtobuy", "presentationscheduled",
               "decisionmakerboughtin", "contractsent")
# Deal Type value, normalised by _norm (lower case, no spaces or - _ / .) -> canonical type
TYPES = {
    "newbusiness": "new_business", "new": "new_business",
    "upsell": "upsell", "upgrade": "upsell", "expansion": "upsell",
    "existingbusinessupsell": "upsell", "existingbusinessupgrade": "upsell",
    "crosssell": "cross_sell", "existingbusinesscrosssell": "cross_sell",
    "renewal": "renewal", "existingbusinessrenewal": "renewal",
}
SPENT = ("is_closed_won", "is_closed", "stage", "type", "_is_closed_won", "_is_closed",
         "_stage_name", "_stage_norm", "_type_norm")
CLEARED = "close date of an open deal is its expected close date: cleared"
TYPE_LEFT_EMPTY = ("type value '", "' is not new business, upsell, cross-sell or renewal: left "
                   "empty (map it under values: type)")

OPTIONS_SCHEMA: dict[str, Any] = csv_options_schema(**{
    "columns": {
        "type": "object",
        "description": "Canonical column (or is_closed_won / is_closed) -> export "
                       "header, overriding the standard labels; null unmaps.",
        "propertyNames": {"enum": sorted(HEADERS)},
        "additionalProperties": {"type": ["string", "null"]},
    },
})














def _layers(source: Source, mapping: Mapping[str, str]) -> list[dict[str, str]]:
    """Per-row stage and type, in three layers so each input is read and normalised once."""
    raw: dict[str, str] = {}
    normalised: dict[str, str] = {}
    final: dict[str, str] = {}
    if {"stage", *FLAGS} & set(mapping):
        for flag in FLAGS:
            raw[f"_{flag}"] = _flag(_ident(flag)) if flag in mapping else "NULL::BOOLEAN"
        raw["_stage_name"] = _text(_ident("stage")) if "stage" in mapping else "NULL::VARCHAR"
        # "Closed Won (Sales Pipeline)": the label with its pipeline's name
        normalised["_stage_norm"] = _norm(
            r"CASE WHEN _stage_name LIKE '%)' THEN "
            r"regexp_replace(_stage_name, '\s*\([^()]*\)$', '') ELSE _stage_name END")
        user_cond, user_value = _user_map(source, "stage", "_stage_name")
        opens = ", ".join(_lit(s) for s in OPEN_STAGES)
        final["_stage"] = (
            "CASE WHEN _is_closed_won THEN 'won' "
            "WHEN _is_closed AND NOT _is_closed_won THEN 'lost' "
            "WHEN NOT _is_closed THEN 'open' "
            f"WHEN {user_cond} THEN {user_value} "
            "WHEN _stage_norm = 'closedwon' THEN 'won' "
            "WHEN _stage_norm = 'closedlost' THEN 'lost' "
            f"WHEN _stage_norm IN ({opens}) THEN 'open' "
            "ELSE _stage_name END")
    if "type" in mapping:
        for layer, columns in zip((raw, normalised, final), deal_type_layers(source, TYPES),
                                  strict=True):
            layer.update(columns)
    return [raw, normalised, final]


class HubspotDealsConnector:
    """A HubSpot deals export (CSV)."""

    name = "hubspot-deals"
    tables = ("opportunities",)
    options_schema = OPTIONS_SCHEMA

    def load(self, source: Source, context: LoadContext) -> str:
        con = context.con
        mapping, dialect = export_columns(source, HEADERS)

        # read the export once, each per-row value computed once; the counts below are
        # queries on this table
        layers = _layers(source, mapping)
        table = read_export(context, source, dialect, mapping, layers, SPENT)

        records, empty, samples = con.execute(
            f"SELECT count(*), count(*) FILTER (WHERE _filled = 0), "
            f"list(_row ORDER BY _row) FILTER (WHERE _filled = 0)[1:5] "
            f"FROM {table}").fetchone()
        context.skip("empty row (no value in any column read)", empty, samples)
        context.skip("blank line", blank_lines(con, source.path, dialect, records))

        derived = {name for layer in layers for name in layer}
        outputs = [_ident(c) for c in mapping
                   if c not in (*FLAGS, "stage", "type", "closed_at")]
        repairs = []
        if "_stage" in derived:
            outputs.append("_stage AS stage")
        if "closed_at" in mapping:
            closed = _ident("closed_at")
            if "_stage" in derived:
                repairs.append(f"CASE WHEN _stage = 'open' AND {_text(closed)} IS NOT NULL "
                               f"THEN {_lit(CLEARED)} END")
                closed = f"CASE WHEN _stage = 'open' THEN NULL ELSE {closed} END"
            outputs.append(f"{closed} AS closed_at")
        if "_type" in derived:
            outputs.append("_type AS type")
            repairs.append(f"CASE WHEN _type_name IS NOT NULL AND NOT _type_mapped AND _type "
                           f"IS NULL THEN {_lit(TYPE_LEFT_EMPTY[0])} || _type_name || "
                           f"{_lit(TYPE_LEFT_EMPTY[1])} END")
        report_repairs(context, table, "_filled > 0", repairs)
        # _extra: fields beyond the header, which the core rejects by name
        return create_view(context, source, f"SELECT _row, _extra, {', '.join(outputs)} "
                                            f"FROM {table} WHERE _filled > 0")


@hookimpl
def enableframe_register_connectors(register) -> None:
    register(HubspotDealsConnector())
