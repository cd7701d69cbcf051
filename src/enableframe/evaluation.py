"""Criteria over facts (pass / fail / unknown / waived, each with its evidence) and the
levels they add up to, per dimension and overall."""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from enableframe.facts import Missing
from enableframe.yaml_loader import to_plain

PASS, FAIL, UNKNOWN, WAIVED = "pass", "fail", "unknown", "waived"


@dataclass
class CriterionResult:
    id: str
    name: str
    dimension: str
    level: int
    required: bool
    weight: float
    status: str
    reason: str
    evidence: dict[str, Any]
    recommendation: str
    programs: list[str]
    waiver: dict[str, Any] | None = None
    original_status: str | None = None  # before a waiver

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _cel_value(value: Any) -> Any:
    """CEL does not mix int and double in arithmetic: every number becomes a double."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, Mapping):
        return {k: _cel_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_cel_value(v) for v in value]
    return value


def _evidence(value: Any) -> Any:
    """What a condition read, small enough to show: lists of programs are summarised."""
    if isinstance(value, list) and value and isinstance(value[0], Mapping):
        return [{"id": v.get("id"), "active": v.get("active")} for v in value]
    return value


def evaluate_criteria(ruleset: Any, facts: Mapping[str, Any], waivers: list[dict[str, Any]],
                      today: dt.date) -> tuple[list[CriterionResult], list[dict[str, Any]]]:
    """Each criterion's status with evidence, and the waivers found expired."""
    active_waivers, expired = {}, []
    for waiver in waivers:
        if dt.date.fromisoformat(waiver["expires"]) < today:
            expired.append({**waiver, "status": "expired"})
        else:
            active_waivers[waiver["criterion"]] = waiver
    results = []
    for criterion_id, spec in ruleset.criteria.items():
        condition = ruleset.conditions[f"criterion:{criterion_id}"]
        params = to_plain(spec.get("params", {}))
        context, evidence, missing = {}, {}, []
        for name in sorted(condition.names):
            value = params[name] if name in params else facts.get(
                name, Missing(f"{name} is not supplied"))
            if isinstance(value, Missing):
                missing.append(value.reason)
                evidence[name] = None
                continue
            context[name] = _cel_value(value)
            evidence[name] = _evidence(value)
        if missing:
            status, reason = UNKNOWN, "; ".join(dict.fromkeys(missing))
        else:
            try:
                outcome = condition.program.execute(context)
            except KeyError as exc:  # a fact lacks a field the condition reads
                status, reason = UNKNOWN, (f"a fact it reads ({', '.join(context)}) has no "
                                           f"field {exc.args[0]!r}")
            except Exception as exc:  # a type mismatch the data brought in
                status, reason = UNKNOWN, f"cannot evaluate: {str(exc).splitlines()[0]}"
            else:
                if outcome is True:
                    status, reason = PASS, ""
                elif outcome is False:
                    status, reason = FAIL, ""
                else:
                    status, reason = UNKNOWN, f"condition gave {outcome!r}, not true or false"
        result = CriterionResult(
            id=criterion_id, name=spec.get("name", criterion_id),
            dimension=spec["dimension"], level=int(spec["level"]),
            required=bool(spec.get("required", True)), weight=float(spec.get("weight", 1)),
            status=status, reason=reason, evidence=evidence,
            recommendation=" ".join(str(spec.get("recommendation", "")).split()),
            programs=list(spec.get("programs", [])))
        waiver = active_waivers.get(criterion_id)
        if waiver and status != PASS:  # a waiver never hides a pass
            result.original_status, result.status, result.waiver = status, WAIVED, waiver
        results.append(result)
    return results, expired


@dataclass
class DimensionLevel:
    id: str
    name: str
    level: int
    score: float | None
    provisional: bool
    provisional_reasons: list[str]
    breakdown: list[dict[str, Any]] = field(default_factory=list)
    blocked_by: list[str] = field(default_factory=list)  # criteria stopping the next level

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def score_levels(ruleset: Any, results: list[CriterionResult],
                 thin_metrics: set[str]) -> tuple[list[DimensionLevel], dict[str, Any]]:
    """Per dimension the level reached (staged or weighted) with its breakdown, and the
    overall level. Unknown never counts as pass; a level resting on thin evidence is
    provisional."""
    scoring = ruleset.scoring
    levels = sorted(ruleset.levels)
    by_dim: dict[str, list[CriterionResult]] = {}
    for r in results:
        by_dim.setdefault(r.dimension, []).append(r)
    dims = []
    for dim_id, dim in ruleset.dimensions.items():
        mine = by_dim.get(dim_id, [])
        breakdown = []
        for level in levels:
            at = [r for r in mine if r.level == level and r.required]
            breakdown.append({"level": level, "name": ruleset.levels[level]["name"],
                              **{s: sum(r.status == s for r in at)
                                 for s in (PASS, FAIL, UNKNOWN, WAIVED)},
                              "criteria": [r.id for r in at]})
        if scoring["method"] == "weighted":
            weight = sum(r.weight for r in mine)
            score = (sum(r.weight for r in mine if r.status in (PASS, WAIVED)) / weight
                     if weight else 0.0)
            thresholds = {int(k): v for k, v in scoring.get("thresholds", {}).items()}
            reached = max((lv for lv, t in thresholds.items() if score >= t),
                          default=levels[0] if levels else 0)
        else:
            score, reached = None, 0
            for row in breakdown:
                if row[FAIL] or row[UNKNOWN]:
                    break
                reached = row["level"]
        blocked = [r.id for r in mine if r.required and r.level == reached + 1
                   and r.status in (FAIL, UNKNOWN)]
        reasons = sorted({f"{r.id} rests on thin data ({', '.join(sorted(thin))})"
                          for r in mine if r.level <= reached and r.status == PASS
                          for thin in [set(r.evidence) & thin_metrics] if thin})
        dims.append(DimensionLevel(dim_id, dim["name"], reached, score, bool(reasons),
                                   reasons, breakdown, blocked))
    overall = _overall(ruleset, dims)
    return dims, overall


def _overall(ruleset: Any, dims: list[DimensionLevel]) -> dict[str, Any]:
    how = ruleset.scoring.get("overall", "minimum")
    values = [d.level for d in dims]
    if not values:
        level = 0
    elif how == "median":
        level = int(statistics.median_low(values))
    elif how == "weighted":
        weights = [float(ruleset.dimensions[d.id].get("weight", 1)) for d in dims]
        level = int(sum(w * v for w, v in zip(weights, values, strict=True))
                    / (sum(weights) or 1))
    else:
        level = min(values)
    name = ruleset.levels.get(level, {}).get("name", "below the first level") \
        if level else "below the first level"
    cso_says = ruleset.levels.get(level, {}).get("cso_says", "")
    return {"level": level, "name": name, "method": how, "cso_says": cso_says,
            "provisional": any(d.provisional for d in dims if d.level <= level and d.level)}
