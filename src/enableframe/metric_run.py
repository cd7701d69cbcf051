"""``enableframe metrics``: load a workspace's data and compute its ruleset's metrics.

Importing this module is cheap (the engine is imported when a run needs it), so that a
re-run served from the run memo (:func:`metrics_report`) imports nothing heavy.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from enableframe.errors import UserError

if TYPE_CHECKING:
    from enableframe.metrics import MetricResult
    from enableframe.periods import Period
    from enableframe.ruleset import Ruleset
    from enableframe.workspace import Workspace


@dataclass
class MetricsReport:
    client: str
    ruleset: str
    period: Period
    metrics: list[MetricResult]
    quality: dict[str, Any]
    # every file the report was computed from, or None when one cannot be named
    inputs: list[Path] | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {"client": self.client, "ruleset": self.ruleset,
                "period": self.period.to_dict(),
                "metrics": [m.to_dict() for m in self.metrics], "data_quality": self.quality}


def compute_metrics(*args: Any, **kwargs: Any) -> list[MetricResult]:
    """:func:`enableframe.metrics.compute_metrics`, imported when first called."""
    from enableframe.metrics import compute_metrics as compute

    return compute(*args, **kwargs)


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
    from enableframe.plugin_host import get_plugin_host
    from enableframe.validation_cache import digest
    from enableframe.yaml_loader import to_plain

    host = get_plugin_host()  # a metric kind's plugin upgraded computes again
    kinds = sorted({r.plugin: host.dists.get(r.plugin, ("", "")) for r in
                    host.registry.metric_kinds.values()}.items())
    key = digest(to_plain(ruleset.document.get("metrics", [])), ruleset.scoring, loaded.keys,
                 sorted(loaded.missing), period.to_dict(), by, sorted(only or []), kinds)
    con = loaded.con
    con.execute(f"CREATE TABLE IF NOT EXISTS {_RESULTS} (key VARCHAR PRIMARY KEY, "
                "results VARCHAR)")
    row = con.execute(f"SELECT results FROM {_RESULTS} WHERE key = ?", [key]).fetchone()
    if row:
        from enableframe.metrics import MetricResult

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
    from enableframe.periods import resolve_period
    from enableframe.ruleset import load_ruleset
    from enableframe.workspace import CACHE_DIR, load_workspace

    workspace = load_workspace(workspace_path)

    ruleset = load_ruleset(workspace.ruleset_ref, cache_dir=workspace.root / CACHE_DIR,
                           at=workspace.ruleset_location)
    unknown = sorted((only or set()) - set(ruleset.metrics))
    if unknown:
        raise UserError(f"unknown metric {', '.join(unknown)}; the ruleset defines: "
                        + ", ".join(ruleset.metrics))
    loaded = load_data(workspace, progress=progress)
    try:
        period = resolve_period(workspace.period, latest_date(loaded.con))
        results = cached_metrics(loaded, ruleset, period, by=by, only=only)
    finally:  # release the cache file now, not when the process ends (tests, embedding)
        loaded.con.close()
    return MetricsReport(workspace.client, f"{ruleset.name} {ruleset.version}", period,
                         results, loaded.to_dict(), inputs=_inputs(workspace, ruleset))


def metrics_report(workspace_path: str | Path, *, by: str | None = None,
                   only: set[str] | None = None,
                   progress: Callable[[str, int, int], None] | None = None,
                   plugin_options: Iterable[str] = (), memo: bool = True) -> dict[str, Any]:
    """:func:`run_metrics` as plain data, given again from the workspace's run memo
    (:mod:`enableframe.run_memo`) while none of its inputs, options, installed plugins or
    code under development has changed; a miss runs in full and stores the new report.

    :param plugin_options: the ``-p`` switches the plugin host is configured with.
    :param memo: ``False`` to neither read nor write the memo (``--trace-plugins``).
    """
    import sys

    from enableframe import run_memo

    host = sys.modules.get("enableframe.plugin_host")
    if host is not None and host.host_is_built():
        memo = False  # it may hold plugins registered in this process, which no key sees
    options = {"by": by, "metric": sorted(only or ()), "plugins": list(plugin_options)}
    stored = run_memo.Memo.open(workspace_path, "metrics", options) if memo else None
    if stored is not None and (data := stored.recall()) is not None:
        return data
    report = run_metrics(workspace_path, by=by, only=only, progress=progress)
    data = report.to_dict()
    if stored is not None and report.inputs is not None \
            and data["data_quality"]["cache"] == "used":
        from enableframe.data_load import CACHE_FILE

        stored.remember(as_rerun(data), report.inputs,
                        present=[stored.path.parent / CACHE_FILE])
    return data


# data_load's note on a table read from the cache because its inputs are unchanged
FROM_CACHE = "from the cache: inputs unchanged"


def as_rerun(data: dict[str, Any]) -> dict[str, Any]:
    """A report as the next run on the same inputs gives it: read back from JSON (as the
    metric results cache gives them), each table noted as read from the cache."""
    data = json.loads(json.dumps(data))
    for table in data["data_quality"]["tables"]:
        if table["notes"][-1:] != [FROM_CACHE]:
            table["notes"].append(FROM_CACHE)
    return data


def _inputs(workspace: Workspace, ruleset: Ruleset) -> list[Path] | None:
    """Every file a metrics report depends on: the workspace file, the ruleset chain, each
    source (a folder with every folder and file below it: a new file changes its folder's
    identity) and the canonical table schemas; None when one cannot be named."""
    from enableframe import resources

    schemas = resources.files_root() / "schemas"
    rulesets = ruleset.files
    if not rulesets or not all(isinstance(f, Path) for f in (*rulesets, schemas)):
        return None  # a file inside a zip, or a ruleset held in memory
    files = [workspace.path, *rulesets, schemas, *schemas.rglob("*")]
    for source in workspace.sources.values():
        files.append(source.path)
        if source.path.is_dir():
            files.extend(source.path.rglob("*"))
    return files
