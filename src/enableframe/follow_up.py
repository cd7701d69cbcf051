"""The follow-up a QBR needs (Jefferson's habit): what was agreed, what was asked for and
delivered, what moved since the last run, what is next; and the trend over stored runs.

Adds two keys to the assessment result:

- ``follow_up``: the workspace's agreed ``targets`` (metric, target, by when, owner) checked
  against this run, the ``delivered`` requests, the changes since the last run with their
  causes (see :mod:`enableframe.diff`) and the next steps.
- ``trend``: each CSO metric and each dimension's level per period over the stored runs.

"The last run" is the latest stored run of an earlier period (the last review); when every
stored run is of this period, the latest of them. A target is judged as of the period
assessed: "missed" when its date falls inside or before the period and the value is not
reached, "open" while the date is after the period's end.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from enableframe.errors import UserError

NEXT_PROGRAMS = 5  # road-map programs listed as next steps


def follow_up_sections(data: Mapping[str, Any], workspace: Any, inputs: Any, *,
                       history: bool) -> dict[str, Any]:
    """``{"trend": ..., "follow_up": ...}`` for the result ``data`` of ``workspace``; with
    ``history`` the stored runs are read (nothing is written here)."""
    from enableframe import history as store

    runs: list[Any] = []
    previous, reason, readable = None, "", history
    if not history:
        reason = "history is off for this run (--no-history)"
    else:
        try:
            runs = store.list_runs(workspace.root, missing_ok=True)
            chosen = _last_run(runs, data["period"])
            if chosen is None:
                reason = "no earlier run stored in the workspace's history"
            else:
                previous = store.load_run(workspace.root, chosen.id)
        except UserError as exc:  # the report still comes; storing will say what is wrong
            runs, reason, readable = [], f"history not readable: {exc}", False
    return {"trend": store.trend(runs, data, from_history=readable),
            "follow_up": build_follow_up(data, getattr(inputs, "targets", None),
                                         getattr(inputs, "delivered", None), previous,
                                         reason)}


def _last_run(runs: list[Any], period: Mapping[str, str]) -> Any:
    earlier = [r for r in runs if r.period["start"] < period["start"]]
    if earlier:
        return max(earlier, key=lambda r: (r.period["start"], r.id))
    return runs[-1] if runs else None


def build_follow_up(data: Mapping[str, Any], targets: list[dict[str, Any]] | None,
                    delivered: list[dict[str, Any]] | None, previous: Any,
                    reason: str = "") -> dict[str, Any]:
    """The ``follow_up`` section; ``previous`` is a stored run (with its result) or None."""
    from enableframe.diff import Side, compare

    metrics = {m["id"]: m for m in data["metrics"]}
    before = previous.result if previous is not None else None
    before_metrics = {m["id"]: m for m in before["metrics"]} if before else {}
    moved = None
    if before is not None:
        changes = compare(Side(ref=f"run {previous.id}", result=before, run=previous.id,
                               input_digests=previous.input_digests),
                          Side(ref="this run", result=dict(data)))
        moved = _moved(changes)
    agreed = [_target(t, metrics, before_metrics, data["period"]) for t in targets or []]
    agreed.sort(key=lambda t: (t["by_when"], t["metric"]))
    return {
        "previous_run": None if previous is None else {
            "run": previous.id, "assessed_on": previous.assessed_on,
            "period": previous.period["label"],
            "ruleset": f"{previous.ruleset_name} {previous.ruleset_version}",
            "basis": "same period" if previous.period["label"] == data["period"]["label"]
            else "earlier period"},
        "previous_run_reason": reason if previous is None else "",
        "targets_recorded": targets is not None,
        "delivered_recorded": delivered is not None,
        "agreed": agreed,
        "delivered": [_delivered(d, metrics, before_metrics, previous)
                      for d in sorted(delivered or [], key=lambda d: d["delivered_on"])],
        "moved": moved,
        "next": _next(agreed, data),
    }


def _better(metric: Mapping[str, Any]) -> str:
    return (metric.get("definition") or {}).get("better", "higher")


def _direction(before: float | None, now: float | None, better: str) -> str | None:
    if before is None or now is None:
        return None
    if abs(now - before) <= 1e-9 * max(1.0, abs(now), abs(before)):
        return "unchanged"
    return "better" if (now > before) == (better == "higher") else "worse"


def _target(target: Mapping[str, Any], metrics: Mapping[str, Any],
            before: Mapping[str, Any], period: Mapping[str, str]) -> dict[str, Any]:
    metric = metrics.get(target["metric"], {})
    better = _better(metric)
    now = metric.get("value")
    last = (before.get(target["metric"]) or {}).get("value")
    goal = float(target["target"])
    out = {**dict(target), "name": metric.get("name", target["metric"]),
           "unit": metric.get("unit"), "better": better, "current": now,
           "at_last_run": last, "since_last_run": _direction(last, now, better)}
    if now is None:
        out["status"] = "unknown"
        out["reason"] = metric.get("reason") or "the metric is not computed by this ruleset"
    elif (now >= goal) if better == "higher" else (now <= goal):
        out["status"], out["reason"] = "met", ""
    elif str(target["by_when"]) <= period["end"]:
        out["status"] = "missed"
        out["reason"] = f"due {target['by_when']}, within or before {period['label']}"
    else:
        out["status"], out["reason"] = "open", ""
    out["gap"] = None if now is None else goal - now
    return out


def _delivered(item: Mapping[str, Any], metrics: Mapping[str, Any],
               before: Mapping[str, Any], previous: Any) -> dict[str, Any]:
    out = dict(item)
    out["new_since_last_run"] = (str(item["delivered_on"]) > previous.assessed_on
                                 if previous is not None else None)
    out["metrics_now"] = [{
        "metric": mid, "name": metrics.get(mid, {}).get("name", mid),
        "unit": metrics.get(mid, {}).get("unit"),
        "current": metrics.get(mid, {}).get("value"),
        "at_last_run": (before.get(mid) or {}).get("value"),
        "since_last_run": _direction((before.get(mid) or {}).get("value"),
                                     metrics.get(mid, {}).get("value"),
                                     _better(metrics.get(mid, {})))}
        for mid in item.get("metrics", [])]
    return out


def _moved(changes: Mapping[str, Any]) -> dict[str, Any]:
    """The diff against the last run, compact: what a QBR slide says moved and why."""
    def causes(item: Mapping[str, Any]) -> list[str]:
        return [c["cause"] for c in item["causes"]]

    return {
        "comparable": changes["comparable"]["ruleset"],
        "notes": changes["comparable"]["notes"],
        "overall": {k: changes["overall"][k] for k in ("from", "to", "change")}
        | {"causes": causes(changes["overall"])},
        "dimensions": [{"id": d["id"], "name": d["name"], "from": d["from"], "to": d["to"],
                        "change": d["change"], "causes": causes(d),
                        "like_for_like": d["like_for_like"]}
                       for d in changes["dimensions"] if d["change"] != "same"],
        "cso_metrics": [{"id": m["id"], "name": m["name"], "unit": m["unit"],
                         "from": m["from"], "to": m["to"], "direction": m["direction"],
                         "causes": causes(m), "like_for_like": m["like_for_like"]}
                        for m in changes["metrics"] if m["cso_key"]],
        "criteria_flipped": [{"id": c["id"], "name": c["name"], "from": c["from"],
                              "to": c["to"], "causes": causes(c),
                              "detail": "; ".join(k.get("detail", "") for k in c["causes"])}
                             for c in changes["criteria"]],
        "changes_by_cause": changes["changes_by_cause"],
    }


def _next(agreed: list[dict[str, Any]], data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Targets still to reach (missed first, then by date), then the road map's programs."""
    out: list[dict[str, Any]] = []
    order = {"missed": 0, "unknown": 1, "open": 2}
    for t in sorted((t for t in agreed if t["status"] != "met"),
                    key=lambda t: (order[t["status"]], t["by_when"])):
        out.append({"kind": "target", "metric": t["metric"], "name": t["name"],
                    "unit": t["unit"], "current": t["current"], "target": t["target"],
                    "by_when": t["by_when"], "owner": t["owner"], "status": t["status"]})
    seen: set[str] = set()
    for step in data["road_map"]["steps"]:
        for p in step["programs"]:
            if p["program"] in seen or len(seen) >= NEXT_PROGRAMS:
                continue
            seen.add(p["program"])
            out.append({"kind": "program", "program": p["program"], "name": p["name"],
                        "dimension": step["dimension"], "to_level": step["to_level"],
                        "cso_metrics": list(p["cso_metrics"])})
    return out
