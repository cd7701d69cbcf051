"""Compute a ruleset's metrics over the canonical tables, in DuckDB, with their evidence.

Metrics are evaluated in the model graph's order (a formula after its inputs). A metric
whose source is missing, or whose inputs have no rows in the period, is ``unknown`` with the
reason: never 0 and never an exception. Every value carries its evidence: definition,
period, rows behind it and source tables. The built-in kinds' statements are in
:mod:`enableframe.kind_queries`; here they are run in groups, a plugin's kind once per
period, and formulas and breakdowns are computed on top.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from enableframe.kind_queries import KINDS, SQL_KINDS, PeriodRows, Rows, Unknown
from enableframe.metric_sql import ident
from enableframe.periods import Period
from enableframe.yaml_loader import to_plain

KNOWN, UNKNOWN = "known", "unknown"


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




# -- evaluation -----------------------------------------------------------------------------

_Value = tuple[float | None, str, int]  # (value, reason when unknown, rows)


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
    plain = {m: to_plain(metrics[m]) for m in order}
    computed = _sql_values(con, list(plain.values()), list(periods.values()), missing)
    values: dict[str, dict[str, _Value]] = {p: {} for p in periods}
    for metric_id in order:
        metric = plain[metric_id]
        for i, label in enumerate(periods):
            values[label][metric_id] = (
                _formula(ruleset, metric, values[label]) if metric.get("kind") == "formula"
                else computed[metric_id][i])
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


def _sql_values(con: Any, metrics: list[dict[str, Any]], periods: list[Period],
                missing: set[str]) -> dict[str, list[_Value]]:
    """(value, reason when unknown, rows) of every metric but formulas, per period. A
    built-in kind computes all periods at once, and the metrics that read the same rows
    together (:class:`~enableframe.kind_queries.Kind`); a plugin's kind is asked once per
    period."""
    out: dict[str, list[_Value]] = {}
    ready: list[tuple[dict[str, Any], Callable[..., Rows] | None]] = []
    for metric in metrics:
        kind = metric.get("kind")
        if kind == "formula":
            continue
        absent = [t for t in _tables(metric) if t in missing]
        if absent:
            out[metric["id"]] = _unknown(f"no {', '.join(absent)} source in the workspace",
                                         periods)
            continue
        plugin = None if kind in KINDS else _plugin_compute(kind)
        if kind in KINDS or plugin:
            ready.append((metric, plugin))
        else:
            out[metric["id"]] = _unknown(f"no computation registered for metric kind {kind!r}",
                                         periods)
    has_values = _columns_with_values(con, [c for m, _ in ready for c in columns_read(m)])
    groups: dict[tuple[Any, str], list[dict[str, Any]]] = {}
    for metric, plugin in ready:
        empty = [f"{t}.{c}" for t, c in columns_read(metric) if (t, c) not in has_values]
        if empty:
            out[metric["id"]] = _unknown(f"{', '.join(empty)} is empty in the data", periods)
        elif plugin:
            out[metric["id"]] = _values([_plugin_rows(plugin, con, metric, p)
                                         for p in periods], periods)
        else:
            kind = KINDS[metric["kind"]]
            scan = kind.scan(metric) if kind.scan else metric["id"]
            groups.setdefault((kind.compute, scan), []).append(metric)
    for (compute, _), group in groups.items():
        try:
            per_metric = compute(con, group, periods, None)
        except Unknown as exc:  # whatever the period (no quotas at all)
            per_metric = [[exc] * len(periods) for _ in group]
        for metric, rows in zip(group, per_metric, strict=True):
            out[metric["id"]] = _values(rows, periods)
    return out


def _unknown(reason: str, periods: list[Period]) -> list[_Value]:
    return [(None, reason, 0)] * len(periods)


def _plugin_rows(compute: Callable[..., Rows], con: Any, metric: Mapping[str, Any],
                 period: Period) -> Rows | Unknown:
    try:
        return compute(con, metric, period, None)
    except Unknown as exc:
        return exc


def _values(per_period: PeriodRows, periods: list[Period]) -> list[_Value]:
    """Each period's value from its rows (one group: no breakdown)."""
    out: list[_Value] = []
    for rows, period in zip(per_period, periods, strict=True):
        if isinstance(rows, Unknown):
            out.append((None, str(rows), 0))
        elif not rows or rows[0][2] == 0:
            out.append((None, f"no rows in {period.label}", 0))
        elif rows[0][1] is None:
            out.append((None, f"no rows to compute it from in {period.label}", rows[0][2]))
        else:
            out.append((rows[0][1], "", rows[0][2]))
    return out


def _plugin_compute(kind: str) -> Callable[..., Rows] | None:
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


def _columns_with_values(con: Any, pairs: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """The (table, column) pairs with at least one value, all asked in one statement."""
    pairs = sorted(set(pairs))
    if not pairs:
        return set()
    checks = ", ".join(f"EXISTS (SELECT 1 FROM {ident(t)} WHERE {ident(c)} IS NOT NULL)"
                       for t, c in pairs)
    found = con.execute(f"SELECT {checks}").fetchone()
    return {pair for pair, has in zip(pairs, found, strict=True) if has}


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
