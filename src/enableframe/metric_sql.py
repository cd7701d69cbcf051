"""SQL for each built-in metric kind, over the canonical tables, grouped by a breakdown.

Filters come from structured YAML (``where:``) and become parameterised SQL: values are
always parameters, column names are checked against the table schemas at validation and
quoted here. No SQL text from a ruleset ever reaches the database.

A metric is computed for its period and the comparison periods in one statement: the
periods are a small table ``p(_per, _start, _end)`` joined to the rows dated in them, and
``_per`` (the period's index) leads every group.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
GRAIN = {"month": 1, "quarter": 2, "year": 3, "period": 4}
MONTHS = {"month": 1, "quarter": 3, "year": 12}


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


def any_where(wheres: Sequence[Mapping[str, Any] | None], alias: str,
              params: list[Any]) -> str:
    """The rows matching any of the structured filters (``TRUE`` when one is empty)."""
    conds: dict[tuple[str, str], list[Any]] = {}
    for where in wheres:
        own: list[Any] = []
        cond = where_sql(where, alias, own)
        if cond == "TRUE":
            return cond
        conds[(cond, repr(own))] = own
    for own in conds.values():
        params.extend(own)
    return " OR ".join(f"({cond})" for cond, _ in conds)


class Flags:
    """Filter conditions as boolean columns ``_f0, _f1, ...``, each computed once per row:
    the metrics sharing a scan filter many aggregates on the same ``stage = 'won'``."""

    def __init__(self, alias: str = "t") -> None:
        self.alias = alias
        self.conds: dict[tuple[str, str], tuple[str, list[Any]]] = {}

    def filtered(self, agg: str, wheres: Sequence[Mapping[str, Any] | None]) -> str:
        """``agg FILTER (WHERE _f<i>)`` over the rows matching every structured filter."""
        params: list[Any] = []
        conds = [c for c in (where_sql(w, self.alias, params) for w in wheres) if c != "TRUE"]
        if not conds:
            return agg
        cond = " AND ".join(f"({c})" for c in conds)
        name, _ = self.conds.setdefault((cond, repr(params)), (f"_f{len(self.conds)}", params))
        return f"{agg} FILTER (WHERE {name})"

    def columns(self, params: list[Any]) -> str:
        """``, <condition> AS _f<i>`` for a select list; appends the parameters."""
        for _, own in self.conds.values():
            params.extend(own)
        return "".join(f", {cond} AS {name}" for (cond, _), (name, _) in self.conds.items())


def _value_expr(metric: Mapping[str, Any]) -> str:
    if metric.get("measure"):
        return MEASURES[metric["measure"]]
    return f"t.{ident(metric['column'])}"


def _aggregate(kind: str, expr: str, p: float | None = None) -> str:
    return {"sum": f"sum({expr})", "mean": f"avg({expr})", "median": f"median({expr})",
            "percentile": f"quantile_cont({expr}, {float(p or 0.5)})",
            "count": "count(*)"}[kind]


def _count(spec: Mapping[str, Any]) -> str:
    return f"count(DISTINCT t.{ident(spec['column'])})" if spec.get("distinct") else "count(*)"


def aggregates(metric: Mapping[str, Any], flags: Flags) -> str:
    """``value, rows`` of a count, sum, mean, median, percentile or ratio metric, its
    ``where`` a filter: metrics of one table and date then share a scan."""
    where, kind = metric.get("where"), metric["kind"]
    if kind == "ratio":
        num, den = metric["numerator"], metric["denominator"]
        num_agg, den_agg = (_count(s) if s["agg"] == "count" else
                            _aggregate(s["agg"], f"t.{ident(s['column'])}") for s in (num, den))
        value = (f"CAST({flags.filtered(num_agg, [where, num.get('where')])} AS DOUBLE) / "
                 f"NULLIF({flags.filtered(den_agg, [where, den.get('where')])}, 0)")
        return f"{value}, {flags.filtered('count(*)', [where, den.get('where')])}"
    if kind == "count":
        return f"{flags.filtered(_count(metric), [where])}, {flags.filtered('count(*)', [where])}"
    expr = _value_expr(metric)
    return (f"{flags.filtered(_aggregate(kind, expr, metric.get('p')), [where])}, "
            f"{flags.filtered(f'count({expr})', [where])}")


def periods_table(periods: Sequence[Period]) -> str:
    """The periods as a table ``p(_per, _start, _end)``, ``_per`` the index in ``periods``."""
    values = ", ".join(f"({i}, DATE '{p.start.isoformat()}', DATE '{p.end.isoformat()}')"
                       for i, p in enumerate(periods))
    return f"(VALUES {values}) p(_per, _start, _end)"


def periods_join(table: str, column: str | None, alias: str,
                 periods: Sequence[Period]) -> str:
    """Join the periods ``p``: each row once for every period its ``column`` date falls in
    (the comparison periods may overlap: a year and the year before it); every row in every
    period when the metric has no date."""
    if not column:
        return f"CROSS JOIN {periods_table(periods)}"
    return (f"JOIN {periods_table(periods)} ON {_date(table, column, alias)} "
            "BETWEEN p._start AND p._end")


def periods_with_rows(table: str, column: str, alias: str, periods: Sequence[Period]) -> str:
    """A query of the index ``_per`` of each period with a row of ``table`` dated in it:
    one ``EXISTS`` per period, each stopping at its first row."""
    return " UNION ALL ".join(
        f"SELECT {i} AS _per WHERE EXISTS (SELECT 1 FROM {ident(table)} {alias} WHERE "
        f"{_date(table, column, alias)} BETWEEN DATE '{p.start.isoformat()}' "
        f"AND DATE '{p.end.isoformat()}')" for i, p in enumerate(periods))


def _date(table: str, column: str, alias: str) -> str:
    col = f"{alias}.{ident(column)}"
    return f"CAST({col} AS DATE)" if (table, column) in TIMESTAMP_COLUMNS else col


def bucket_sql(expr: str, per: str) -> str:
    """A text label of the month or quarter of a date expression."""
    if per == "month":
        return f"strftime({expr}, '%Y-%m')"
    if per == "year":
        return f"CAST(year({expr}) AS VARCHAR)"
    return f"CAST(year({expr}) AS VARCHAR) || '-Q' || CAST(quarter({expr}) AS VARCHAR)"


def bucket_of(expr: str, per: str) -> str:
    """The ``per`` bucket of a date as its first day (cheaper to compute and group by than
    a text label); one bucket for the whole period."""
    return "'period'" if per == "period" else f"date_trunc('{per}', {expr})"


def buckets(periods: Sequence[Period], per: str) -> str:
    """A query of the ``per`` buckets of each period: its index ``_per``, ``b`` (as
    :func:`bucket_of`), the first day in the period ``d0`` (so a breakdown by a coarser
    grain can group them), the period's last day ``_end`` and the bucket's length in
    months (the whole period's when ``per`` is ``period``)."""
    parts = []
    for i, period in enumerate(periods):
        start, end = f"DATE '{period.start.isoformat()}'", f"DATE '{period.end.isoformat()}'"
        if per == "period":
            months = max(1, round(((period.end - period.start).days + 1) / 30.4375))
            parts.append(f"SELECT {i} AS _per, 'period' AS b, {start} AS d0, {end} AS _end, "
                         f"{months} AS _months")
        else:
            parts.append(f"SELECT {i} AS _per, {bucket_of('d', per)} AS b, min(d) AS d0, "
                         f"{end} AS _end, {MONTHS[per]} AS _months FROM generate_series("
                         f"{start}, {end}, INTERVAL 1 DAY) g(d) GROUP BY 2")
    return " UNION ALL ".join(parts)


def started(alias: str, per: str) -> str:
    """The seller had started by the end of the bucket ``p`` (a row of :func:`buckets`, or
    of :func:`periods_table` for the whole period): a 2025 hire is not a zero in 2024."""
    span = {"month": "1 MONTH", "quarter": "3 MONTH", "year": "1 YEAR"}.get(per)
    end = f"p.d0 + INTERVAL {span}" if span else "p._end + INTERVAL 1 DAY"
    return f"({alias}.start_date IS NULL OR {alias}.start_date < {end})"


def time_group(by: str, per: str) -> str | None:
    """Group buckets by a time breakdown; None when the breakdown is finer than the
    buckets (per-quarter attainment has no per-month value)."""
    if GRAIN[by] < GRAIN[per]:
        return None
    return bucket_sql("p.d0", by)


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
