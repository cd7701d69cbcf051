"""The assessment: one command's answer to "where is enablement, is its charter holding,
what next". Builds one immutable :class:`Assessment` from a workspace."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from enableframe import __version__
from enableframe.evaluation import FAIL, PASS, UNKNOWN, WAIVED

SCHEMA_VERSION = "1"
DATA_QUALITY_REJECT_SHARE = 0.05  # more rejected rows than this marks results provisional


@dataclass(frozen=True)
class Assessment:
    """The result of ``enableframe assess``: read-only, JSON per
    ``schemas/assessment.schema.json``."""

    data: Mapping[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return _thaw(self.data)

    @property
    def overall_level(self) -> int:
        return int(self.data["overall"]["level"])


def _freeze(value: Any) -> Any:
    if isinstance(value, Mapping):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(_freeze(v) for v in value)
    return value


def _thaw(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _thaw(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [_thaw(v) for v in value]
    return value


def run_assessment(workspace_path: str | Path, *, today: dt.date | None = None,
                   cache: bool = True, history: bool = False,
                   progress: Any = None) -> Assessment:
    """Load the workspace, compute metrics, evaluate criteria, score levels, classify
    requests against the charter and build the road map. With ``history`` the trend and
    the follow-up read the workspace's stored runs (storing is ``history.record_run``)."""
    from enableframe.charter_findings import classify_requests, demand_to_capacity
    from enableframe.data_load import load_data
    from enableframe.diff import criteria_definitions
    from enableframe.evaluation import evaluate_criteria, score_levels
    from enableframe.facts import build_facts
    from enableframe.follow_up import follow_up_sections
    from enableframe.inputs import load_inputs
    from enableframe.metric_run import cached_metrics, latest_date
    from enableframe.periods import resolve_period
    from enableframe.ruleset import load_ruleset
    from enableframe.workspace import CACHE_DIR, load_workspace

    today = today or dt.date.today()
    workspace = load_workspace(workspace_path)
    ruleset = load_ruleset(workspace.ruleset_ref, cache_dir=workspace.root / CACHE_DIR,
                           at=workspace.ruleset_location)
    inputs = load_inputs(workspace, ruleset)
    loaded = load_data(workspace, cache=cache, progress=progress)
    period = resolve_period(workspace.period, latest_date(loaded.con))
    metrics = cached_metrics(loaded, ruleset, period)
    by_id = {m.id: m for m in metrics}

    requests, requests_reason = None, ""
    if "requests" in loaded.missing:
        requests_reason = "no requests source (the intake log) in the workspace"
    elif inputs.charter is None:
        requests_reason = "no charter to classify requests against"
    else:
        requests = classify_requests(loaded.con, inputs.charter, period)
        requests["demand_to_capacity"] = demand_to_capacity(requests, inputs.charter, period)
        if requests["total"] == 0:
            requests, requests_reason = None, f"no requests logged in {period.label}"

    facts = build_facts(ruleset, inputs, by_id, requests, requests_reason)
    criteria, expired = evaluate_criteria(ruleset, facts, inputs.waivers or [], today)
    thin = {m.id for m in metrics if m.thin}
    dimensions, overall = score_levels(ruleset, criteria, thin)
    quality = loaded.to_dict()
    rejected_share = _rejected_share(quality)
    if rejected_share > DATA_QUALITY_REJECT_SHARE:
        overall["provisional"] = True
        overall.setdefault("provisional_reasons", []).append(
            f"{rejected_share:.0%} of data rows were rejected (see data quality)")

    data = {
        "schema_version": SCHEMA_VERSION,
        "generator": f"enableframe {__version__}",
        "assessed_on": today.isoformat(),
        "client": workspace.client,
        "ruleset": {"name": ruleset.name, "version": ruleset.version, "digest": ruleset.digest,
                    "chain": list(ruleset.chain), "scoring": ruleset.scoring,
                    "criteria_definitions": criteria_definitions(ruleset),
                    "levels": [{"id": n, "name": lv["name"],
                                "description": " ".join(str(lv.get("description", "")).split()),
                                "cso_says": lv.get("cso_says", "")}
                               for n, lv in sorted(ruleset.levels.items())]},
        "people": {"show_names": bool(workspace.people.get("show_names", False)),
                   "min_group_size": int(workspace.people.get("min_group_size", 5))},
        "program_links": _program_links(ruleset, inputs),
        "period": period.to_dict(),
        "comparison_periods": {"previous": period.previous().to_dict(),
                               "year_before": period.year_before().to_dict()},
        "inputs": _inputs_summary(workspace, inputs, quality, loaded),
        "overall": overall,
        "dimensions": [d.to_dict() for d in dimensions],
        "criteria": [c.to_dict() for c in criteria],
        "metrics": [m.to_dict() for m in metrics],
        "charter": _charter_findings(ruleset, inputs, facts, by_id, requests, requests_reason),
        "road_map": _road_map(ruleset, criteria, dimensions, inputs, facts),
        "waivers": {"active": [c.waiver for c in criteria if c.waiver],
                    "expired": expired},
        "data_quality": {**quality, "rejected_share": rejected_share,
                         "thin_metrics": sorted(thin)},
    }
    data.update(follow_up_sections(data, workspace, inputs, history=history))
    return Assessment(_freeze(data))


def _rejected_share(quality: dict[str, Any]) -> float:
    read = sum(t["read"] for t in quality["tables"])
    return sum(t["rejected"] for t in quality["tables"]) / read if read else 0.0


def _inputs_summary(workspace: Any, inputs: Any, quality: dict[str, Any],
                    loaded: Any) -> dict[str, Any]:
    tables = {t["table"]: t for t in quality["tables"]}
    sources = []
    for table, source in workspace.sources.items():
        sources.append({"table": table, "connector": source.connector,
                        "path": source.display, "digest": loaded.digest(table, source.path),
                        "rows_read": tables.get(table, {}).get("read", 0),
                        "rows_accepted": tables.get(table, {}).get("accepted", 0)})
    return {"workspace": str(workspace.path), "sources": sources,
            "missing_tables": quality["missing"], "provided": inputs.provided()}


def _charter_findings(ruleset: Any, inputs: Any, facts: dict[str, Any], metrics: dict,
                      requests: dict[str, Any] | None, requests_reason: str) -> dict[str, Any]:
    charter = inputs.charter
    org = facts["org"] if isinstance(facts["org"], dict) else None
    band = _ratio_band(ruleset)
    ratio = org.get("enablers_per_60_sellers") if org else None
    owned = list(charter.get("owned_metrics", [])) if charter else []
    return {
        "charter_provided": charter is not None,
        "written": bool(charter and charter.get("written")),
        "requests": requests,
        "requests_unknown_reason": requests_reason if requests is None else "",
        "junk_drawer_index": requests["out_of_charter_share"] if requests else None,
        "effort_out_of_charter_share": requests["effort_out_of_charter_share"]
        if requests else None,
        "demand_to_capacity": requests.get("demand_to_capacity") if requests else None,
        "more_asks_than_capacity": (requests.get("demand_to_capacity") or 0) > 1
        if requests and requests.get("demand_to_capacity") is not None else None,
        "owned_metrics_unmeasured": [m for m in owned
                                     if m not in metrics or metrics[m].value is None],
        "ratio": {"enablers_per_60_sellers": ratio, "band": band,
                  "in_band": (band[0] <= ratio <= band[1]) if ratio is not None and band
                  else None},
        "reporting_line": (org or {}).get("reporting_line")
        or (charter or {}).get("reporting_line"),
        "reports_to_sales": (org or {}).get("reports_to_sales"),
        "capacity_hours_per_quarter": (charter or {}).get("capacity_hours_per_quarter"),
        "junk_drawer_threshold": _param(ruleset, "requests.out_of_charter_share"),
    }


def _program_links(ruleset: Any, inputs: Any) -> list[dict[str, Any]]:
    """Each catalogue or inventory program, the metrics it moves and the CSO metrics its
    graph path reaches: what the program-to-metric picture in reports shows."""
    from enableframe.facts import linked_to_cso

    graph = ruleset.graph
    inventory = {p["id"]: p for p in inputs.programs or []}
    cso = {m for m, spec in ruleset.metrics.items() if spec.get("cso_key")}
    out = []
    for program_id in [*ruleset.programs, *(p for p in inventory if p not in ruleset.programs)]:
        owned = inventory.get(program_id, {})
        if program_id in ruleset.programs:
            node = f"program:{program_id}"
            moves = sorted(b.split(":", 1)[1] for b, k in graph.needed_by(node)
                           if k == "influences")
            path = [n.split(":", 1)[1] for n in graph.cso_path(node)]
        else:
            moves, path = sorted(owned.get("target_metrics", [])), []
        reached = sorted({m for m in (*moves, *path) if m in cso}
                         | (set(owned.get("target_metrics", [])) & cso))
        out.append({
            "program": program_id,
            "name": owned.get("name") or ruleset.programs.get(program_id, {}).get(
                "name", program_id),
            "in_catalogue": program_id in ruleset.programs,
            "in_inventory": program_id in inventory,
            "status": owned.get("status"),
            "influences": moves,
            "cso_path": path,
            "cso_metrics": reached,
            "linked_to_cso": linked_to_cso(ruleset, owned) if owned else bool(path),
        })
    return out


def _param(ruleset: Any, fact: str) -> float | None:
    """The threshold of the criterion comparing ``fact`` with one param (overlays move it)."""
    for spec in ruleset.criteria.values():
        params = spec.get("params", {})
        if fact in spec.get("when", "") and len(params) == 1:
            return float(next(iter(params.values())))
    return None


def _ratio_band(ruleset: Any) -> list[float] | None:
    """The band is the params of the criterion testing ``org.enablers_per_60_sellers``."""
    for spec in ruleset.criteria.values():
        params = spec.get("params", {})
        lo = [v for k, v in params.items() if k.startswith("min_enablers")]
        hi = [v for k, v in params.items() if k.startswith("max_enablers")]
        if lo and hi:
            return [float(lo[0]), float(hi[0])]
    return None


def _road_map(ruleset: Any, criteria: list, dimensions: list, inputs: Any,
              facts: dict[str, Any]) -> dict[str, Any]:
    graph = ruleset.graph
    active = [p["id"] for p in inputs.programs or [] if p["status"] == "active"]
    steps = []
    for dim in dimensions:
        target = dim.level + 1
        if target not in ruleset.levels:
            continue
        gaps = [c for c in criteria if c.dimension == dim.id and c.level <= target
                and c.required and c.status in (FAIL, UNKNOWN)]
        failing = {c.id: [p for p in c.programs if p in ruleset.programs]
                   for c in gaps if c.status == FAIL}
        build = graph.road_map(failing, active_programs=active)
        steps.append({
            "dimension": dim.id, "from_level": dim.level, "to_level": target,
            "to_level_name": ruleset.levels[target]["name"],
            "failing": [{"criterion": c.id, "name": c.name, "level": c.level,
                         "recommendation": c.recommendation} for c in gaps
                        if c.status == FAIL],
            "evidence_to_collect": [{"criterion": c.id, "name": c.name, "reason": c.reason}
                                    for c in gaps if c.status == UNKNOWN],
            "programs": [{"program": s.program.split(":", 1)[1], "name": s.name,
                          "prerequisites": [p.split(":", 1)[1] for p in s.prerequisites],
                          "moves": [m.split(":", 1)[1] for m in s.moves],
                          "cso_metrics": [m.split(":", 1)[1] for m in s.cso_metrics],
                          "for_criteria": list(s.for_criteria)} for s in build],
        })
    graph_fact = facts.get("graph")
    noise = graph_fact.get("unlinked_programs", []) if isinstance(graph_fact, dict) else []
    passed = sum(c.status in (PASS, WAIVED) for c in criteria)
    return {"steps": steps, "noise": [{"program": p, "why": "linked to no CSO key metric"}
                                      for p in noise],
            "criteria_passed": passed, "criteria_total": len(criteria)}
