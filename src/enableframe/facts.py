"""The facts criteria read: metric values, the company's programs, answers, charter,
organisation, the request log summary and graph analyses. A fact the workspace does not
supply is :class:`Missing` with the reason, so a criterion naming it is ``unknown``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from enableframe.inputs import Inputs


@dataclass(frozen=True)
class Missing:
    """A fact nobody supplied; the reason says what to add."""

    reason: str


def program_fact(program: dict[str, Any], linked: bool) -> dict[str, Any]:
    """A company program as conditions see it (defaults for what the inventory omits)."""
    return {
        "id": program["id"], "name": program.get("name", program["id"]),
        "type": program.get("type", "other"), "status": program["status"],
        "active": program["status"] == "active",
        "audience": list(program.get("audience", [])),
        "depends_on": list(program.get("depends_on", [])),
        "target_metrics": list(program.get("target_metrics", [])),
        "vetted_with_sales": bool(program.get("vetted_with_sales", False)),
        "reinforcement": program.get("reinforcement", "none"),
        "delivery": list(program.get("delivery", [])),
        "linked_to_cso": linked,
    }


def build_facts(ruleset: Any, inputs: Inputs, metrics: dict[str, Any],
                requests: dict[str, Any] | None, requests_reason: str) -> dict[str, Any]:
    """Every top-level name a condition may use, valued or :class:`Missing`."""
    facts: dict[str, Any] = {}
    for metric_id, result in metrics.items():
        facts[metric_id] = (result.value if result.value is not None
                            else Missing(f"metric {metric_id} is unknown: {result.reason}"))
    inventory = None
    if inputs.programs is None:
        for program_id in ruleset.programs:
            facts[program_id] = Missing("no program inventory in the workspace (programs:)")
    else:
        inventory = [program_fact(p, linked_to_cso(ruleset, p)) for p in inputs.programs]
        by_id = {p["id"]: p for p in inventory}
        for program_id in ruleset.programs:
            facts[program_id] = by_id.get(program_id)  # None: the company has no such program
    answers = {a["question"]: a["answer"] for a in inputs.answers or []}
    for question_id in ruleset.questions:
        if inputs.answers is None:
            facts[question_id] = Missing("no self-assessment answers in the workspace")
        elif question_id in answers:
            facts[question_id] = answers[question_id]
        else:
            facts[question_id] = Missing(f"question {question_id} is not answered")
    facts["charter"] = (_charter(inputs.charter) if inputs.charter is not None
                        else Missing("no charter in the workspace (charter:)"))
    org = dict(inputs.organisation or {})
    if inputs.charter and "reporting_line" not in org and inputs.charter.get("reporting_line"):
        org["reporting_line"] = inputs.charter["reporting_line"]  # one line, two places
    facts["org"] = (_org(org) if org
                    else Missing("no organisation facts in the workspace (organisation:)"))
    facts["requests"] = requests if requests is not None else Missing(requests_reason)
    facts["inventory"] = inventory if inventory is not None else Missing(
        "no program inventory in the workspace (programs:)")
    if inventory is None:
        facts["graph"] = Missing("no program inventory to link to the CSO metrics")
    else:
        active = [p for p in inventory if p["active"]]
        unlinked = sorted(p["id"] for p in active if not p["linked_to_cso"])
        facts["graph"] = {
            "unlinked_programs": unlinked,
            "linked_share": (len(active) - len(unlinked)) / len(active) if active else 0.0,
            "active_programs": len(active),
        }
    return facts


def linked_to_cso(ruleset: Any, program: dict[str, Any]) -> bool:
    """A company program reaches a CSO key metric: through the catalogue entry of the same
    id (its path in the model graph), or by naming a CSO metric among its targets."""
    cso = {m for m, spec in ruleset.metrics.items() if spec.get("cso_key")}
    if cso & set(program.get("target_metrics", [])):
        return True
    if program["id"] in ruleset.programs:
        return bool(ruleset.graph.cso_path(f"program:{program['id']}"))
    return False


def _charter(charter: dict[str, Any]) -> dict[str, Any]:
    return {
        "exists": bool(charter.get("written")),
        "has_purpose": bool(str(charter.get("purpose", "")).strip()),
        "defines_success": bool(str(charter.get("definition_of_success", "")).strip()),
        "in_scope_count": len(charter.get("in_scope", [])),
        "out_of_scope_count": len(charter.get("out_of_scope", [])),
        "owned_metrics": list(charter.get("owned_metrics", [])),
        "influenced_metrics": list(charter.get("influenced_metrics", [])),
        "reporting_line": charter.get("reporting_line", ""),
        "capacity_hours_per_quarter": charter.get("capacity_hours_per_quarter"),
    }


def _org(org: dict[str, Any]) -> dict[str, Any]:
    out = dict(org)
    enablers, sellers = org.get("enablement_headcount"), org.get("seller_headcount")
    if enablers is not None and sellers:
        out["enablers_per_60_sellers"] = enablers / sellers * 60
    if "reporting_line" in org:
        out["reports_to_sales"] = org["reporting_line"] == "sales"
    return out
