"""Built-in plugin: the ``terminal``, ``json`` and ``markdown`` renderers of an assessment.

Uses only enableframe's public API: ``hookimpl`` and the assessment's JSON shape
(``schemas/assessment.schema.json``).
"""

from __future__ import annotations

import json
from typing import Any

from enableframe import hookimpl
from enableframe.formatting import direction, format_value as fmt_value

STATUS = {"pass": "PASS", "fail": "FAIL", "unknown": "UNKNOWN", "waived": "WAIVED"}
PLURALS = {"criterion": "criteria"}


def plural(n: int, word: str) -> str:
    """``1 request``, ``2 requests``, ``1 criterion``, ``3 criteria``."""
    return f"{n} {word if n == 1 else PLURALS.get(word, word + 's')}"


def movement(metric: dict[str, Any]) -> str:
    prev = metric.get("comparisons", {}).get("previous", {}).get("value")
    moved = direction(metric["value"], prev, metric.get("definition", {}).get("better"))
    if prev is None or moved in ("no comparison", "unchanged"):
        return moved
    return f"{moved.split()[0]} from {fmt_value(prev, metric['unit'])} {moved.split()[1]}"


class JsonRenderer:
    name = "json"
    extensions = (".json",)

    def render(self, result: dict[str, Any]) -> str:
        return json.dumps(result, indent=2, ensure_ascii=False) + "\n"


class TerminalRenderer:
    """A summary a person reads in a minute."""

    name = "terminal"
    extensions = (".txt",)

    def render(self, r: dict[str, Any]) -> str:
        out = []
        o = r["overall"]
        prov = "  (provisional)" if o.get("provisional") else ""
        out.append(f"{r['client']}: enablement maturity, {r['ruleset']['name']} "
                   f"{r['ruleset']['version']}, {r['period']['label']}")
        out.append(f"Overall: level {o['level']} {o['name']}{prov}")
        if o.get("cso_says"):
            out.append(f'  The CSO says: "{o["cso_says"]}"')
        out.append("")
        out.append("Levels by dimension")
        for d in r["dimensions"]:
            blocked = f"  next blocked by: {', '.join(d['blocked_by'])}" if d["blocked_by"] \
                else ""
            flag = " (provisional)" if d["provisional"] else ""
            out.append(f"  {d['name']:<26} level {d['level']}{flag}{blocked}")
        out.append("")
        out.append("CSO metrics")
        for m in r["metrics"]:
            if m["cso_key"]:
                value = fmt_value(m["value"], m["unit"]) if m["value"] is not None \
                    else f"unknown ({m['reason']})"
                out.append(f"  {m['name']:<26} {value}  {movement(m)}")
        out += terminal_follow_up(r)
        out.append("")
        c = r["charter"]
        out.append("Charter")
        if c["requests"]:
            q = c["requests"]
            share, total = q["out_of_charter_share"], plural(q["total"], "request")
            index = (f"{share:.0%} of {total} out of charter" if share is not None else
                     f"unknown, the charter declares nothing out of scope ({total})")
            out.append(f"  junk-drawer index: {index}"
                       + (f", {q['unclassified']} unclassified" if q["unclassified"] else ""))
            for owner in q["by_owner"][:5]:
                out.append(f"    belongs to {owner['owner']}: "
                           f"{plural(owner['requests'], 'request')}")
            if c["demand_to_capacity"] is not None:
                out.append(f"  demand against capacity: {c['demand_to_capacity']:.2f}"
                           + ("  (more asks than the team can fulfil)"
                              if c["more_asks_than_capacity"] else ""))
        else:
            out.append(f"  requests: unknown ({c['requests_unknown_reason']})")
        ratio = c["ratio"]
        if ratio["enablers_per_60_sellers"] is not None:
            band = ratio["band"]
            out.append(f"  enablement per 60 sellers: {ratio['enablers_per_60_sellers']:.2f}"
                       + (f" (band {band[0]:g}-{band[1]:g}: "
                          f"{'in' if ratio['in_band'] else 'out of'} band)" if band else ""))
        if c["reporting_line"]:
            out.append(f"  reports to: {c['reporting_line']}")
        if c["owned_metrics_unmeasured"]:
            out.append(f"  owned metrics nobody measures: "
                       f"{', '.join(c['owned_metrics_unmeasured'])}")
        out.append("")
        out.append("Road map")
        for step in r["road_map"]["steps"]:
            if not (step["failing"] or step["evidence_to_collect"]):
                continue
            out.append(f"  {step['dimension']}: level {step['from_level']} -> "
                       f"{step['to_level']} {step['to_level_name']}")
            for f in step["failing"][:4]:
                out.append(f"    fix {f['criterion']}: {f['recommendation']}")
            for p in step["programs"]:
                cso = f" (moves {', '.join(p['cso_metrics'])})" if p["cso_metrics"] else ""
                out.append(f"    build {p['program']}{cso}")
            unknown = step["evidence_to_collect"]
            if unknown:
                out.append(f"    collect evidence for {plural(len(unknown), 'criterion')}, e.g. "
                           f"{unknown[0]['criterion']}: {unknown[0]['reason']}")
        for n in r["road_map"]["noise"]:
            out.append(f"  noise: program {n['program']} is {n['why']}")
        waivers = r.get("waivers") or {}
        if waivers.get("active") or waivers.get("expired"):
            out.append("")
            out.append("Waivers")
            for w in waivers.get("active", []):
                out.append(f"  Active waiver: {w['criterion']} until {w['expires']}, "
                           f"approved by {w['approver']}")
            for w in waivers.get("expired", []):
                out.append(f"  Expired waiver: {w['criterion']} (expired {w['expires']}, "
                           "no longer waives)")
        dq = r["data_quality"]
        out.append("")
        out.append("Data: " + "; ".join(
            f"{t['table']} {t['accepted']}/{t['read']} rows used" for t in dq["tables"])
            + (f"; missing: {', '.join(dq['missing'])}" if dq["missing"] else ""))
        return "\n".join(out) + "\n"


from enableframe_reports.follow_up import (  # noqa: E402
    follow_up_markdown,
    terminal_follow_up,
    trend_markdown,
)


class MarkdownRenderer:
    """A report a consultant pastes into a QBR deck."""

    name = "markdown"
    extensions = (".md", ".markdown")

    def render(self, r: dict[str, Any]) -> str:
        o = r["overall"]
        lines = [f"# {r['client']}: sales enablement assessment, {r['period']['label']}", "",
                 f"**Overall: level {o['level']}, {o['name']}**"
                 + (" (provisional)" if o.get("provisional") else ""), ""]
        if o.get("cso_says"):
            lines += [f"> The CSO says: *{o['cso_says']}*", ""]
        lines += ["## Levels by dimension", "", "| dimension | level | next level blocked by |",
                  "|---|---|---|"]
        for d in r["dimensions"]:
            lines.append(f"| {d['name']} | {d['level']}{' (provisional)' * d['provisional']} "
                         f"| {', '.join(d['blocked_by']) or '-'} |")
        lines += ["", "## CSO metrics", "", "| metric | value | since last quarter |",
                  "|---|---|---|"]
        for m in r["metrics"]:
            if m["cso_key"]:
                lines.append(f"| {m['name']} | {fmt_value(m['value'], m['unit'])} | "
                             f"{movement(m)} |")
        lines += follow_up_markdown(r) + trend_markdown(r)
        lines += ["", "## All metrics", "", "| metric | ownership | value | rows |",
                  "|---|---|---|---|"]
        for m in r["metrics"]:
            value = fmt_value(m["value"], m["unit"]) if m["value"] is not None \
                else f"unknown: {m['reason']}"
            lines.append(f"| {m['name']} | {m['ownership']} | {value} | {m['rows']} |")
        c = r["charter"]
        lines += ["", "## Charter", ""]
        if c["requests"]:
            q = c["requests"]
            share = q["out_of_charter_share"]
            lines.append(f"- Junk-drawer index: **{share:.0%}** of "
                         f"{plural(q['total'], 'request')} "
                         f"{'was' if q['total'] == 1 else 'were'} outside the charter."
                         if share is not None else
                         f"- Junk-drawer index: unknown: the charter declares nothing out of "
                         f"scope ({plural(q['total'], 'request')} logged).")
            for owner in q["by_owner"]:
                lines.append(f"  - {owner['requests']} "
                             f"{'belongs' if owner['requests'] == 1 else 'belong'} to "
                             f"{owner['owner']}")
            if c["demand_to_capacity"] is not None:
                lines.append(f"- Demand against capacity: {c['demand_to_capacity']:.2f}")
        else:
            lines.append(f"- Requests: unknown ({c['requests_unknown_reason']})")
        if c["owned_metrics_unmeasured"]:
            lines.append("- Owned metrics nobody measures: "
                         + ", ".join(c["owned_metrics_unmeasured"]))
        lines += ["", "## Road map", ""]
        for step in r["road_map"]["steps"]:
            if not (step["failing"] or step["evidence_to_collect"]):
                continue
            lines.append(f"### {step['dimension']}: to level {step['to_level']} "
                         f"({step['to_level_name']})")
            for f in step["failing"]:
                lines.append(f"- **{f['name']}**: {f['recommendation']}")
            for n, p in enumerate(step["programs"], 1):
                lines.append(f"{n}. Build {p['name']}"
                             + (f" (moves {', '.join(p['cso_metrics'])})"
                                if p["cso_metrics"] else ""))
            for e in step["evidence_to_collect"]:
                lines.append(f"- Evidence needed for {e['name']}: {e['reason']}")
            lines.append("")
        lines += ["## Criteria", "", "| criterion | dimension | level | status |",
                  "|---|---|---|---|"]
        for crit in r["criteria"]:
            lines.append(f"| {crit['name']} | {crit['dimension']} | {crit['level']} | "
                         f"{STATUS[crit['status']]} |")
        return "\n".join(lines) + "\n"


@hookimpl
def enableframe_register_renderers(register) -> None:
    for renderer in (TerminalRenderer(), JsonRenderer(), MarkdownRenderer()):
        register(renderer)
