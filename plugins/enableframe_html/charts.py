"""Geometry of the report's inline SVG charts, computed here so the templates only place
shapes. Coordinates are in SVG user units; every chart scales to its container."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import pairwise
from typing import Any


def _r(x: float) -> float:
    return round(x, 1)


# -- the maturity curve ---------------------------------------------------------------------

def curve(levels: Sequence[tuple[int, str]], current: int) -> dict[str, Any]:
    """Perry's curve: the levels as points on a rising S, the current one marked."""
    width, height, left, right, top, bottom = 560, 200, 44, 44, 36, 40
    n = max(len(levels), 1)
    step = (width - left - right) / max(n - 1, 1)
    # an S: slow start, steep middle, flattening top
    heights = [0.0, 0.22, 0.62, 0.92, 1.0][:n] if n <= 5 else \
        [i / (n - 1) for i in range(n)]
    points = []
    for i, (level, name) in enumerate(levels):
        x = left + i * step
        y = height - bottom - heights[i] * (height - top - bottom)
        points.append({"x": _r(x), "y": _r(y), "level": level, "name": name,
                       "current": level == current, "next": level == current + 1,
                       "reached": level <= current})
    reached = [p for p in points if p["reached"]]
    return {"width": width, "height": height, "path": _smooth(points),
            "reached_path": _smooth(reached) if len(reached) > 1 else "",
            "points": points, "baseline": height - bottom + 14, "below_first": current < 1,
            "start_x": left - 24}


def _smooth(points: Sequence[Mapping[str, Any]]) -> str:
    """A path through the points, each step a cubic curve leaving and arriving flat."""
    if not points:
        return ""
    d = f"M {points[0]['x']} {points[0]['y']}"
    for a, b in pairwise(points):
        mid = _r((a["x"] + b["x"]) / 2)
        d += f" C {mid} {a['y']}, {mid} {b['y']}, {b['x']} {b['y']}"
    return d


# -- the five Ps ----------------------------------------------------------------------------

def level_bars(dimensions: Sequence[Mapping[str, Any]], max_level: int) -> dict[str, Any]:
    """One bar per dimension, its length the level reached, with a dotted extension for
    the share of the next level's required criteria already met."""
    label_w, bar_w, row_h, top = 130, 400, 46, 34
    width = label_w + bar_w + 150
    unit = bar_w / max(max_level, 1)
    rows = []
    for i, d in enumerate(dimensions):
        y = top + i * row_h
        level = int(d.get("level") or 0)
        nxt = next((b for b in d.get("breakdown", []) if b["level"] == level + 1), None)
        total = sum(nxt[s] for s in ("pass", "fail", "unknown", "waived")) if nxt else 0
        met = (nxt["pass"] + nxt["waived"]) if nxt else 0
        partial = met / total if total else 0.0
        rows.append({"name": d["name"], "level": level, "y": y, "bar_y": y + 8, "bar_h": 22,
                     "x": label_w, "w": _r(level * unit),
                     "partial_x": _r(label_w + level * unit), "partial_w": _r(partial * unit),
                     "met": met, "total": total, "provisional": bool(d.get("provisional")),
                     "text_x": _r(label_w + (level + (partial if total else 0)) * unit + 8),
                     "text_y": y + 24})
    ticks = [{"level": lv, "x": _r(label_w + lv * unit)} for lv in range(max_level + 1)]
    return {"width": width, "height": top + len(rows) * row_h + 8, "rows": rows,
            "ticks": ticks, "label_w": label_w, "top": top}


# -- charter health -------------------------------------------------------------------------

def share_bar(parts: Sequence[tuple[str, int, str]], threshold: float | None = None
              ) -> dict[str, Any]:
    """A stacked bar of parts (key, count, words); a dashed line at a threshold share."""
    width, x0, bar_w = 560, 10, 540
    total = sum(n for _, n, _ in parts) or 1
    x = float(x0)
    segments = []
    for key, n, words in parts:
        w = bar_w * n / total
        label = f"{key} {n / total:.0%}"
        segments.append({"key": key, "x": _r(x), "w": _r(w), "n": n, "share": n / total,
                         "words": words, "label": label if len(label) * 6.2 < w else ""})
        x += w
    line = None
    if threshold is not None:
        # the threshold is on the out-of-charter share, measured from where "out" starts
        start = next((s["x"] for s in segments if s["key"] == "out"), x0)
        line = {"x": _r(min(start + bar_w * threshold, x0 + bar_w)), "share": threshold}
    return {"width": width, "height": 70, "segments": segments, "threshold": line,
            "bar_y": 12, "bar_h": 30}


def count_bars(items: Sequence[tuple[str, float, str]]) -> dict[str, Any]:
    """Horizontal bars (label, value, text)."""
    label_w, bar_w, row_h = 150, 300, 30
    top = max((v for _, v, _ in items), default=0) or 1
    rows = [{"label": label, "text": text, "y": 6 + i * row_h, "x": label_w,
             "w": _r(max(bar_w * v / top, 2))} for i, (label, v, text) in enumerate(items)]
    return {"width": label_w + bar_w + 140, "height": 12 + len(rows) * row_h, "rows": rows,
            "label_w": label_w}


def capacity_bar(ratio: float) -> dict[str, Any]:
    """Demand against capacity on a scale where 1.0 (a full team) is a marked line."""
    bar_w, x0 = 440, 10
    scale_max = max(1.5, ratio * 1.15)
    unit = bar_w / scale_max
    return {"width": bar_w + 120, "height": 78, "x": x0, "w": _r(max(ratio * unit, 2)),
            "capacity_x": _r(x0 + unit), "bar_y": 22, "bar_h": 26,
            "text_x": _r(x0 + max(ratio * unit, 2) + 8), "over": ratio > 1}


# -- the program -> metric graph --------------------------------------------------------------

def program_graph(programs: Sequence[Mapping[str, Any]],
                  metrics: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """Two layers: programs on the left, the CSO metrics on the right, an edge where a
    program reaches a metric. Programs are ordered by the mean position of the metrics they
    reach (the barycentre heuristic of layered layouts), which keeps edges from crossing;
    programs that reach none go last."""
    node_h, gap, top = 40, 12, 30
    left_x, node_w, right_x, metric_w = 10, 250, 470, 200
    index = {mid: i for i, (mid, _) in enumerate(metrics)}

    def centre(p: Mapping[str, Any]) -> float:
        spots = [index[m] for m in p["cso_metrics"] if m in index]
        return sum(spots) / len(spots) if spots else len(metrics) + (0 if p["linked"] else 1)

    ordered = sorted(programs, key=lambda p: (centre(p), p["program"]))
    height = top + max(len(ordered), 1) * (node_h + gap) + 10
    nodes = []
    for i, p in enumerate(ordered):
        y = top + i * (node_h + gap)
        nodes.append({**p, "x": left_x, "y": y, "w": node_w, "h": node_h,
                      "cy": y + node_h / 2})
    m_span = height - top - 10
    m_gap = m_span / max(len(metrics), 1)
    metric_nodes = []
    for i, (mid, name) in enumerate(metrics):
        y = top + i * m_gap + (m_gap - 56) / 2
        metric_nodes.append({"id": mid, "name": name, "x": right_x, "y": _r(y), "w": metric_w,
                             "h": 56, "cy": _r(y + 28)})
    by_id = {m["id"]: m for m in metric_nodes}
    edges = []
    for n in nodes:
        for mid in n["cso_metrics"]:
            if mid in by_id:
                x1, y1 = left_x + node_w, n["cy"]
                x2, y2 = right_x, by_id[mid]["cy"]
                mx = _r((x1 + x2) / 2)
                edges.append({"from": n["program"], "to": mid, "planned": n["status"] not in
                              ("active", "catalogue"),
                              "d": f"M {x1} {_r(y1)} C {mx} {_r(y1)}, {mx} {y2}, {x2} {y2}"})
    return {"width": right_x + metric_w + 10, "height": _r(height), "nodes": nodes,
            "metrics": metric_nodes, "edges": edges, "top": top, "left_x": left_x,
            "right_x": right_x}


# -- the trend: one small multiple per CSO metric ----------------------------------------------

def trend_panel(values: Sequence[float | None], periods: Sequence[str],
                texts: Sequence[str], other_ruleset: Sequence[bool]) -> dict[str, Any]:
    """One metric's value per period as a line on its own scale (fitted to its values: the
    shape shows the movement, the labels give the numbers). An unknown value leaves a gap
    and a hollow marker; a segment to or from a period assessed with another ruleset is
    dashed. ``texts`` are the values as shown; every point is labelled when there are six
    or fewer, else the first and the last (the table and the description give all)."""
    width, height, left, right, top, bottom = 320, 150, 36, 36, 28, 34
    n = len(values)
    plot_w, plot_h = width - left - right, height - top - bottom
    known = [v for v in values if v is not None]
    lo, hi = (min(known), max(known)) if known else (0.0, 1.0)
    pad = (hi - lo) * 0.15 if hi > lo else (abs(hi) * 0.1 or 1.0)
    lo, hi = lo - pad, hi + pad
    every = max(1, -(-n // 6))  # ceil(n / 6): at most about six period labels
    points = []
    for i, (value, period, text, other) in enumerate(zip(values, periods, texts,
                                                         other_ruleset, strict=True)):
        x = left + (i * plot_w / (n - 1) if n > 1 else plot_w / 2)
        y = top + plot_h / 2 if value is None else top + (1 - (value - lo) / (hi - lo)) * plot_h
        last = i == n - 1
        points.append({"x": _r(x), "y": _r(y), "known": value is not None, "text": text,
                       "period": period, "other": other, "last": last,
                       "show_text": n <= 6 or i == 0 or last,
                       "show_period": i % every == 0 or last})
    segments = [{"x1": a["x"], "y1": a["y"], "x2": b["x"], "y2": b["y"],
                 "dashed": a["other"] or b["other"]}
                for a, b in pairwise(points) if a["known"] and b["known"]]
    return {"width": width, "height": height, "points": points, "segments": segments,
            "top": top, "bottom_y": height - bottom, "axis_y": height - bottom + 18}
