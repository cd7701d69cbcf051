"""SQL for each built-in metric kind, over the canonical tables, grouped by a breakdown.

Filters come from structured YAML (``where:``) and become parameterised SQL: values are
always parameters, column names are checked against the table schemas at validation and
quoted here. No SQL text from a ruleset ever reaches the database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from enableframe.periods import Period

# the column of each table that names the seller a row belongs to
SELLER_KEY = {"opportunities": "owner", "learning_records": "learner",
              "content_events": "user", "sellers": "id"}
SELLER_DIMS = {"team", "manager", "region", "role"}
TIME_DIMS = {"quarter", "month"}
ROW_DIMS = {"segment", "product", "type", "channel"}
MEASURES = {"days_to_close": "date_diff('day', t.created_at, t.closed_at)"}
TIMESTAMP_COLUMNS = {("learning_records", "time"), ("content_events", "time")}


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass
class Query:
    """SQL text and its parameters, built piece by piece."""

    parts: list[str] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)

    def add(self, sql: str, *params: Any) -> Query:
        self.parts.append(sql)
        self.params.extend(params)
        return self

    @property
    def sql(self) -> str:
        return " ".join(self.parts)


def where_sql(where: Mapping[str, Any] | None, alias: str, params: list[Any]) -> str:
    """``a.col = ? AND ...`` for a structured filter; appends values to ``params``."""
    clauses = ["TRUE"]
    for column, cond in (where or {}).items():
        col = f"{alias}.{ident(column)}"
        if isinstance(cond, Mapping):
            for op, value in cond.items():
                clauses.append(_op(col, op, value, params))
        elif isinstance(cond, list):
            clauses.append(_op(col, "in", cond, params))
        elif cond is None:
            clauses.append(f"{col} IS NULL")
        else:
            clauses.append(f"{col} = ?")
            params.append(cond)
    return " AND ".join(clauses)


def _op(col: str, op: str, value: Any, params: list[Any]) -> str:
    if op == "is_null":
        return f"{col} IS NULL" if value else f"{col} IS NOT NULL"
    if op in ("in", "not_in"):
        params.extend(value)
        marks = ", ".join("?" for _ in value)
        return f"{col} {'NOT ' if op == 'not_in' else ''}IN ({marks})"
    sql_op = {"eq": "=", "ne": "<>", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}[op]
    params.append(value)
    return f"{col} {sql_op} ?"


def period_sql(table: str, column: str | None, alias: str, period: Period,
               params: list[Any]) -> str:
    """Rows whose ``column`` date falls in the period (TRUE when the metric has none)."""
    if not column:
        return "TRUE"
    col = f"{alias}.{ident(column)}"
    if (table, column) in TIMESTAMP_COLUMNS:
        col = f"CAST({col} AS DATE)"
    params.extend([period.start, period.end])
    return f"{col} BETWEEN ? AND ?"


def bucket_sql(expr: str, per: str) -> str:
    """A text label of the month or quarter of a date expression."""
    if per == "month":
        return f"strftime({expr}, '%Y-%m')"
    if per == "year":
        return f"CAST(year({expr}) AS VARCHAR)"
    return f"CAST(year({expr}) AS VARCHAR) || '-Q' || CAST(quarter({expr}) AS VARCHAR)"


def group_sql(by: str | None, table: str, anchor: str | None, alias: str = "t",
              seller: str = "s") -> str | None:
    """The expression grouping rows for a breakdown, or None when it does not apply."""
    if by is None:
        return "'all'"
    if by in SELLER_DIMS:
        return f"COALESCE(CAST({seller}.{ident(by)} AS VARCHAR), '(none)')"
    if by in TIME_DIMS:
        if not anchor:
            return None
        return bucket_sql(f"{alias}.{ident(anchor)}", by)
    if by in ROW_DIMS and table == "opportunities":
        return f"COALESCE(CAST({alias}.{ident(by)} AS VARCHAR), '(none)')"
    return None


def seller_join(table: str, alias: str = "t", seller: str = "s") -> str:
    key = SELLER_KEY.get(table)
    if table == "sellers" or key is None:
        return ""
    return f"LEFT JOIN sellers {seller} ON {seller}.id = {alias}.{ident(key)}"


def base_query(metric: Mapping[str, Any], period: Period, by: str | None,
               params: list[Any]) -> str | None:
    """``FROM table t [JOIN sellers s] WHERE period AND where`` with ``_grp``, as a
    sub-select, or None when the breakdown does not apply to this metric."""
    table = metric["table"]
    grp = group_sql(by, table, metric.get("anchor"))
    if grp is None:
        return None
    join = seller_join(table) if by in SELLER_DIMS else ""
    if table == "sellers" and by in SELLER_DIMS:
        grp = grp.replace("s.", "t.")
    when = period_sql(table, metric.get("anchor"), "t", period, params)
    filt = where_sql(metric.get("where"), "t", params)
    return f"(SELECT t.*, {grp} AS _grp FROM {ident(table)} t {join} WHERE {when} AND {filt})"
