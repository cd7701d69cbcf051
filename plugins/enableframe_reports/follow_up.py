"""The markdown report's follow-up and trend sections (the QBR habit: what was agreed, asked
and delivered, what moved since the last run and why, what is next; levels and CSO metrics
per period). Reads only the result's ``follow_up`` and ``trend`` keys; a result without them
(an older one) renders without these sections."""

from __future__ import annotations

from typing import Any

from enableframe.formatting import format_value

CAUSE = {"data": "data", "ruleset": "ruleset/overlay", "waiver": "waiver",
         "unexplained": "unexplained"}


def _fmt(value: float | None, unit: str | None) -> str:
    return format_value(value, unit)


def _since(item: dict[str, Any]) -> str:
    """``35.1% (better)``: the value at the last run and the direction since."""
    if item.get("at_last_run") is None:
        return "-"
    moved = item.get("since_last_run")
    return _fmt(item["at_last_run"], item.get("unit")) + (
        f" (now {moved})" if moved and moved != "unchanged" else "")


def _causes(names: list[str]) -> str:
    return ", ".join(CAUSE.get(c, c) for c in names) or "-"


def follow_up_markdown(r: dict[str, Any]) -> list[str]:
    """What was agreed, asked and delivered, what moved, what is next."""
    f = r.get("follow_up")
    if not f or not (f["agreed"] or f["delivered"] or f["moved"]):
        return []
    lines = ["", "## Follow-up", ""]
    prev = f["previous_run"]
    if prev:
        lines.append(f"Compared with the last run: run {prev['run']}, {prev['period']}, "
                     f"assessed {prev['assessed_on']} ({prev['ruleset']}).")
    else:
        lines.append(f"No earlier run to compare with: {f['previous_run_reason']}.")
    if f["agreed"]:
        lines += ["", "### What we agreed", "",
                  "| metric | target | by | owner | now | at last run | status |",
                  "|---|---|---|---|---|---|---|"]
        for t in f["agreed"]:
            status = t["status"] + (f" ({t['reason']})" if t["reason"] else "")
            lines.append(f"| {t['name']} | {_fmt(t['target'], t['unit'])} | {t['by_when']} | "
                         f"{t['owner']} | {_fmt(t['current'], t['unit'])} | {_since(t)} | "
                         f"{status} |")
    if f["delivered"]:
        lines += ["", "### What you asked for, what we delivered", "",
                  "| asked | by | delivered | on | its metrics now |", "|---|---|---|---|---|"]
        for d in f["delivered"]:
            now = "; ".join(f"{m['name']} {_fmt(m['current'], m['unit'])}"
                            + (f" ({m['since_last_run']} since the last run)"
                               if m["since_last_run"] not in (None, "unchanged") else "")
                            for m in d["metrics_now"]) or "-"
            new = " (new)" if d.get("new_since_last_run") else ""
            lines.append(f"| {d['asked']} | {d.get('asked_by', '-')} | {d['delivered']}{new} "
                         f"| {d['delivered_on']} | {now} |")
    moved = f["moved"]
    if moved:
        lines += ["", "### What moved since the last run", ""]
        start = len(lines)
        o = moved["overall"]
        if o["change"] != "same":
            lines.append(f"- **Overall: level {o['from']} -> {o['to']}** (cause: "
                         f"{_causes(o['causes'])})")
        for d in moved["dimensions"]:
            lines.append(f"- {d['name']}: level {d['from']} -> {d['to']} (cause: "
                         f"{_causes(d['causes'])})")
        for m in moved["cso_metrics"]:
            lines.append(f"- {m['name']}: {_fmt(m['from'], m['unit'])} -> "
                         f"{_fmt(m['to'], m['unit'])}, {m['direction']} (cause: "
                         f"{_causes(m['causes'])})")
        for c in moved["criteria_flipped"]:
            lines.append(f"- {c['name']}: {c['from'] or 'not assessed'} -> "
                         f"{c['to'] or 'removed'} ({_causes(c['causes'])}: {c['detail']})")
        if len(lines) == start:
            lines.append("- Nothing moved.")
        for note in moved["notes"]:
            lines.append(f"- Note: {note}")
    if f["next"]:
        lines += ["", "### What is next", ""]
        for n, step in enumerate(f["next"], 1):
            if step["kind"] == "target":
                what = {"missed": "missed: recover it or agree a new date",
                        "unknown": "not measurable yet: collect the data",
                        "open": "open"}[step["status"]]
                lines.append(f"{n}. {step['name']}: {_fmt(step['current'], step['unit'])} -> "
                             f"{_fmt(step['target'], step['unit'])} by {step['by_when']}, "
                             f"owner {step['owner']} ({what})")
            else:
                moves = (f"; moves {', '.join(step['cso_metrics'])}" if step["cso_metrics"]
                         else "")
                lines.append(f"{n}. Build {step['name']} ({step['dimension']} to level "
                             f"{step['to_level']}{moves})")
    return lines


def trend_markdown(r: dict[str, Any]) -> list[str]:
    """Each CSO metric and each dimension's level per period, over the stored runs."""
    t = r.get("trend")
    if not t or len(t["points"]) < 2:
        return []
    points = t["points"]
    head = [p["period"]["label"] + ("\u2020" if not p["same_ruleset"] else "") for p in points]
    lines = ["", "## Trend", "", "| | " + " | ".join(head) + " |",
             "|---|" + "---|" * len(points),
             "| **Overall level** | " + " | ".join(str(p["overall_level"]) for p in points)
             + " |"]
    for m in t["metrics"]:
        lines.append(f"| {m['name']} | " + " | ".join(
            _fmt(p["metrics"].get(m["id"]), m["unit"]) if m["id"] in p["metrics"] else "-"
            for p in points) + " |")
    for d in t["dimensions"]:
        lines.append(f"| {d['name']} level | " + " | ".join(
            str(p["levels"].get(d["id"], "-")) for p in points) + " |")
    other = sorted({p["ruleset"] for p in points if not p["same_ruleset"]})
    if other:
        lines += ["", f"\u2020 assessed with another ruleset ({', '.join(other)}): levels "
                      "there are not like for like."]
    omitted = t.get("omitted_periods") or 0
    if omitted:
        lines += ["", f"{omitted} earlier period{'s are' if omitted != 1 else ' is'} "
                      "not shown."]
    return lines


def terminal_follow_up(r: dict[str, Any]) -> list[str]:
    """The terminal's short follow-up: the run compared with, how many agreed targets are
    met, missed and open (the missed named), how many requests were delivered. Nothing for
    a result without ``follow_up``."""
    f = r.get("follow_up")
    if not f:
        return []
    prev = f["previous_run"]
    lines = ["", "Follow-up" + (f" (against run {prev['run']}, {prev['period']}, assessed "
                                f"{prev['assessed_on']})" if prev else "")]
    if not (f["targets_recorded"] or f["delivered_recorded"] or f["agreed"]
            or f["delivered"]):
        lines.append("  no targets or deliveries recorded in the workspace")
        return lines
    if f["agreed"] or f["targets_recorded"]:
        count = {s: [t for t in f["agreed"] if t["status"] == s]
                 for s in ("met", "missed", "open", "unknown")}
        missed = ", ".join(t["name"] for t in count["missed"])
        lines.append(f"  targets: {len(count['met'])} met, {len(count['missed'])} missed"
                     + (f" ({missed})" if missed else "") + f", {len(count['open'])} open"
                     + (f", {len(count['unknown'])} unknown" if count["unknown"] else ""))
    else:
        lines.append("  targets: none recorded")
    n = len(f["delivered"])
    new = sum(1 for d in f["delivered"] if d.get("new_since_last_run"))
    lines.append(f"  delivered: {n} request{'s' if n != 1 else ''}"
                 + (f", {new} since the last run" if new else "")
                 if n or f["delivered_recorded"] else "  delivered: none recorded")
    return lines
