"""The built-in metric kinds computed: one statement per group of metrics for all three periods.

A built-in kind computes a group of metrics for a list of periods: the current period and
its comparisons in one statement (one scan instead of three), and metrics that read the
same rows together (``Kind.scan``: win rate, deals won and average price all read the
deals closed in the period). It returns, per metric and per period, the rows or why the
metric is unknown. ``KINDS`` maps each built-in kind to its :class:`Kind`; ``SQL_KINDS``
gives each the (con, metric, period, by) signature of a plugin's kind, used for breakdowns.

The statements are assembled here from the pieces of :mod:`enableframe.metric_sql`; which
fields a kind needs is in :mod:`enableframe.metric_kinds`, and running the groups, plugin
kinds, formulas and evidence in :mod:`enableframe.metrics`. ``Unknown`` lives here, where the
statements raise it, and :mod:`enableframe.metrics` imports it (callers still import it,
with ``SQL_KINDS``, from there).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from enableframe.metric_sql import (
    ROW_DIMS,
    SELLER_DIMS,
    TIME_DIMS,
    Flags,
    aggregates,
    any_where,
    bucket_of,
    buckets,
    group_sql,
    ident,
    periods_join,
    periods_table,
    periods_with_rows,
    seller_join,
    started,
    time_group,
    where_sql,
)
from enableframe.periods import Period

Rows = list[tuple[str, float | None, int]]  # (group, value, rows behind it)


class Unknown(Exception):
    """The metric cannot be computed from the data the company has; the reason is shown."""


PeriodRows = list["Rows | Unknown"]  # per period, in the order given
_Metrics = Sequence[Mapping[str, Any]]


def table_aggregates(con: Any, metrics: _Metrics, periods: Sequence[Period],
                     by: str | None) -> list[PeriodRows]:
    """Count, sum, mean, median, percentile and ratio metrics over one table and date."""
    table, anchor = metrics[0]["table"], metrics[0].get("anchor")
    grp = group_sql(by, table, anchor, seller="t" if table == "sellers" else "s")
    if grp is None:
        return _no_rows(metrics, periods)
    join = seller_join(table) if by in SELLER_DIMS else ""
    flags, params = Flags(), []
    values = ", ".join(aggregates(m, flags) for m in metrics)
    # the rows any of the metrics reads: for one metric its own (a breakdown shows no
    # group the metric has no row in)
    rows = (f"SELECT p._per, {grp} AS _grp, t.*{flags.columns(params)} FROM {ident(table)} t "
            f"{join} {periods_join(table, anchor, 't', periods)} "
            f"WHERE {any_where([m.get('where') for m in metrics], 't', params)}")
    sql = f"SELECT _per, _grp, {values} FROM ({rows}) t GROUP BY 1, 2"
    out = _no_rows(metrics, periods)
    for per, group, *figures in con.execute(sql, params).fetchall():
        for i, metric_rows in enumerate(out):
            metric_rows[per].append(_row(group, figures[2 * i], figures[2 * i + 1]))
    return out


def shares(con: Any, metrics: _Metrics, periods: Sequence[Period], by: str | None
           ) -> list[PeriodRows]:
    """Share metrics over one entity table and the same related rows (table, key, date),
    each with its own filter on them: one scan counts the related rows of all."""
    having = metrics[0]["having"]
    grp = group_sql(by, metrics[0]["table"], None, alias="t", seller="t")
    if by in TIME_DIMS or grp is None:
        return _no_rows(metrics, periods)
    flags, params = Flags("r"), []
    counts = ", ".join(f"{flags.filtered('count(*)', [m['having'].get('where')])} AS c{i}"
                       for i, m in enumerate(metrics))
    related = (f"SELECT _per, k, {counts} FROM (SELECT p._per, "
               f"r.{ident(having['on'])} AS k{flags.columns(params)} "
               f"FROM {ident(having['table'])} r "
               f"{periods_join(having['table'], having.get('anchor'), 'r', periods)} WHERE "
               f"{any_where([m['having'].get('where') for m in metrics], 'r', params)}) "
               f"GROUP BY 1, 2")
    shares_sql = ", ".join(f"avg(CASE WHEN COALESCE(r.c{i}, 0) >= "
                           f"{int(m['having'].get('min_count', 1))} THEN 1.0 ELSE 0.0 END) "
                           f"AS _v{i}" for i, m in enumerate(metrics))
    ent_where = where_sql(metrics[0].get("where"), "t", params)
    start = f" AND {started('t', 'period')}" if metrics[0]["table"] == "sellers" else ""
    main = (f"SELECT p._per, {grp} AS _grp, count(*) AS _n, {shares_sql} "
            f"FROM {ident(metrics[0]['table'])} "
            f"t CROSS JOIN {periods_table(periods)} LEFT JOIN r ON r.k = t.id "
            f"AND r._per = p._per WHERE {ent_where}{start} GROUP BY 1, 2")
    found = ", ".join(f"bool_or(c{i} > 0) AS _found{i}" for i in range(len(metrics)))
    return _checked(con, f"WITH r AS ({related}), _m AS ({main}), "
                         f"_f AS (SELECT _per, {found} FROM r GROUP BY 1)",
                    params, periods, len(metrics),
                    lambda p: f"no {having['table']} rows in {p.label}")


def _memo(con: Any, sql: str, params: list[Any]) -> str:
    """A temporary table of the query's rows, created once per connection: the metrics
    built on them and their breakdowns compute them once."""
    name = "_memo_" + hashlib.sha1(f"{sql}{params!r}".encode()).hexdigest()[:16]
    con.execute(f"CREATE TEMP TABLE IF NOT EXISTS {name} AS {sql}", params)
    return name


def nth_event_days(con: Any, metrics: _Metrics, periods: Sequence[Period], by: str | None
                   ) -> list[PeriodRows]:
    """Days from an entity's start to its nth event, for metrics over the same events
    (first and second close)."""
    first, entity, table = metrics[0], metrics[0]["entity"], metrics[0]["table"]
    start, event = ident(entity["start"]), ident(first["event_date"])
    _require_rows(con, entity["table"], f"s.{start} IS NOT NULL", [], "s",
                  f"no {entity['table']}.{entity['start']} values: the company has no "
                  "start dates")
    grp = group_sql(by, table, first["event_date"], alias="n", seller="s")
    if grp is None or by in ROW_DIMS:
        return _no_rows(metrics, periods)
    # each entity's first event dates from its start, as many as the largest n (a top n
    # per entity, not a window sorting every event): the nth is the date of its nth event
    # numbered by date; the same for every period and breakdown
    most, params = max(int(m["n"]) for m in metrics), []
    filt = where_sql(first.get("where"), "t", params)
    key = ident(first["key"])
    events = _memo(con, f"SELECT t.{key} AS k, list_sort(min(t.{event}, {most})) AS firsts "
                        f"FROM {ident(table)} t JOIN {ident(entity['table'])} s "
                        f"ON s.id = t.{key} WHERE {filt} AND t.{event} IS NOT NULL "
                        f"AND s.{start} IS NOT NULL AND t.{event} >= s.{start} GROUP BY 1",
                   params)
    out = []
    for metric in metrics:
        n, params = int(metric["n"]), []
        ent = where_sql(metric["entity"].get("where"), "s", params)
        stat = "median" if metric.get("statistic", "median") == "median" else "avg"
        sql = (f"SELECT p._per, {grp}, {stat}(date_diff('day', s.{start}, n.{event})), "
               f"count(*) FROM (SELECT k, firsts[{n}] AS {event} FROM {events} "
               f"WHERE len(firsts) >= {n}) n JOIN {ident(entity['table'])} s ON s.id = n.k "
               f"{periods_join(table, first['event_date'], 'n', periods)} "
               f"WHERE {ent} GROUP BY 1, 2")
        rows: PeriodRows = [[] for _ in periods]
        for per, group, value, count in con.execute(sql, params).fetchall():
            rows[per].append(_row(group, value, count))
        out.append(rows)
    return out


def attainment(con: Any, metrics: _Metrics, periods: Sequence[Period], by: str | None
               ) -> list[PeriodRows]:
    """Amount over quota per entity and bucket, for metrics over the same amounts and
    quotas (mean attainment, the share at quota)."""
    first, entity = metrics[0], metrics[0]["entity"]
    per, quota, table = first.get("per", "quarter"), ident(entity["quota"]), first["table"]
    _require_rows(con, entity["table"], f"s.{quota} > 0", [], "s",
                  f"no quotas: {entity['table']}.{entity['quota']} is empty")
    if by in ROW_DIMS:
        return _no_rows(metrics, periods)
    grp = (time_group(by, per) if by in TIME_DIMS else
           group_sql(by, "sellers", None, alias="s", seller="s") or "'all'")
    if grp is None:
        return _no_rows(metrics, periods)
    params: list[Any] = []
    anchor = first.get("anchor", "closed_at")
    amounts = (f"SELECT p._per, t.{ident(first['key'])} AS k, "
               f"{bucket_of('t.' + ident(anchor), per)} AS b, "
               f"sum(t.{ident(first['column'])}) AS amt FROM {ident(table)} t "
               f"{periods_join(table, anchor, 't', periods)} "
               f"WHERE {where_sql(first.get('where'), 't', params)} GROUP BY 1, 2, 3")
    ent = where_sql(entity.get("where"), "s", params)
    ratio = f"COALESCE(w.amt, 0) / (s.{quota} * p._months / 3.0)"
    values = ", ".join(
        (f"avg({ratio})" if m.get("statistic", "mean") == "mean" else
         f"avg(CASE WHEN {ratio} >= {float(m.get('at_or_above', 1.0))} THEN 1.0 ELSE 0.0 END)"
         if m.get("statistic") == "share_at_or_above" else f"median({ratio})") + f" AS _v{i}"
        for i, m in enumerate(metrics))
    main = (f"SELECT p._per, {grp} AS _grp, count(*) AS _n, {values} "
            f"FROM {ident(entity['table'])} s "
            f"CROSS JOIN p LEFT JOIN w ON w.k = s.id AND w._per = p._per AND w.b = p.b "
            f"WHERE s.{quota} > 0 AND {ent} AND {started('s', per)} GROUP BY 1, 2")
    # no deal at all in a period, won or not: unknown, not 0 % of quota
    dated = periods_with_rows(table, anchor, "t", periods)
    return _checked(con, f"WITH w AS ({amounts}), p AS ({buckets(periods, per)}), "
                         f"_m AS ({main}), _f AS ({dated})",
                    params, periods, len(metrics), lambda p: f"no {table} in {p.label}")


def per_entity(con: Any, metrics: _Metrics, periods: Sequence[Period], by: str | None
               ) -> list[PeriodRows]:
    """An aggregate per entity and bucket; with ``entity:`` every entity counts, those
    without rows as zero. One metric at a time."""
    (metric,) = metrics
    table, key, anchor = metric["table"], ident(metric["key"]), metric.get("anchor")
    per = metric.get("per", "month") if anchor else "period"
    column = f"t.{ident(metric.get('column', 'id'))}"
    agg = {"count": "count(*)", "sum": f"sum({column})", "mean": f"avg({column})"}[
        metric["agg"]]
    stat = "median" if metric.get("statistic") == "median" else "avg"
    entity = metric.get("entity")
    grp = ((time_group(by, per) if by in TIME_DIMS else
            group_sql(by, "sellers", None, alias="s", seller="s")) if entity else
           group_sql(by, table, anchor, alias="t", seller="s"))
    if grp is None:
        return _no_rows(metrics, periods)
    params: list[Any] = []
    join = seller_join(table) if by in SELLER_DIMS and not entity else ""
    bucket = bucket_of(f"t.{ident(anchor)}", per) if anchor else "'period'"
    rows = (f"SELECT p._per, {'' if entity else f'{grp} AS _grp, '}t.{key} AS k, "
            f"{bucket} AS b, {agg} AS v FROM {ident(table)} t {join} "
            f"{periods_join(table, anchor, 't', periods)} "
            f"WHERE {where_sql(metric.get('where'), 't', params)} GROUP BY ALL")
    if entity:
        zero = "0" if metric["agg"] in ("count", "sum") else "NULL"
        main = (f"SELECT p._per, {grp} AS _grp, count(*) AS _n, "
                f"{stat}(COALESCE(a.v, {zero})) AS _v0 "
                f"FROM {ident(entity['table'])} s CROSS JOIN p "
                f"LEFT JOIN a ON a.k = s.id AND a._per = p._per AND a.b = p.b "
                f"WHERE {where_sql(entity.get('where'), 's', params)} AND "
                f"{started('s', per)} GROUP BY 1, 2")
        ctes = f"WITH a AS ({rows}), p AS ({buckets(periods, per)}), _m AS ({main})"
    else:
        ctes = (f"WITH a AS ({rows}), _m AS (SELECT _per, _grp, count(*) AS _n, "
                f"{stat}(v) AS _v0 FROM a GROUP BY 1, 2)")
    return _checked(con, f"{ctes}, _f AS (SELECT DISTINCT _per FROM a)", params, periods, 1,
                    lambda p: f"no {table} rows in {p.label}")


def _checked(con: Any, ctes: str, params: list[Any], periods: Sequence[Period], count: int,
             reason: Callable[[Period], str]) -> list[PeriodRows]:
    """Run ``ctes`` (a ``WITH`` list) ending with ``_m``, rows of (_per, _grp, _n, then the
    value of each of ``count`` metrics), and ``_f``, the periods (_per) with the rows the
    metrics need, optionally with a flag per metric. A period without them is unknown for
    ``reason``: the check costs no statement of its own."""
    sql = (f"{ctes} SELECT p._per, _m.* EXCLUDE (_per), _f._per IS NOT NULL, "
           f"_f.* EXCLUDE (_per) FROM {periods_table(periods)} "
           f"LEFT JOIN _m ON _m._per = p._per LEFT JOIN _f ON _f._per = p._per")
    out = _no_rows(range(count), periods)
    for per, group, n, *rest in con.execute(sql, params).fetchall():
        values, (listed, *flags) = rest[:count], rest[count:]
        for i, metric_rows in enumerate(out):
            if not (listed and (flags[i] if flags else True)):
                metric_rows[per] = Unknown(reason(periods[per]))
            elif group is not None:
                metric_rows[per].append(_row(group, values[i], n))
    return out


def _require_rows(con: Any, table: str, cond: str, params: list[Any], alias: str,
                  reason: str) -> None:
    found = con.execute(f"SELECT EXISTS (SELECT 1 FROM {ident(table)} {alias} WHERE {cond})",
                        params).fetchone()[0]
    if not found:
        raise Unknown(reason)


def _row(group: Any, value: Any, n: Any) -> tuple[str, float | None, int]:
    return (str(group), None if value is None or (isinstance(value, float) and math.isnan(value))
            else float(value), int(n))


def _no_rows(metrics: Sequence[Any], periods: Sequence[Period]) -> list[PeriodRows]:
    return [[[] for _ in periods] for _ in metrics]


def _fields(*names: str) -> Callable[[Mapping[str, Any]], str]:
    """A scan key: the metric's values of ``names`` (``having.on`` for a nested field)."""
    def key(metric: Mapping[str, Any]) -> str:
        values = []
        for name in names:
            value: Any = metric
            for part in name.split("."):
                value = value.get(part) if isinstance(value, Mapping) else None
            values.append(value)
        return json.dumps(values, sort_keys=True, default=str)

    return key


@dataclass(frozen=True)
class Kind:
    """A built-in kind: ``compute`` takes a group of metrics, their periods and the
    breakdown; ``scan`` keys the metrics that read the same rows, computed together (None:
    one metric at a time)."""

    compute: Callable[[Any, _Metrics, Sequence[Period], str | None], list[PeriodRows]]
    scan: Callable[[Mapping[str, Any]], str] | None = None


_AGGREGATES = Kind(table_aggregates, _fields("table", "anchor"))
KINDS: dict[str, Kind] = {
    "count": _AGGREGATES, "sum": _AGGREGATES, "mean": _AGGREGATES, "median": _AGGREGATES,
    "percentile": _AGGREGATES, "ratio": _AGGREGATES,
    "share": Kind(shares, _fields("table", "where", "having.table", "having.on",
                                  "having.anchor")),
    "nth_event_days": Kind(nth_event_days, _fields("table", "key", "where", "event_date",
                                                   "entity.table", "entity.start")),
    "attainment": Kind(attainment, _fields("table", "key", "where", "anchor", "column", "per",
                                           "entity")),
    "per_entity": Kind(per_entity),
}


def _one_period(kind: Kind) -> Callable[..., Rows]:
    """A built-in kind as a plugin's: one metric and period, its rows or Unknown raised."""
    def compute(con: Any, metric: Mapping, period: Period, by: str | None) -> Rows:
        rows = kind.compute(con, [metric], [period], by)[0][0]
        if isinstance(rows, Unknown):
            raise rows
        return rows

    return compute


SQL_KINDS: dict[str, Callable[[Any, Mapping, Period, str | None], Rows]] = {
    name: _one_period(kind) for name, kind in KINDS.items()}
