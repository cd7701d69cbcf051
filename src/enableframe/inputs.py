"""The workspace's assessment inputs beside its data: charter, program inventory, answers,
organisation and waivers. Each is inline in ``enableframe.yaml`` or a YAML file next to it,
checked against its schema in ``schemas/`` with located errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from enableframe.errors import Location, Problem, RulesetError
from enableframe.workspace import Workspace
from enableframe.yaml_loader import YamlError, check_size, load_bytes, locate, to_plain

KINDS = ("charter", "programs", "answers", "organisation", "waivers", "targets", "delivered")


@dataclass(frozen=True)
class Inputs:
    """What the workspace says beyond its data; ``None`` where it says nothing."""

    charter: dict[str, Any] | None = None
    programs: list[dict[str, Any]] | None = None
    answers: list[dict[str, Any]] | None = None
    organisation: dict[str, Any] | None = None
    waivers: list[dict[str, Any]] | None = None
    targets: list[dict[str, Any]] | None = None  # agreed with sales leadership (follow-up)
    delivered: list[dict[str, Any]] | None = None  # requests delivered (follow-up)
    locations: dict[str, Location] = field(default_factory=dict)

    def provided(self) -> list[str]:
        return [k for k in KINDS if getattr(self, k) is not None]


def load_inputs(workspace: Workspace, ruleset: Any) -> Inputs:
    """Read, schema-check and cross-check every input; all problems at once."""
    from enableframe.schema_check import schema_problems

    problems: list[Problem] = []
    values: dict[str, Any] = {}
    locations: dict[str, Location] = {}
    for kind in KINDS:
        if kind not in workspace.document:
            continue
        raw = workspace.document[kind]
        where = workspace.document.value_locs.get(kind, Location(str(workspace.path)))
        if isinstance(raw, str):
            path = (workspace.root / raw).resolve()
            display = raw
            try:
                check_size(path.stat().st_size, display)
                raw = load_bytes(path.read_bytes(), display)
            except YamlError as exc:
                problems.append(Problem(exc.location or where, kind, exc.message))
                continue
            except OSError as exc:
                problems.append(Problem(where, f"$.{kind}",
                                        f"cannot read {display}: {exc.strerror}"))
                continue
            where = getattr(raw, "loc", Location(display, 1, 1))
        found = schema_problems(raw, kind, where)
        problems += found
        if not found:
            values[kind] = to_plain(raw)
            locations[kind] = where
            problems += _cross_check(kind, raw, ruleset)
    if problems:
        raise RulesetError(problems)
    return Inputs(**values, locations=locations)


def _cross_check(kind: str, doc: Any, ruleset: Any) -> list[Problem]:
    """References from an input into the ruleset."""
    out = []

    def bad(path: tuple, message: str) -> None:
        out.append(Problem(locate(doc, path), "$" + "".join(
            f"[{p}]" if isinstance(p, int) else f".{p}" for p in path), message))

    if kind == "answers":
        questions = ruleset.questions
        seen: dict[str, int] = {}
        for n, answer in enumerate(doc):
            qid, value = answer["question"], answer["answer"]
            if qid not in questions:
                bad((n, "question"), f"unknown question {qid!r}; the ruleset asks: "
                    + ", ".join(questions))
                continue
            if qid in seen:
                bad((n, "question"), f"question {qid!r} answered twice (first at item "
                    f"{seen[qid]}); give one answer per question")
            seen[qid] = n
            q = questions[qid]
            expected = {"boolean": bool, "number": (int, float), "text": str,
                        "choice": str}[q["type"]]
            if not isinstance(value, expected) or (q["type"] == "number"
                                                   and isinstance(value, bool)):
                bad((n, "answer"), f"{value!r} is not a {q['type']} answer to {qid!r}")
            elif q["type"] == "choice" and value not in q.get("choices", []):
                bad((n, "answer"), f"{value!r} is not a choice of {qid!r}; allowed: "
                    + ", ".join(q.get("choices", [])))
    elif kind == "waivers":
        for n, waiver in enumerate(doc):
            if waiver["criterion"] not in ruleset.criteria:
                bad((n, "criterion"), f"unknown criterion {waiver['criterion']!r}")
    elif kind == "charter":
        for key in ("owned_metrics", "influenced_metrics"):
            for n, metric in enumerate(doc.get(key, [])):
                if metric not in ruleset.metrics:
                    bad((key, n), f"unknown metric {metric!r}; the ruleset defines: "
                        + ", ".join(ruleset.metrics))
    elif kind in ("targets", "delivered"):
        for n, item in enumerate(doc):
            metrics = [(("metric",), item["metric"])] if kind == "targets" else [
                (("metrics", i), m) for i, m in enumerate(item.get("metrics", []))]
            for path, metric in metrics:
                if metric not in ruleset.metrics:
                    bad((n, *path), f"unknown metric {metric!r}; the ruleset defines: "
                        + ", ".join(ruleset.metrics))
    elif kind == "programs":
        ids = [p["id"] for p in doc]
        for n, program in enumerate(doc):
            if ids.index(program["id"]) != n:
                bad((n, "id"), f"program {program['id']!r} listed twice")
            for dep in program.get("depends_on", []):
                if dep not in ids:
                    bad((n, "depends_on"), f"unknown program {dep!r} in depends_on")
            for metric in program.get("target_metrics", []):
                if metric not in ruleset.metrics:
                    bad((n, "target_metrics"), f"unknown metric {metric!r}")
    return out
