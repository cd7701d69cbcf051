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
    comparison,
    evidence_items,
    fmt_value,
    program_links,
    top_moves,
)

SECTIONS = (("summary", "Summary"), ("five-ps", "The five Ps"),
            ("dimensions", "Dimensions in detail"), ("charter", "Charter health"),
            ("program-graph", "Programs and the CSO metrics"), ("road-map", "Road map"),
            ("metrics", "All metrics"), ("data-quality", "Data quality"),
            ("appendix", "Appendix"))


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
    return {
        "r": r, "sections": SECTIONS, "status_words": STATUS_WORDS,
        "title": f"{r.get('client', '')}: sales enablement assessment, "
                 f"{r.get('period', {}).get('label', '')}",
        "overall": overall, "level": level, "levels": levels,
        "next_level": next((name for lv, name in levels if lv == level + 1), None),
        "provisional_dims": [d["name"] for d in dims if d.get("provisional")],
        "curve": charts.curve(levels, level),
        "cso_metrics": [_metric_card(m) for m in cso],
        "moves": top_moves(r, names, {p["program"]: p["name"] for p in links}),
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
