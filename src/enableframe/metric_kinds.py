"""Metric kinds: the fields each kind needs.

The ruleset schema lists every metric field; which of them a kind requires lives here,
with the kind, because plugins add kinds (and JSON Schema ``if``/``then`` per kind also
doubled validation time on large rulesets: bench/graph_build.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class KindSpec:
    """What a metric kind needs in a ruleset."""

    name: str
    required: tuple[str, ...]
    one_of: tuple[str, ...] = ()  # at least one of these fields
    description: str = ""
    unit: str | None = field(default=None)
    # a plugin's kind computes itself: (con, metric, period, by) -> [(group, value, rows)],
    # over the canonical tables in DuckDB; the built-in kinds are computed in kind_queries.py
    compute: Callable[..., list[tuple[str, float | None, int]]] | None = field(
        default=None, compare=False)


BUILTIN_KINDS: dict[str, KindSpec] = {spec.name: spec for spec in (
    KindSpec("count", ("table",), description="rows (or distinct values of `column`)"),
    KindSpec("sum", ("table",), ("column", "measure"), "sum of a column"),
    KindSpec("mean", ("table",), ("column", "measure"), "mean of a column"),
    KindSpec("median", ("table",), ("column", "measure"), "median of a column"),
    KindSpec("percentile", ("table", "p"), ("column", "measure"), "percentile of a column"),
    KindSpec("ratio", ("table", "numerator", "denominator"),
             description="one aggregate over another (win rate)"),
    KindSpec("share", ("table", "having"),
             description="share of entities with matching related rows (certified sellers)"),
    KindSpec("nth_event_days", ("table", "n", "key", "entity", "event_date"),
             description="days from an entity's start to its nth event (time to first close)"),
    KindSpec("attainment", ("table", "column", "key", "entity"),
             description="amount over quota per entity and period"),
    KindSpec("per_entity", ("table", "key", "agg"),
             description="an aggregate per entity and period (collateral use per seller)"),
    KindSpec("formula", ("expression",), description="CEL arithmetic over other metrics"),
)}


def missing_fields(spec: KindSpec, metric: dict) -> list[str]:
    """Fields ``metric`` lacks for its kind, each quoted for an error message
    (``'table'``; ``'column' or 'measure'`` when one of several will do)."""
    missing = [repr(f) for f in spec.required if f not in metric]
    if spec.one_of and not any(f in metric for f in spec.one_of):
        missing.append(" or ".join(repr(f) for f in spec.one_of))
    return missing
