"""From the assessment's JSON shape to what the HTML templates show: words, numbers as text,
the top three moves, the program graph's nodes and edges, people data made safe.

Everything here is plain data (no markup), so the templates stay small and every value
reaches the page through Jinja2's autoescaping.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from enableframe.formatting import format_value as fmt_value

STATUS_WORDS = {"pass": "pass", "fail": "fail", "unknown": "unknown", "waived": "waived"}
DEFAULT_LEVELS = {1: "Ad hoc", 2: "Tactical", 3: "Integrated", 4: "Strategic"}
DEFAULT_MIN_GROUP = 5

# Breakdown dimensions whose groups are groups of people (sellers' attributes), and those
# whose group names are people's names.
PEOPLE_GROUPINGS = {"team", "manager", "region", "role", "owner", "seller", "learner", "user"}
NAMED_GROUPINGS = {"manager", "owner", "seller", "learner", "user", "name"}


# -- numbers ------------------------------------------------------------------------------

def fmt_delta(now: float, before: float, unit: str | None) -> str:
    """The size of a change, unsigned (the words say up or down)."""
    size = abs(now - before)
    if unit == "ratio":
        return f"{size * 100:.1f} pts"
    if unit == "days":
        return f"{size:,.0f} day{'s' if round(size) != 1 else ''}"
    if before:
        return f"{size / abs(before):.1%}"
    return f"{size:,.2f}"


def comparison(metric: Mapping[str, Any], which: str = "previous") -> dict[str, Any]:
    """The change against a comparison period: direction (up/down/same/none), whether it is
    better, and the words for both."""
    comp = (metric.get("comparisons") or {}).get(which) or {}
    label = (comp.get("period") or {}).get("label", which.replace("_", " "))
    return {**change(metric.get("value"), comp.get("value"), metric.get("unit"),
                     (metric.get("definition") or {}).get("better", "higher"), label),
            "reason": comp.get("reason", "")}


def change(now: float | None, before: float | None, unit: str | None, better: str,
           label: str) -> dict[str, Any]:
    """A value against an earlier one (of ``label``): direction (up/down/same/none), whether
    it is better for a metric where ``better`` (higher/lower) is better, and the words."""
    out = {"label": label, "before": fmt_value(before, unit), "direction": "none",
           "verdict": "", "delta": "", "reason": ""}
    if now is None or before is None:
        out["words"] = f"no comparison with {label}"
        return out
    if now == before:
        out.update(direction="same", verdict="unchanged", words=f"unchanged since {label}")
        return out
    up = now > before
    good = up == (better == "higher")
    out.update(direction="up" if up else "down", verdict="better" if good else "worse",
               delta=fmt_delta(now, before, unit))
    out["words"] = f"{'up' if up else 'down'} {out['delta']} from {out['before']} in {label}"
    return out


# -- evidence -------------------------------------------------------------------------------

def _words(key: str) -> str:
    return key.replace("_", " ").replace("cso", "CSO")


def _is_share(key: str) -> bool:
    return any(w in key for w in ("share", "rate", "ratio"))


def evidence_items(evidence: Mapping[str, Any], units: Mapping[str, str]) -> list[dict]:
    """What a criterion's condition read, one short line per name."""
    out = []
    for key, value in evidence.items():
        out.append({"name": key, "text": _evidence_text(key, value, units)})
    return out


def _evidence_text(key: str, value: Any, units: Mapping[str, str]) -> str:
    if value is None:
        return "not known"
    if isinstance(value, bool | int | float):
        unit = units.get(key) or ("ratio" if _is_share(key) and 0 <= value <= 1 else None)
        return fmt_value(value, unit)
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        if value and all(isinstance(v, Mapping) and "id" in v for v in value):
            active = [str(v["id"]) for v in value if v.get("active")]
            return (f"{len(value)} programs, {len(active)} active"
                    + (f": {', '.join(active)}" if active else ""))
        return ", ".join(_evidence_text(key, v, units) for v in value) or "none"
    if isinstance(value, Mapping):
        if "status" in value and "id" in value:  # a program of the inventory
            bits = [f"status {value['status']}"]
            for flag in ("vetted_with_sales", "linked_to_cso"):
                if flag in value:
                    bits.append(f"{_words(flag)}: {'yes' if value[flag] else 'no'}")
            if value.get("target_metrics"):
                bits.append("targets " + ", ".join(value["target_metrics"]))
            return "; ".join(bits)
        if "total" in value and "out_of_charter_share" in value:  # the request log
            text = (f"{value['total']} requests, "
                    f"{fmt_value(value['out_of_charter_share'], 'ratio')} out of charter")
            if value.get("effort_out_of_charter_share") is not None:
                text += (f", {fmt_value(value['effort_out_of_charter_share'], 'ratio')} of "
                         "the effort")
            if value.get("demand_to_capacity") is not None:
                text += f"; demand to capacity {value['demand_to_capacity']:.2f}"
            return text
        parts = [f"{_words(k)}: {_evidence_text(k, v, units)}" for k, v in value.items()
                 if not isinstance(v, Mapping | list) or k.endswith("metrics")]
        return "; ".join(parts) or "-"
    return str(value)


# -- people ---------------------------------------------------------------------------------

class People:
    """The workspace's rule for people data: names shown only if allowed, else stable
    pseudonyms; groups smaller than the minimum suppressed."""

    def __init__(self, policy: Mapping[str, Any] | None) -> None:
        policy = policy or {}
        self.declared = bool(policy)
        self.show_names = bool(policy.get("show_names", False))
        self.min_group_size = int(policy.get("min_group_size") or DEFAULT_MIN_GROUP)
        self._aliases: dict[str, str] = {}

    def name(self, real: str) -> str:
        if self.show_names:
            return real
        if real not in self._aliases:
            # numbered by a hash, not alphabetically, so the order leaks nothing
            digest = hashlib.sha256(real.encode()).hexdigest()[:6]
            self._aliases[real] = f"Person {digest}"
        return self._aliases[real]

    def breakdown(self, grouping: str, groups: Mapping[str, Any], unit: str | None) -> dict:
        """One metric's breakdown by one grouping, as rows safe to show.

        A group is ``value`` or ``{"value": v, "size": n}`` (``size`` also read as
        ``sellers`` or ``people``). A group of people whose size is unknown or below the
        minimum is suppressed: privacy by default."""
        rows, suppressed = [], 0
        people = grouping in PEOPLE_GROUPINGS
        for key in sorted(groups, key=str):
            g = groups[key]
            value, size = (g.get("value"), next((g[k] for k in ("size", "sellers", "people")
                                                 if k in g), None)) \
                if isinstance(g, Mapping) else (g, None)
            if people and (size is None or size < self.min_group_size):
                suppressed += 1
                continue
            label = self.name(str(key)) if grouping in NAMED_GROUPINGS else str(key)
            rows.append({"group": label, "value": fmt_value(value, unit),
                         "size": "" if size is None else str(size)})
        return {"grouping": grouping, "rows": rows, "suppressed": suppressed}


# -- the road map's top moves ----------------------------------------------------------------

def top_moves(result: Mapping[str, Any], names: Mapping[str, str],
              program_names: Mapping[str, str], limit: int = 3) -> list[dict[str, Any]]:
    """The moves needed by the most next levels: programs to build (with the CSO metrics
    they move), and failing criteria no program addresses. Ties keep road-map order."""
    dim_names = {d["id"]: d["name"] for d in result.get("dimensions", [])}
    moves: dict[str, dict[str, Any]] = {}
    order = 0
    for step in result.get("road_map", {}).get("steps", []):
        covered: set[str] = set()
        recs = {f["criterion"]: f for f in step.get("failing", [])}
        for p in step.get("programs", []):
            order += 1
            m = moves.setdefault("program:" + p["program"], {
                "kind": "program", "title": f"Build {p.get('name') or p['program']}",
                "dimensions": [], "criteria": set(), "order": order,
                "cso_metrics": [names.get(c, c) for c in p.get("cso_metrics", [])],
                "prerequisites": [program_names.get(q, q) for q in p.get("prerequisites", [])],
                "why": ""})
            if step["dimension"] not in m["dimensions"]:
                m["dimensions"].append(step["dimension"])
            m["criteria"].update(p.get("for_criteria", []))
            covered.update(p.get("for_criteria", []))
            if not m["why"]:
                m["why"] = next((recs[c]["recommendation"] for c in p.get("for_criteria", [])
                                 if c in recs), "")
        for f in step.get("failing", []):
            if f["criterion"] in covered:
                continue
            order += 1
            moves.setdefault("criterion:" + f["criterion"], {
                "kind": "criterion", "title": f.get("name") or f["criterion"],
                "dimensions": [step["dimension"]], "criteria": {f["criterion"]},
                "order": order, "cso_metrics": [], "prerequisites": [],
                "why": f.get("recommendation", "")})
    ranked = sorted(moves.values(), key=lambda m: (-len(m["dimensions"]), -len(m["criteria"]),
                                                   -len(m["cso_metrics"]), m["order"]))
    return [{**m, "criteria": sorted(m["criteria"]),
             "dimension_names": [dim_names.get(d, d) for d in m["dimensions"]]}
            for m in ranked[:limit]]


# -- the program -> metric graph -------------------------------------------------------------

def _humanise(pid: str) -> str:
    text = pid.replace("_", " ")
    return text[:1].upper() + text[1:]


def program_links(result: Mapping[str, Any]) -> tuple[list[dict[str, Any]], bool]:
    """Programs with the CSO metrics each reaches, and whether that account is complete.

    ``linked`` is True, False, or None where the result does not say. Read from
    ``program_links`` when the result carries it (one item per program: program, name,
    status, cso_metrics). Otherwise pieced together from what the result does carry: the
    road map's programs to build (with their CSO metrics), the inventory and the programs
    criteria read as evidence (status, target metrics, linked_to_cso), the graph fact's
    unlinked programs and the road map's noise; then complete is False."""
    if isinstance(result.get("program_links"), list):
        return [{"program": p["program"], "name": p.get("name") or _humanise(p["program"]),
                 "status": p.get("status", ""), "cso_metrics": list(p.get("cso_metrics", [])),
                 "linked": bool(p.get("cso_metrics"))} for p in result["program_links"]], True
    cso = {m["id"] for m in result.get("metrics", []) if m.get("cso_key")}
    programs: dict[str, dict[str, Any]] = {}
    unlinked: set[str] | None = None

    def get(pid: str) -> dict[str, Any]:
        return programs.setdefault(pid, {"program": pid, "name": _humanise(pid),
                                         "status": "", "cso_metrics": [], "linked": None})

    for crit in result.get("criteria", []):
        for key, value in (crit.get("evidence") or {}).items():
            if key == "inventory" and isinstance(value, list):
                for item in value:
                    if isinstance(item, Mapping) and "id" in item:
                        p = get(str(item["id"]))
                        p["status"] = p["status"] or ("active" if item.get("active")
                                                      else "not active")
            elif key == "graph" and isinstance(value, Mapping) \
                    and isinstance(value.get("unlinked_programs"), list):
                unlinked = {str(u) for u in value["unlinked_programs"]}
            elif isinstance(value, Mapping) and {"id", "status"} <= set(value):
                p = get(str(value["id"]))
                p["name"] = value.get("name") or p["name"]
                p["status"] = value["status"]
                targets = [t for t in value.get("target_metrics", []) if t in cso]
                p["cso_metrics"] = sorted(set(p["cso_metrics"]) | set(targets))
                if "linked_to_cso" in value:
                    p["linked"] = bool(value["linked_to_cso"])
    for step in result.get("road_map", {}).get("steps", []):
        for item in step.get("programs", []):
            p = get(item["program"])
            p["name"] = item.get("name") or p["name"]
            if p["status"] in ("", "not active"):
                p["status"] = "to build"
            p["cso_metrics"] = sorted(set(p["cso_metrics"]) | set(item.get("cso_metrics", [])))
    noise = {n["program"] for n in result.get("road_map", {}).get("noise", [])}
    for pid in noise:
        get(pid)
    for p in programs.values():
        if p["cso_metrics"]:
            p["linked"] = True
        elif p["program"] in noise or (unlinked is not None and p["program"] in unlinked):
            p["linked"] = False
        elif p["linked"] is None and unlinked is not None and p["status"] == "active":
            p["linked"] = True  # the graph fact lists every active program it found unlinked
    return sorted(programs.values(), key=lambda p: p["program"]), False
