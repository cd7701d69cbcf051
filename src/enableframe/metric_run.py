"""``enableframe metrics``: load a workspace's data and compute its ruleset's metrics."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from enableframe.errors import UserError
from enableframe.metrics import MetricResult, compute_metrics
from enableframe.periods import Period, resolve_period


@dataclass
class MetricsReport:
    client: str
    ruleset: str
    period: Period
    metrics: list[MetricResult]
    quality: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"client": self.client, "ruleset": self.ruleset,
                "period": self.period.to_dict(),
                "metrics": [m.to_dict() for m in self.metrics], "data_quality": self.quality}


def latest_date(con: Any) -> dt.date | None:
    """The latest dated fact in the data: closes, then creations, then learning."""
    row = con.execute(
        "SELECT max(d) FROM (SELECT max(closed_at) AS d FROM opportunities UNION ALL "
        "SELECT max(created_at) FROM opportunities UNION ALL "
        "SELECT CAST(max(time) AS DATE) FROM learning_records)").fetchone()
    return row[0] if row else None


_RESULTS = "_enableframe_results"


def cached_metrics(loaded: Any, ruleset: Any, period: Period, *, by: str | None = None,
                   only: set[str] | None = None) -> list[MetricResult]:
    """:func:`compute_metrics`, remembered in the workspace's cache: keyed by every
    metric definition, every table's source key, the period and the breakdown, so editing
    a criterion's threshold re-runs without a single metric query, and any change to a
    metric or its data computes again."""
    if loaded.cache_note:  # no cache file in use
        return compute_metrics(loaded.con, ruleset, period, missing=set(loaded.missing),
                               by=by, only=only)
    from enableframe.validation_cache import digest
    from enableframe.yaml_loader import to_plain

    key = digest(to_plain(ruleset.document.get("metrics", [])), ruleset.scoring, loaded.keys,
                 sorted(loaded.missing), period.to_dict(), by, sorted(only or []))
    con = loaded.con
    con.execute(f"CREATE TABLE IF NOT EXISTS {_RESULTS} (key VARCHAR PRIMARY KEY, "
                "results VARCHAR)")
    row = con.execute(f"SELECT results FROM {_RESULTS} WHERE key = ?", [key]).fetchone()
    if row:
        return [MetricResult.from_dict(m) for m in json.loads(row[0])]
    results = compute_metrics(con, ruleset, period, missing=set(loaded.missing), by=by,
                              only=only)
    con.execute(f"DELETE FROM {_RESULTS}")  # one entry: the last run's
    con.execute(f"INSERT INTO {_RESULTS} VALUES (?, ?)",
                [key, json.dumps([m.to_dict() for m in results])])
    return results


def run_metrics(workspace_path: str | Path, *, by: str | None = None,
                only: set[str] | None = None, progress: Any = None) -> MetricsReport:
    from enableframe.data_load import load_data
    from enableframe.ruleset import load_ruleset
    from enableframe.workspace import load_workspace

    workspace = load_workspace(workspace_path)
    from enableframe.workspace import CACHE_DIR

    ruleset = load_ruleset(workspace.ruleset_ref, cache_dir=workspace.root / CACHE_DIR,
                           at=workspace.ruleset_location)
    unknown = sorted((only or set()) - set(ruleset.metrics))
    if unknown:
        raise UserError(f"unknown metric {', '.join(unknown)}; the ruleset defines: "
                        + ", ".join(ruleset.metrics))
    loaded = load_data(workspace, progress=progress)
    period = resolve_period(workspace.period, latest_date(loaded.con))
    results = cached_metrics(loaded, ruleset, period, by=by, only=only)
    return MetricsReport(workspace.client, f"{ruleset.name} {ruleset.version}", period,
                         results, loaded.to_dict())
