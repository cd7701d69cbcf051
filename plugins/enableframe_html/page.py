"""Render one assessment as one self-contained HTML page (Jinja2, autoescaped).

Imported only when a report is rendered, so Jinja2 costs nothing to other commands."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from enableframe_html import charts
from enableframe_html.view import (
    DEFAULT_LEVELS,
    STATUS_WORDS,
    People,
    change,
    comparison,
    evidence_items,
    fmt_value,
    program_links,
    top_moves,
)

SECTIONS = (("summary", "Summary"), ("follow-up", "Follow-up"), ("trend", "Trend"),
            ("five-ps", "The five Ps"),
            ("dimensions", "Dimensions in detail"), ("charter", "Charter health"),
            ("program-graph", "Programs and the CSO metrics"), ("road-map", "Road map"),
            ("metrics", "All metrics"), ("data-quality", "Data quality"),
            ("appendix", "Appendix"))
# Sections shown only when the result carries their key (results before history had none).
OPTIONAL_SECTIONS = {"follow-up": "follow_up", "trend": "trend"}
CAUSE_WORDS = {"data": "data", "ruleset": "ruleset or overlay", "waiver": "waiver",
               "unexplained": "unexplained"}
TARGET_ICONS = {"met": "pass", "missed": "fail", "open": "open", "unknown": "unknown"}


@lru_cache(maxsize=1)
def environment() -> Any:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("enableframe_html", "templates"),
        autoescape=True,  # every value from a workspace is text, never markup
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True)


def render_page(result: Mapping[str, Any]) -> str:
    return environment().get_template("report.html.j2").render(**context(result))


def context(r: Mapping[str, Any]) -> dict[str, Any]:
    metrics = list(r.get("metrics", []))
    units = {m["id"]: m.get("unit") for m in metrics}
    names = {m["id"]: m.get("name") or m["id"] for m in metrics}
    cso = [m for m in metrics if m.get("cso_key")]
    dims = list(r.get("dimensions", []))
    levels = _levels(r)
    overall = dict(r.get("overall", {}))
    level = int(overall.get("level") or 0)
    people = People(r.get("people"))
    links, links_complete = program_links(r)
    moves = top_moves(r, names, {p["program"]: p["name"] for p in links})
    return {
        "r": r, "status_words": STATUS_WORDS,
        "sections": [(sid, name) for sid, name in SECTIONS
                     if sid not in OPTIONAL_SECTIONS
                     or isinstance(r.get(OPTIONAL_SECTIONS[sid]), Mapping)],
        "title": f"{r.get('client', '')}: sales enablement assessment, "
                 f"{r.get('period', {}).get('label', '')}",
        "overall": overall, "level": level, "levels": levels,
        "next_level": next((name for lv, name in levels if lv == level + 1), None),
        "provisional_dims": [d["name"] for d in dims if d.get("provisional")],
        "curve": charts.curve(levels, level),
        "cso_metrics": [_metric_card(m) for m in cso],
        "moves": moves,
        "follow_up": _follow_up(r, names, moves),
        "trend": _trend(r, levels),
        "target_icons": TARGET_ICONS,
        "bars": charts.level_bars(dims, max((lv for lv, _ in levels), default=4)),
        "dimensions": [_dimension(d, r.get("criteria", []), units) for d in dims],
        "charter": _charter(r),
        "graph": charts.program_graph(links, [(m["id"], m.get("name") or m["id"])
                                              for m in cso]),
        "graph_values": {m["id"]: fmt_value(m.get("value"), m.get("unit")) for m in cso},
        "links_complete": links_complete, "metric_names": names,
        "road_map": _road_map(r, names),
        "metrics": [_metric_row(m) for m in sorted(
            metrics, key=lambda m: (not m.get("cso_key"), m.get("ownership", ""),
                                    m.get("name") or m["id"]))],
        "breakdowns": _breakdowns(cso + [m for m in metrics if not m.get("cso_key")], people),
        "people": people,
        "quality": _quality(r),
        "criteria_names": {c["id"]: c.get("name") or c["id"] for c in r.get("criteria", [])},
    }


def _levels(r: Mapping[str, Any]) -> list[tuple[int, str]]:
    for d in r.get("dimensions", []):
        if d.get("breakdown"):
            return [(int(b["level"]), b.get("name") or f"Level {b['level']}")
                    for b in d["breakdown"]]
    return sorted(DEFAULT_LEVELS.items())


def _metric_card(m: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": m["id"], "name": m.get("name") or m["id"],
            "value": fmt_value(m.get("value"), m.get("unit")), "known": m.get("value") is not None,
            "reason": m.get("reason", ""), "previous": comparison(m, "previous"),
            "year_before": comparison(m, "year_before"),
            "better": (m.get("definition") or {}).get("better", "higher"),
            "rows": m.get("rows"), "thin": m.get("thin")}


def _metric_row(m: Mapping[str, Any]) -> dict[str, Any]:
    return {**_metric_card(m), "ownership": m.get("ownership", ""),
            "cso_key": bool(m.get("cso_key")), "status": m.get("status", "")}


def _dimension(d: Mapping[str, Any], criteria: list, units: Mapping[str, str]) -> dict:
    mine = sorted((c for c in criteria if c.get("dimension") == d["id"]),
                  key=lambda c: (c.get("level", 0), c["id"]))
    rows = []
    for c in mine:
        rows.append({**c, "evidence_items": evidence_items(c.get("evidence") or {}, units),
                     "status_word": STATUS_WORDS.get(c["status"], c["status"])})
    return {**d, "criteria_rows": rows}


def _threshold(r: Mapping[str, Any], key: str) -> float | None:
    """A threshold a criterion compared with (its params appear in its evidence)."""
    for c in r.get("criteria", []):
        value = (c.get("evidence") or {}).get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    return None


def _charter(r: Mapping[str, Any]) -> dict[str, Any]:
    c = dict(r.get("charter") or {})
    q = c.get("requests")
    out: dict[str, Any] = {"c": c, "requests": q, "share_bar": None, "owners": None,
                           "capacity": None, "capacity_hours": None, "samples": []}
    if q:
        out["samples"] = list(dict.fromkeys(q.get("unclassified_samples") or []))
        parts = [("in", q.get("in_charter", 0), "in charter"),
                 ("out", q.get("out_of_charter", 0), "out of charter (junk drawer)"),
                 ("unclassified", q.get("unclassified", 0), "unclassified")]
        out["share_bar"] = charts.share_bar(parts, _threshold(r, "max_out_of_charter_share"))
        owners = [(o.get("owner") or "no owner named", o["requests"],
                   f"{o['requests']} request{'s' if o['requests'] != 1 else ''}"
                   + (f", {fmt_value(o['effort'])} h" if o.get("effort") is not None else ""))
                  for o in q.get("by_owner", [])]
        out["owners"] = charts.count_bars(owners) if owners else None
    if c.get("demand_to_capacity") is not None:
        out["capacity"] = charts.capacity_bar(float(c["demand_to_capacity"]))
    for crit in r.get("criteria", []):
        charter = (crit.get("evidence") or {}).get("charter")
        if isinstance(charter, Mapping) and charter.get("capacity_hours_per_quarter"):
            out["capacity_hours"] = charter["capacity_hours_per_quarter"]
            break
    return out


def _road_map(r: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
    rm = r.get("road_map") or {}
    dim_names = {d["id"]: d["name"] for d in r.get("dimensions", [])}
    steps = []
    for s in rm.get("steps", []):
        if not (s.get("failing") or s.get("evidence_to_collect") or s.get("programs")):
            continue
        steps.append({**s, "dimension_name": dim_names.get(s["dimension"], s["dimension"]),
                      "programs": [{**p, "cso_names": [names.get(m, m) for m in
                                                       p.get("cso_metrics", [])]}
                                   for p in s.get("programs", [])]})
    return {"steps": steps, "noise": rm.get("noise", []),
            "passed": rm.get("criteria_passed"), "total": rm.get("criteria_total")}


def _breakdowns(metrics: list, people: People) -> list[dict[str, Any]]:
    out = []
    for m in metrics:
        for grouping, groups in (m.get("by") or {}).items():
            if isinstance(groups, Mapping) and groups:
                table = people.breakdown(grouping, groups, m.get("unit"))
                out.append({"metric": m.get("name") or m["id"], **table})
    return out


def _quality(r: Mapping[str, Any]) -> dict[str, Any]:
    dq = dict(r.get("data_quality") or {})
    tables = []
    for t in dq.get("tables", []):
        tables.append({**t, "accepted_share": t["accepted"] / t["read"] if t.get("read")
                       else None})
    return {**dq, "tables": tables}


# -- follow-up and trend ------------------------------------------------------------------------

def _causes(causes: list[str]) -> str:
    return ", ".join(CAUSE_WORDS.get(c, c) for c in causes) or "not recorded"


def _follow_up(r: Mapping[str, Any], names: Mapping[str, str],
               moves: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The QBR follow-up: what was agreed (targets and their status), what was asked for
    and delivered, what moved since the last run and why, what is next. None for a result
    without ``follow_up``."""
    f = r.get("follow_up")
    if not isinstance(f, Mapping):
        return None
    prev = f.get("previous_run")
    last = f"the last run ({prev['period']})" if prev else "the last run"
    dim_names = {d["id"]: d["name"] for d in r.get("dimensions", [])}
    agreed = []
    counts = dict.fromkeys(("met", "missed", "open", "unknown"), 0)
    for t in f.get("agreed", []):
        unit, better = t.get("unit"), t.get("better", "higher")
        counts[t["status"]] = counts.get(t["status"], 0) + 1
        agreed.append({
            "name": t.get("name") or t["metric"], "metric": t["metric"],
            "target": fmt_value(t["target"], unit), "by_when": t["by_when"],
            "owner": t["owner"], "agreed_with": t.get("agreed_with", ""),
            "note": t.get("note", ""), "now": fmt_value(t.get("current"), unit),
            "since": change(t.get("current"), t.get("at_last_run"), unit, better, last),
            "status": t["status"], "reason": t.get("reason", ""),
            "better": better})
    delivered = []
    for d in f.get("delivered", []):
        delivered.append({**d, "metrics_now": [
            {**m, "now": fmt_value(m.get("current"), m.get("unit")),
             "then": fmt_value(m.get("at_last_run"), m.get("unit"))}
            for m in d.get("metrics_now", [])]})
    return {
        "previous": prev, "reason": f.get("previous_run_reason", ""),
        "targets_recorded": bool(f.get("targets_recorded")),
        "delivered_recorded": bool(f.get("delivered_recorded")),
        "agreed": agreed, "counts": counts, "delivered": delivered,
        "moved": _moved(f.get("moved"), r),
        "next": _next(f.get("next", []), names, dim_names, moves),
    }


def _moved(moved: Mapping[str, Any] | None, r: Mapping[str, Any]) -> dict[str, Any] | None:
    if not moved:
        return None
    better = {m["id"]: (m.get("definition") or {}).get("better", "higher")
              for m in r.get("metrics", [])}
    o = moved["overall"]
    metrics = []
    for m in moved.get("cso_metrics", []):
        c = change(m.get("to"), m.get("from"), m.get("unit"), better.get(m["id"], "higher"),
                   "the last run")
        metrics.append({**m, "from_text": fmt_value(m.get("from"), m.get("unit")),
                        "to_text": fmt_value(m.get("to"), m.get("unit")),
                        "direction_icon": c["direction"], "causes_text": _causes(m["causes"]),
                        "verdict": m["direction"] if m["direction"] in ("better", "worse")
                        else "", "delta": c["delta"]})
    by_cause = [(CAUSE_WORDS.get(k, k), n) for k, n in
                (moved.get("changes_by_cause") or {}).items() if n]
    return {
        "comparable": moved.get("comparable", "same"), "notes": moved.get("notes", []),
        "overall": {**o, "causes_text": _causes(o.get("causes", []))},
        "dimensions": [{**d, "causes_text": _causes(d["causes"])}
                       for d in moved.get("dimensions", [])],
        "metrics": metrics,
        "criteria": [{**c, "causes_text": _causes(c["causes"])}
                     for c in moved.get("criteria_flipped", [])],
        "by_cause": by_cause,
        "nothing": o.get("change") == "same" and not moved.get("dimensions")
        and not metrics and not moved.get("criteria_flipped"),
    }


TARGET_NEXT = {"missed": "missed: recover it or agree a new date",
               "unknown": "not measurable yet: collect the data", "open": "open"}


def _next(items: list[Mapping[str, Any]], names: Mapping[str, str],
          dim_names: Mapping[str, str], moves: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Targets still to reach, then the road map's programs to build; when the road map
    builds none, its top moves (the criteria to fix)."""
    out = []
    for n in items:
        if n.get("kind") == "target":
            unit = n.get("unit")
            out.append({"kind": "target", "status": n["status"],
                        "title": f"{n['name']}: {fmt_value(n.get('current'), unit)} → "
                                 f"{fmt_value(n['target'], unit)} by {n['by_when']}",
                        "detail": f"Owner {n['owner']}; "
                                  f"{TARGET_NEXT.get(n['status'], n['status'])}."})
        else:
            cso = [names.get(m, m) for m in n.get("cso_metrics", [])]
            out.append({"kind": "program", "status": "",
                        "title": f"Build {n['name']}",
                        "detail": f"Takes {dim_names.get(n['dimension'], n['dimension'])} "
                                  f"to level {n['to_level']}"
                                  + (f"; moves {', '.join(cso)}" if cso else "") + "."})
    if not any(n["kind"] == "program" for n in out):
        for m in moves:
            out.append({"kind": m["kind"], "status": "", "title": m["title"],
                        "detail": f"Needed for the next level in "
                                  f"{', '.join(m['dimension_names'])}."})
    return out


def _trend(r: Mapping[str, Any], levels: list[tuple[int, str]]) -> dict[str, Any] | None:
    """Each CSO metric as a small multiple over the periods, and a table of the levels and
    metrics per period. None for a result without ``trend``; ``enough`` is False with fewer
    than two periods (the page says why)."""
    t = r.get("trend")
    if not isinstance(t, Mapping):
        return None
    points = list(t.get("points") or [])
    out: dict[str, Any] = {
        "enough": len(points) >= 2, "count": len(points),
        "from_history": bool(t.get("from_history")),
        "omitted": int(t.get("omitted_periods") or 0), "levels": levels,
        "periods": [], "panels": [], "level_rows": [], "metric_rows": [], "other": [],
        "any_missing": False, "any_unknown": False}
    if len(points) < 2:
        return out
    periods = [{"label": p["period"]["label"], "other": not p.get("same_ruleset", True),
                "ruleset": p.get("ruleset", ""), "run": p.get("run"),
                "assessed_on": p.get("assessed_on", "")} for p in points]
    labels = [p["label"] for p in periods]
    others = [p["other"] for p in periods]
    out["periods"] = periods
    out["other"] = sorted({p["ruleset"] for p in periods if p["other"]})
    for m in t.get("metrics", []):
        unit, better = m.get("unit"), m.get("better", "higher")
        values = [p["metrics"].get(m["id"]) for p in points]
        texts = [fmt_value(v, unit) if m["id"] in p["metrics"] else "not measured"
                 for v, p in zip(values, points, strict=True)]
        known = [(v, label) for v, label in zip(values, labels, strict=True) if v is not None]
        latest = change(values[-1], values[-2], unit, better, labels[-2])
        overall = change(known[-1][0], known[0][0], unit, better, known[0][1]) \
            if len(known) > 2 and values[-1] is not None else None
        cells = []
        for i, (v, text) in enumerate(zip(values, texts, strict=True)):
            c = change(v, values[i - 1], unit, better, labels[i - 1]) if i else None
            cells.append({"text": text, "change": c})
        out["metric_rows"].append({"name": m["name"], "better": better, "cells": cells})
        out["panels"].append({
            "id": m["id"], "name": m["name"], "better": better, "latest": latest,
            "overall": overall, "now": texts[-1],
            "series": list(zip(labels, texts, strict=True)),
            "chart": charts.trend_panel(values, labels, texts, others)})
    rows = [("Overall level", [p.get("overall_level") for p in points], True)]
    rows += [(d["name"], [p.get("levels", {}).get(d["id"]) for p in points], False)
             for d in t.get("dimensions", [])]
    for name, values, strong in rows:
        cells, before = [], None
        for v in values:
            moved = "" if v is None or before is None or v == before else \
                ("up" if v > before else "down")
            cells.append({"text": "–" if v is None else str(v), "moved": moved,
                          "missing": v is None})
            before = v if v is not None else before
        out["level_rows"].append({"name": name, "strong": strong, "cells": cells})
    out["any_missing"] = any(c["missing"] for row in out["level_rows"] for c in row["cells"])
    out["any_unknown"] = any(not pt["known"] for panel in out["panels"]
                             for pt in panel["chart"]["points"])
    return out
