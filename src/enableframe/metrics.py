"""Compute a ruleset's metrics over the canonical tables, in DuckDB, with their evidence.

Metrics are evaluated in the model graph's order (a formula after its inputs). A metric
whose source is missing, or whose inputs have no rows in the period, is ``unknown`` with the
reason: never 0 and never an exception. Every value carries its evidence: definition,
period, rows behind it and source tables.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from enableframe.metric_sql import (
    MEASURES,
    SELLER_DIMS,
    TIME_DIMS,
    base_query,
    bucket_sql,
    group_sql,
    ident,
    period_sql,
    seller_join,
    where_sql,
)
from enableframe.periods import Period
from enableframe.yaml_loader import to_plain

KNOWN, UNKNOWN = "known", "unknown"
_Rows = list[tuple[str, float | None, int]]  # (group, value, rows behind it)


class Unknown(Exception):
    """The metric cannot be computed from the data the company has; the reason is shown."""


@dataclass
class MetricResult:
    """One metric's value (or why it is unknown), with its evidence."""

    id: str
    name: str
    ownership: str
    unit: str | None
    cso_key: bool
    value: float | None
    status: str
    reason: str
    period: Period
    rows: int
    tables: list[str]
    definition: dict[str, Any]
    by: dict[str, dict[str, float | None]] = field(default_factory=dict)
    comparisons: dict[str, dict[str, Any]] = field(default_factory=dict)
    thin: bool = False

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MetricResult:
        p = data["period"]
        fields = {k: v for k, v in data.items() if k != "period"}
        period = Period(dt.date.fromisoformat(p["start"]), dt.date.fromisoformat(p["end"]),
                        p["label"])
        return cls(period=period, **fields)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "name": self.name, "ownership": self.ownership,
            "cso_key": self.cso_key, "value": self.value, "unit": self.unit,
            "status": self.status, "reason": self.reason, "period": self.period.to_dict(),
            "rows": self.rows, "thin": self.thin, "tables": self.tables, "by": self.by,
            "comparisons": self.comparisons, "definition": self.definition,
        }


def _tables(metric: Mapping[str, Any]) -> list[str]:
    out = [metric.get("table")]
    for part in ("having", "entity"):
        if isinstance(metric.get(part), Mapping):
            out.append(metric[part].get("table"))
    return sorted({t for t in out if t})


# -- kinds ----------------------------------------------------------------------------------

def _value_expr(metric: Mapping[str, Any]) -> str:
    if metric.get("measure"):
        return MEASURES[metric["measure"]]
    return f"t.{ident(metric['column'])}"


def _aggregate(kind: str, expr: str, p: float | None = None) -> str:
    return {"sum": f"sum({expr})", "mean": f"avg({expr})", "median": f"median({expr})",
            "percentile": f"quantile_cont({expr}, {float(p or 0.5)})",
            "count": "count(*)"}[kind]


def kind_simple(con: Any, metric: Mapping, period: Period, by: str | None) -> _Rows:
    params: list[Any] = []
    base = base_query(metric, period, by, params)
    if base is None:
        return []
    kind = metric["kind"]
    if kind == "count":
        value = f"count(DISTINCT t.{ident(metric['column'])})" if metric.get("distinct") \
            else "count(*)"
        sql = f"SELECT _grp, {value}, count(*) FROM {base} t GROUP BY _grp"
    else:
        expr = _value_expr(metric)
        sql = (f"SELECT _grp, {_aggregate(kind, expr, metric.get('p'))}, count({expr}) "
               f"FROM {base} t GROUP BY _grp")
    return _fetch(con, sql, params)


def kind_ratio(con: Any, metric: Mapping, period: Period, by: str | None) -> _Rows:
    base_params: list[Any] = []
    base = base_query(metric, period, by, base_params)
    if base is None:
        return []
    sides = []
    for side in ("numerator", "denominator"):
        spec, params = metric[side], []
        cond = where_sql(spec.get("where"), "t", params)
        if spec["agg"] == "count":
            expr = (f"count(DISTINCT t.{ident(spec['column'])})" if spec.get("distinct")
                    else "count(*)")
        else:
            expr = _aggregate(spec["agg"], f"t.{ident(spec['column'])}")
        sides.append((expr, cond, params))
    (num, num_cond, num_p), (den, den_cond, den_p) = sides
    # positional parameters follow the text: numerator, denominator (twice), then FROM
    sql = (f"SELECT _grp, CAST({num} FILTER (WHERE {num_cond}) AS DOUBLE) / "
           f"NULLIF({den} FILTER (WHERE {den_cond}), 0), count(*) FILTER (WHERE {den_cond}) "
           f"FROM {base} t GROUP BY _grp")
    return _fetch(con, sql, num_p + den_p + den_p + base_params)


def kind_share(con: Any, metric: Mapping, period: Period, by: str | None) -> _Rows:
    having = metric["having"]
    if by in TIME_DIMS:
        return []
    params: list[Any] = []
    rel_when = period_sql(having["table"], having.get("anchor"), "r", period, params)
    rel_where = where_sql(having.get("where"), "r", params)
    _require_rows(con, having["table"], f"{rel_when} AND {rel_where}", list(params), "r",
                  f"no {having['table']} rows in {period.label}")
    grp = group_sql(by, metric["table"], None, alias="t", seller="t")
    if grp is None:
        return []
    ent_where = where_sql(metric.get("where"), "t", params)
    started = (f" AND {_started('t', 'period', period)}" if metric["table"] == "sellers"
               else "")
    sql = (f"WITH r AS (SELECT r.{ident(having['on'])} AS k, count(*) AS c "
           f"FROM {ident(having['table'])} r WHERE {rel_when} AND {rel_where} GROUP BY 1) "
           f"SELECT {grp} AS _grp, avg(CASE WHEN COALESCE(r.c, 0) >= "
           f"{int(having.get('min_count', 1))} THEN 1.0 ELSE 0.0 END), count(*) "
           f"FROM {ident(metric['table'])} t LEFT JOIN r ON r.k = t.id "
           f"WHERE {ent_where}{started} GROUP BY 1")
    return _fetch(con, sql, params)


def kind_nth_event_days(con: Any, metric: Mapping, period: Period, by: str | None) -> _Rows:
    entity, table = metric["entity"], metric["table"]
    start, event = ident(entity["start"]), ident(metric["event_date"])
    _require_rows(con, entity["table"], f"s.{start} IS NOT NULL", [], "s",
                  f"no {entity['table']}.{entity['start']} values: the company has no "
                  "start dates")
    grp = group_sql(by, table, metric["event_date"], alias="n", seller="s")
    if grp is None or by in {"segment", "product", "type", "channel"}:
        return []
    key = ident(metric["key"])
    ev_params: list[Any] = []
    filt = where_sql(metric.get("where"), "t", ev_params)
    events = (f"SELECT t.{key} AS k, t.{event} AS {event}, row_number() OVER (PARTITION BY "
              f"t.{key} ORDER BY t.{event}, t.id) AS rn FROM {ident(table)} t "
              f"JOIN {ident(entity['table'])} s ON s.id = t.{key} WHERE {filt} "
              f"AND t.{event} IS NOT NULL AND s.{start} IS NOT NULL AND t.{event} >= s.{start}")
    # the numbered events do not depend on n or the period: computed once per run for
    # first and second close, every period and breakdown (a window over every won deal)
    ev = "_ev_" + hashlib.sha1(f"{events}{ev_params!r}".encode()).hexdigest()[:16]
    con.execute(f"CREATE TEMP TABLE IF NOT EXISTS {ev} AS {events}", ev_params)
    params: list[Any] = []
    ent = where_sql(entity.get("where"), "s", params)
    in_period = period_sql(table, metric["event_date"], "n", period, params)
    stat = "median" if metric.get("statistic", "median") == "median" else "avg"
    sql = (f"SELECT {grp} AS _grp, {stat}(date_diff('day', s.{start}, n.{event})), count(*) "
           f"FROM {ev} n JOIN {ident(entity['table'])} s ON s.id = n.k "
           f"WHERE n.rn = {int(metric['n'])} AND {ent} AND {in_period} GROUP BY 1")
    return _fetch(con, sql, params)


GRAIN = {"month": 1, "quarter": 2, "year": 3, "period": 4}


def _buckets(period: Period, per: str) -> str:
    """The ``per`` buckets of the period, each with its first day ``d0`` (so a breakdown
    by a coarser grain can group them)."""
    if per == "period":
        return f"SELECT '{period.label}' AS b, DATE '{period.start}' AS d0"
    return (f"SELECT {bucket_sql('d', per)} AS b, min(d) AS d0 FROM generate_series("
            f"DATE '{period.start}', DATE '{period.end}', INTERVAL 1 DAY) g(d) GROUP BY 1")


def _started(alias: str, per: str, period: Period) -> str:
    """The seller had started by the end of the bucket: a 2025 hire is not a zero in 2024."""
    span = {"month": "1 MONTH", "quarter": "3 MONTH", "year": "1 YEAR"}.get(per)
    end = f"p.d0 + INTERVAL {span}" if span else f"DATE '{period.end}' + INTERVAL 1 DAY"
    return f"({alias}.start_date IS NULL OR {alias}.start_date < {end})"


def _time_group(by: str, per: str) -> str | None:
    """Group buckets by a time breakdown; None when the breakdown is finer than the
    buckets (per-quarter attainment has no per-month value)."""
    if GRAIN[by] < GRAIN[per]:
        return None
    return bucket_sql("p.d0", by)


def _bucket_of(expr: str, per: str, period: Period) -> str:
    return f"'{period.label}'" if per == "period" else bucket_sql(expr, per)


def kind_attainment(con: Any, metric: Mapping, period: Period, by: str | None) -> _Rows:
    entity, per = metric["entity"], metric.get("per", "quarter")
    quota = ident(entity["quota"])
    _require_rows(con, entity["table"], f"s.{quota} > 0", [], "s",
                  f"no quotas: {entity['table']}.{entity['quota']} is empty")
    dated: list[Any] = []  # no deal at all in the period: unknown, not 0 % of quota
    _require_rows(con, metric["table"],
                  period_sql(metric["table"], metric.get("anchor", "closed_at"), "t", period,
                             dated), dated, "t", f"no {metric['table']} in {period.label}")
    if by in {"segment", "product", "type", "channel"}:
        return []
    months = {"month": 1, "quarter": 3, "year": 12}.get(per)
    if months is None:  # the whole period
        months = max(1, round(((period.end - period.start).days + 1) / 30.4375))
    params: list[Any] = []
    anchor = metric.get("anchor", "closed_at")
    when = period_sql(metric["table"], anchor, "t", period, params)
    filt = where_sql(metric.get("where"), "t", params)
    ent = where_sql(entity.get("where"), "s", params)
    grp = (_time_group(by, per) if by in TIME_DIMS else
           group_sql(by, "sellers", None, alias="s", seller="s") or "'all'")
    if grp is None:
        return []
    bar = float(metric.get("at_or_above", 1.0))
    value = ("avg(COALESCE(w.amt, 0) / (s.q))" if metric.get("statistic", "mean") == "mean"
             else f"avg(CASE WHEN COALESCE(w.amt, 0) / s.q >= {bar} THEN 1.0 ELSE 0.0 END)"
             if metric.get("statistic") == "share_at_or_above"
             else "median(COALESCE(w.amt, 0) / (s.q))")
    sql = (f"WITH w AS (SELECT t.{ident(metric['key'])} AS k, "
           f"{_bucket_of('t.' + ident(anchor), per, period)} AS b, "
           f"sum(t.{ident(metric['column'])}) AS amt FROM {ident(metric['table'])} t "
           f"WHERE {when} AND {filt} GROUP BY 1, 2), "
           f"p AS ({_buckets(period, per)}) "
           f"SELECT {grp} AS _grp, {value}, count(*) FROM "
           f"(SELECT *, {quota} * {months} / 3.0 AS q FROM {ident(entity['table'])}) s "
           f"CROSS JOIN p LEFT JOIN w ON w.k = s.id AND w.b = p.b "
           f"WHERE s.{quota} > 0 AND {ent} AND {_started('s', per, period)} GROUP BY 1")
    return _fetch(con, sql, params)


def kind_per_entity(con: Any, metric: Mapping, period: Period, by: str | None) -> _Rows:
    per, table, key = metric.get("per", "month"), metric["table"], ident(metric["key"])
    params: list[Any] = []
    anchor = metric.get("anchor")
    when = period_sql(table, anchor, "t", period, params)
    filt = where_sql(metric.get("where"), "t", params)
    _require_rows(con, table, f"{when} AND {filt}", list(params), "t",
                  f"no {table} rows in {period.label}")
    agg = {"count": "count(*)", "sum": f"sum(t.{ident(metric.get('column', 'id'))})",
           "mean": f"avg(t.{ident(metric.get('column', 'id'))})"}[metric["agg"]]
    bucket = _bucket_of(f"t.{ident(anchor)}", per, period) if anchor else f"'{period.label}'"
    stat = "median" if metric.get("statistic") == "median" else "avg"
    entity = metric.get("entity")
    if entity:  # every entity counts, those without rows as zero
        grp = (_time_group(by, per if anchor else "period") if by in TIME_DIMS else
               group_sql(by, "sellers", None, alias="s", seller="s"))
        if grp is None:
            return []
        ent = where_sql(entity.get("where"), "s", params)
        zero = "0" if metric["agg"] in ("count", "sum") else "NULL"
        sql = (f"WITH a AS (SELECT t.{key} AS k, {bucket} AS b, {agg} AS v FROM "
               f"{ident(table)} t WHERE {when} AND {filt} GROUP BY 1, 2), "
               f"p AS ({_buckets(period, per if anchor else 'period')}) "
               f"SELECT {grp} AS _grp, {stat}(COALESCE(a.v, {zero})), count(*) "
               f"FROM {ident(entity['table'])} s CROSS JOIN p "
               f"LEFT JOIN a ON a.k = s.id AND a.b = p.b WHERE {ent} AND "
               f"{_started('s', per if anchor else 'period', period)} GROUP BY 1")
        return _fetch(con, sql, params)
    grp = group_sql(by, table, anchor, alias="t", seller="s")
    if grp is None:
        return []
    join = seller_join(table) if by in SELLER_DIMS else ""
    sql = (f"SELECT _grp, {stat}(v), count(*) FROM (SELECT {grp} AS _grp, t.{key}, "
           f"{bucket} AS b, {agg} AS v FROM {ident(table)} t {join} WHERE {when} AND {filt} "
           f"GROUP BY 1, 2, 3) GROUP BY 1")
    return _fetch(con, sql, params)


def _require_rows(con: Any, table: str, cond: str, params: list[Any], alias: str,
                  reason: str) -> None:
    found = con.execute(f"SELECT EXISTS (SELECT 1 FROM {ident(table)} {alias} WHERE {cond})",
                        params).fetchone()[0]
    if not found:
        raise Unknown(reason)


def _fetch(con: Any, sql: str, params: list[Any]) -> _Rows:
    return [(str(g), None if v is None or (isinstance(v, float) and math.isnan(v))
             else float(v), int(n)) for g, v, n in con.execute(sql, params).fetchall()]


SQL_KINDS: dict[str, Callable[[Any, Mapping, Period, str | None], _Rows]] = {
    "count": kind_simple, "sum": kind_simple, "mean": kind_simple, "median": kind_simple,
    "percentile": kind_simple, "ratio": kind_ratio, "share": kind_share,
    "nth_event_days": kind_nth_event_days, "attainment": kind_attainment,
    "per_entity": kind_per_entity,
}


# -- evaluation -----------------------------------------------------------------------------

def compute_metrics(con: Any, ruleset: Any, period: Period, *, missing: set[str],
                    by: str | None = None, only: set[str] | None = None,
                    comparisons: bool = True) -> list[MetricResult]:
    """Every metric of ``ruleset`` (or those in ``only`` and their inputs), in graph order."""
    metrics = ruleset.metrics
    order = ruleset.evaluation_order()
    if only:
        wanted, todo = set(), list(only)
        while todo:  # the metric and the inputs of its formula, transitively
            m = todo.pop()
            if m not in wanted:
                wanted.add(m)
                formula = ruleset.conditions.get(f"metric:{m}")
                todo += sorted(formula.names) if formula else []
        order = [m for m in order if m in wanted]
    min_rows = int(ruleset.scoring.get("min_rows", 30))
    results: dict[str, MetricResult] = {}
    periods = {"current": period}
    if comparisons:
        periods |= {"previous": period.previous(), "year_before": period.year_before()}
    values: dict[str, dict[str, tuple[float | None, str, int]]] = {p: {} for p in periods}
    has_values = _values_checker(con)
    for metric_id in order:
        metric = to_plain(metrics[metric_id])
        for label, when in periods.items():
            values[label][metric_id] = _one(con, ruleset, metric, when, missing, values[label],
                                            has_values)
        value, reason, rows = values["current"][metric_id]
        result = MetricResult(
            id=metric_id, name=metric.get("name", metric_id),
            ownership=metric.get("ownership", ""), unit=metric.get("unit"),
            cso_key=bool(metric.get("cso_key")), value=value,
            status=KNOWN if value is not None else UNKNOWN, reason=reason, period=period,
            rows=rows, tables=_tables(metric), definition=_definition(metric),
            thin=value is not None and metric.get("kind") != "formula"
            and rows < int(metric.get("min_rows", min_rows)))
        for label in periods:
            if label != "current":
                v, why, n = values[label][metric_id]
                result.comparisons[label] = {"period": periods[label].to_dict(), "value": v,
                                             "rows": n, "reason": why}
        if by and value is not None:
            result.by[by] = _breakdown(con, ruleset, metric, period, by, missing)
        results[metric_id] = result
    return [results[m] for m in order if not only or m in only]


def _definition(metric: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in metric.items() if k not in ("name", "description", "id")}


def _one(con: Any, ruleset: Any, metric: dict[str, Any], period: Period, missing: set[str],
         known: dict[str, tuple[float | None, str, int]],
         has_values: Callable[[str, str], bool]) -> tuple[float | None, str, int]:
    """(value, reason when unknown, rows) of one metric in one period."""
    kind = metric.get("kind")
    if kind == "formula":
        return _formula(ruleset, metric, known)
    absent = [t for t in _tables(metric) if t in missing]
    if absent:
        return None, f"no {', '.join(absent)} source in the workspace", 0
    compute = SQL_KINDS.get(kind) or _plugin_compute(kind)
    if compute is None:
        return None, f"no computation registered for metric kind {kind!r}", 0
    empty = [f"{t}.{c}" for t, c in columns_read(metric) if not has_values(t, c)]
    if empty:
        return None, f"{', '.join(empty)} is empty in the data", 0
    try:
        rows = compute(con, metric, period, None)
    except Unknown as exc:
        return None, str(exc), 0
    if not rows or rows[0][2] == 0:
        return None, f"no rows in {period.label}", 0
    _, value, n = rows[0]
    if value is None:
        return None, f"no rows to compute it from in {period.label}", n
    return value, "", n


def _plugin_compute(kind: str) -> Callable[..., _Rows] | None:
    """The ``compute`` of a metric kind a plugin registered, if it has one."""
    from enableframe.plugin_host import get_plugin_host

    registered = get_plugin_host().registry.metric_kinds.get(kind)
    return getattr(registered.obj, "compute", None) if registered else None


def columns_read(metric: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(table, column) pairs a metric filters or aggregates on: when one has no value at
    all, a 0% would be a lie (no deal type recorded is not "no upsell")."""
    table = metric.get("table")
    out = [(table, c) for c in (metric.get("where") or {})]
    if metric.get("column"):
        out.append((table, metric["column"]))
    if metric.get("measure") == "days_to_close":
        out += [(table, "created_at"), (table, "closed_at")]
    for side in ("numerator", "denominator"):
        spec = metric.get(side) or {}
        out += [(table, c) for c in (spec.get("where") or {})]
        if spec.get("column"):
            out.append((table, spec["column"]))
    having = metric.get("having") or {}
    out += [(having.get("table"), c) for c in (having.get("where") or {})]
    return sorted({(t, c) for t, c in out if t and c})


def _values_checker(con: Any) -> Callable[[str, str], bool]:
    """Whether a column has any value, asked once per column per run."""
    @functools.cache
    def has_values(table: str, column: str) -> bool:
        return con.execute(
            f"SELECT EXISTS (SELECT 1 FROM {ident(table)} WHERE {ident(column)} IS NOT NULL)"
        ).fetchone()[0]

    return has_values


def _formula(ruleset: Any, metric: Mapping[str, Any],
             known: dict[str, tuple[float | None, str, int]]) -> tuple[float | None, str, int]:
    condition = ruleset.conditions[f"metric:{metric['id']}"]
    inputs = {}
    for name in sorted(condition.names):
        value, reason, _ = known.get(name, (None, "not computed", 0))
        if value is None:
            return None, f"input {name} is unknown ({reason})", 0
        inputs[name] = float(value)
    try:
        value = condition.program.execute(inputs)
    except Exception as exc:  # CEL runtime error, e.g. a string where a number is needed
        return None, f"formula failed: {exc}", 0
    if not isinstance(value, (int, float)) or math.isnan(value) or math.isinf(value):
        return None, "formula has no finite value (a division by zero?)", 0
    rows = min((known[n][2] for n in condition.names), default=0)
    return float(value), "", rows


def _breakdown(con: Any, ruleset: Any, metric: dict[str, Any], period: Period, by: str,
               missing: set[str]) -> dict[str, float | None]:
    if metric.get("kind") == "formula":
        condition = ruleset.conditions[f"metric:{metric['id']}"]
        parts = {n: _breakdown(con, ruleset, to_plain(ruleset.metrics[n]), period, by, missing)
                 for n in condition.names}
        groups = set.intersection(*(set(p) for p in parts.values())) if parts else set()
        out = {}
        for g in sorted(groups):
            vals = {n: parts[n][g] for n in parts}
            if any(v is None for v in vals.values()):
                out[g] = None
                continue
            try:
                v = condition.program.execute({n: float(x) for n, x in vals.items()})
                out[g] = None if math.isinf(v) or math.isnan(v) else float(v)
            except Exception:
                out[g] = None
        return out
    compute = SQL_KINDS.get(metric.get("kind")) or _plugin_compute(metric.get("kind", ""))
    if compute is None:
        return {}
    try:
        rows = compute(con, metric, period, by)
    except Unknown:
        return {}
    return {g: v for g, v, _ in sorted(rows)}
