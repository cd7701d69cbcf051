"""Test a ruleset with data: YAML case files run through the assessment engine.

For consultants checking a client overlay and plugin authors checking their rulesets (and
for enableframe's own rule tests, ``tests/rule_cases/``). One case per file::

    description: Staged levels stop at the first level with an unknown criterion.
    ruleset: builtin:enablement-3.0   # a ref, a path relative to this file, or a mapping
    today: 2025-06-30                 # judges waiver expiry (default: the day it runs)
    facts:                            # names as conditions read them; absent means unknown
      win_rate: 0.31                  # a metric's value; null: the metric is unknown
      sales_cycle_days: null
      onboarding: {status: active}    # a catalogue program; null: the company has none
      certification: null
      inventory:                      # the program inventory, as in a workspace
        - {id: onboarding, status: active, target_metrics: [win_rate]}
      cso_agenda_known: true          # an answer to a question; null: not answered
      org: {enablement_headcount: 2, seller_headcount: 90, reporting_line: sales}
      charter: {exists: true, has_purpose: true}   # facts as conditions read them
      requests: {out_of_charter_share: 0.1}
      graph: {unlinked_programs: [], linked_share: 1.0, active_programs: 1}
    waivers:                          # as in a workspace
      - {criterion: charter_written, justification: ..., approver: CSO, expires: 2025-01-31}
    expect:                           # only what is listed is checked
      criteria: {charter_written: waived, charter_scope_bounded: unknown}
      dimensions: {purpose: 2}
      overall: 1
      scores: {purpose: 0.5}          # weighted scoring
      expired_waivers: [charter_written]

Facts go through the engine's own code: the inventory, answers, organisation and waivers
are checked and normalised as a workspace's are (:func:`enableframe.inputs.load_inputs`,
:func:`enableframe.facts.build_facts`); with an inventory, a catalogue program it does not
list is ``null`` (the company has none) and ``graph`` is derived from it. Criteria and
levels come from :func:`enableframe.evaluation.evaluate_criteria` and
:func:`~enableframe.evaluation.score_levels`. With pytest::

    from enableframe.testing import check_case, collect_cases

    @pytest.mark.parametrize("path", collect_cases(Path(__file__).parent / "rule_cases"))
    def test_rule_case(path):
        check_case(path)
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from enableframe.errors import Location, Problem, RulesetError, allowed_hint
from enableframe.evaluation import FAIL, PASS, UNKNOWN, WAIVED, CriterionResult, DimensionLevel
from enableframe.facts import Missing
from enableframe.inputs import Inputs
from enableframe.yaml_loader import YList, YMap, check_size, load_bytes, to_plain

__all__ = ["Case", "CaseError", "CaseOutcome", "check_case", "collect_cases", "load_case",
           "run_case"]

STATUSES = (PASS, FAIL, UNKNOWN, WAIVED)
CASE_KEYS = ("description", "ruleset", "today", "facts", "waivers", "expect")
EXPECT_KEYS = ("criteria", "dimensions", "overall", "scores", "expired_waivers")
FACT_SECTIONS = ("charter", "org", "requests", "inventory", "graph")


class CaseError(RulesetError):
    """A case file that cannot be run: every problem, each at its file:line:col."""


@dataclass(frozen=True)
class Case:
    """A loaded case: its ruleset resolved, its facts ready for the engine."""

    path: Path
    description: str
    ruleset: Any = field(repr=False)
    facts: Mapping[str, Any] = field(repr=False)
    waivers: list[dict[str, Any]]
    today: dt.date
    expect: YMap = field(repr=False)

    @property
    def name(self) -> str:
        return self.path.stem


@dataclass(frozen=True)
class CaseOutcome:
    """What the engine computed for a case."""

    criteria: dict[str, str]  # criterion id -> pass | fail | unknown | waived
    dimensions: dict[str, int]  # dimension id -> level reached
    overall: int
    scores: dict[str, float | None]  # dimension id -> weighted score (None when staged)
    expired_waivers: list[str]  # criteria whose waiver is past its expiry
    results: dict[str, CriterionResult] = field(repr=False)  # reasons and evidence
    levels: dict[str, DimensionLevel] = field(repr=False)  # breakdowns, blocked_by


def _display(path: Path) -> str:
    rel = os.path.relpath(path) if path.is_absolute() else str(path)
    return str(path) if rel.startswith("..") else rel


def load_case(path: str | Path) -> Case:
    """Read a case file and resolve its ruleset; raise :class:`CaseError` (every problem
    located) when anything in it is wrong, unknown or misspelt."""
    path = Path(path).resolve()
    display = _display(path)
    try:
        check_size(path.stat().st_size, display)
        data = path.read_bytes()
    except OSError as exc:
        raise CaseError([Problem(Location(display), "", f"cannot read case file: "
                                 f"{exc.strerror or type(exc).__name__}")]) from None
    doc = load_bytes(data, display)
    top = getattr(doc, "loc", Location(display, 1, 1))
    if not isinstance(doc, YMap):
        raise CaseError([Problem(top, "$", "a case file is a mapping with ruleset:, facts: "
                                 "and expect:")])
    problems = [Problem(doc.key_locs[k], f"$.{k}", f"unknown key {k!r}; "
                        + allowed_hint(k, list(CASE_KEYS)))
                for k in doc if k not in CASE_KEYS]
    problems += [Problem(top, "$", f"missing {k}:") for k in ("ruleset", "expect")
                 if k not in doc]
    if problems:
        raise CaseError(problems)
    ruleset = _ruleset(doc, path, data.decode("utf-8", "replace"), display)
    today = _today(doc, problems)
    facts, waivers = _facts(doc, ruleset, path, problems)
    _check_expect(doc, ruleset, problems)
    if problems:
        raise CaseError(problems)
    return Case(path, str(doc.get("description", "")), ruleset, facts, waivers, today,
                doc["expect"])


# -- the ruleset -----------------------------------------------------------------------------

@cache
def _builtin(ref: str) -> Any:
    """Packaged rulesets never change while we run: load each once."""
    from enableframe.ruleset import load_ruleset

    return load_ruleset(ref)


def _ruleset(doc: YMap, path: Path, text: str, display: str) -> Any:
    from enableframe.ruleset import load_ruleset

    ref, where = doc["ruleset"], doc.value_locs.get("ruleset", doc.loc)
    if isinstance(ref, YMap):
        later = [loc.line for loc in doc.key_locs.values() if loc.line > ref.loc.line]
        return _inline_ruleset(ref, path, text, display, min(later) - 1 if later else None)
    if not isinstance(ref, str) or not ref:
        raise CaseError([Problem(where, "$.ruleset", "ruleset: is a ref (builtin:NAME), a "
                                 "path relative to the case file, or a ruleset mapping")])
    try:
        if ref.startswith("builtin:"):
            return _builtin(ref)
        return load_ruleset(ref, base=path.parent)
    except RulesetError as exc:  # also say which case asked for it
        raise CaseError([Problem(p.location if p.location.file else where,
                                 p.path or "$.ruleset", p.message, p.severity)
                         for p in exc.problems]) from None


def _inline_ruleset(node: YMap, path: Path, text: str, display: str,
                    end: int | None) -> Any:
    """The ruleset written inside the case, loaded with the engine's own loader.

    Every line of the case but the ruleset's is blanked, so the loader parses the mapping
    where it stands and every problem points into the case file at its own line and column;
    relative ``extends`` resolve against the case's folder."""
    from enableframe.ruleset import check_ruleset_text

    lines = text.splitlines()
    start, end = node.loc.line, end or len(lines)
    kept = [""] * len(lines)
    for n in range(start - 1, end):
        kept[n] = lines[n]
    kept[start - 1] = " " * (node.loc.col - 1) + lines[start - 1][node.loc.col - 1:]

    ruleset, problems = check_ruleset_text("\n".join(kept).encode(), display, path.parent)
    if ruleset is None:
        raise CaseError([p for p in problems if p.severity == "error"] or problems)
    return ruleset


# -- today, facts, waivers -------------------------------------------------------------------

def _today(doc: YMap, problems: list[Problem]) -> dt.date:
    if "today" not in doc:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(str(doc["today"]))
    except ValueError:
        problems.append(Problem(doc.value_locs["today"], "$.today",
                                f"{doc['today']!r} is not an ISO date (YYYY-MM-DD)"))
        return dt.date.today()


@dataclass
class _Given:
    """A metric value as :func:`enableframe.facts.build_facts` reads a computed one."""

    value: float | None
    reason: str


def _facts(doc: YMap, ruleset: Any, path: Path,
           problems: list[Problem]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The facts conditions read, built by the engine from what the case gives."""
    from enableframe.facts import build_facts

    given = doc.get("facts") or YMap(loc=doc.loc)
    if not isinstance(given, YMap):
        problems.append(Problem(doc.value_locs["facts"], "$.facts", "facts: is a mapping "
                                "of names, as the ruleset's conditions read them"))
        given = YMap(loc=doc.loc)
    metrics = {m: _Given(None, "not in the case's facts") for m in ruleset.metrics}
    answers = YList(loc=given.loc)
    programs: dict[str, YMap | None] = {}
    known = [*ruleset.metrics, *ruleset.programs, *ruleset.questions, *FACT_SECTIONS]
    for name, value in given.items():
        where = given.value_locs.get(name, given.loc)
        if name in FACT_SECTIONS:
            if value is not None and not isinstance(value, list if name == "inventory"
                                                    else Mapping):
                problems.append(Problem(where, f"$.facts.{name}", f"{name} is "
                                        + ("a list of programs" if name == "inventory"
                                           else "a mapping") + " (null: unknown)"))
        elif name in ruleset.questions:
            if value is not None:  # null: not answered
                item = YMap({"question": name, "answer": value}, loc=where)
                item.value_locs = {"question": given.key_locs[name], "answer": where}
                answers.append(item)
                answers.item_locs.append(where)
        elif name in ruleset.programs:
            if value is not None and not isinstance(value, YMap):
                problems.append(Problem(where, f"$.facts.{name}", f"program {name!r} is a "
                                        "mapping (id, status...), or null: no such program"))
            else:
                programs[name] = value
        elif name in ruleset.metrics:
            if value is None:
                metrics[name] = _Given(None, "null in the case's facts")
            elif isinstance(value, bool) or not isinstance(value, int | float):
                problems.append(Problem(where, f"$.facts.{name}", f"metric {name!r} is a "
                                        f"number, or null: unknown (found {value!r})"))
            else:
                metrics[name] = _Given(float(value), "")
        else:
            problems.append(Problem(given.key_locs[name], f"$.facts.{name}",
                                    f"unknown fact {name!r} (not a metric, program, "
                                    "question or fact section); "
                                    + allowed_hint(name, known, limit=True)))
    inventory = _input(ruleset, path, "programs", given.get("inventory"),
                       given.value_locs.get("inventory"), "$.facts.inventory", problems)
    org = _input(ruleset, path, "organisation", given.get("org"),
                 given.value_locs.get("org"), "$.facts.org", problems)
    checked = _input(ruleset, path, "answers", answers if answers else None, given.loc,
                     "$.facts", problems, [a["question"] for a in answers])
    waivers = _input(ruleset, path, "waivers", doc.get("waivers"),
                     doc.value_locs.get("waivers"), "$.waivers", problems)
    facts = build_facts(ruleset, Inputs(programs=inventory, answers=checked or [],
                                        organisation=org),
                        metrics, None, "no requests in the case's facts")
    facts["charter"] = Missing("no charter in the case's facts")
    for name in ("charter", "requests", "graph"):
        if given.get(name) is not None:
            facts[name] = to_plain(given[name])
    for program_id, value in programs.items():
        facts[program_id] = None if value is None else _program(ruleset, program_id, value,
                                                                 problems)
    return facts, waivers or []


def _input(ruleset: Any, path: Path, kind: str, node: Any, where: Location | None,
           prefix: str, problems: list[Problem], names: list[str] | None = None) -> Any:
    """One workspace input checked and read by :func:`enableframe.inputs.load_inputs`
    (schema and cross-checks, e.g. an answer's type); problems re-pathed into the case."""
    from enableframe.inputs import load_inputs

    if node is None:
        return None
    document = YMap({kind: node}, loc=where or Location(""))
    document.value_locs = {kind: where or getattr(node, "loc", Location(""))}
    workspace = SimpleNamespace(document=document, root=path.parent, path=path)
    try:
        return getattr(load_inputs(workspace, ruleset), kind)
    except RulesetError as exc:
        for p in exc.problems:
            rest = p.path[1:] if p.path.startswith("$") else p.path
            if rest == f".{kind}":
                rest = ""
            if names is not None and rest.startswith("["):  # answers: $[n].answer
                index, _, rest = rest[1:].partition("]")
                rest = f".{names[int(index)]}" if index.isdigit() else rest
            problems.append(Problem(p.location, f"{prefix}{rest}", p.message, p.severity))
        return None


def _program(ruleset: Any, program_id: str, node: YMap,
             problems: list[Problem]) -> dict[str, Any] | None:
    """One catalogue program as the engine sees it (:func:`enableframe.facts.program_fact`),
    checked against the inventory's schema; its id defaults to its name."""
    from enableframe.facts import linked_to_cso, program_fact
    from enableframe.schema_check import schema_problems

    program = {"id": program_id, **to_plain(node)}
    if program["id"] != program_id:
        problems.append(Problem(node.value_locs.get("id", node.loc), f"$.facts.{program_id}.id",
                                f"id {program['id']!r} differs from its name {program_id!r}"))
        return None
    item = YMap(program, loc=node.loc)
    item.key_locs, item.value_locs = dict(node.key_locs), dict(node.value_locs)
    found = schema_problems(YList([item], loc=node.loc), "programs", node.loc)
    for p in found:  # the schema sees a one-item inventory: $[0].status
        problems.append(Problem(p.location, f"$.facts.{program_id}{p.path[4:]}", p.message))
    return None if found else program_fact(program, linked_to_cso(ruleset, program))


# -- expectations ----------------------------------------------------------------------------

def _check_expect(doc: YMap, ruleset: Any, problems: list[Problem]) -> None:
    expect = doc["expect"]
    where = doc.value_locs.get("expect", doc.loc)
    if not isinstance(expect, YMap) or not expect:
        problems.append(Problem(where, "$.expect", "expect: is a mapping with any of "
                                + ", ".join(EXPECT_KEYS)))
        return
    levels = [0, *sorted(ruleset.levels)]

    def bad(key: str, message: str, node: YMap | None = None, name: str = "") -> None:
        node = node if node is not None else expect
        loc = node.key_locs.get(name, node.loc) if name else expect.value_locs.get(key, where)
        problems.append(Problem(loc, f"$.expect.{key}" + (f".{name}" if name else ""),
                                message))

    for key in expect:
        if key not in EXPECT_KEYS:
            problems.append(Problem(expect.key_locs[key], f"$.expect.{key}",
                                    f"unknown key {key!r}; "
                                    + allowed_hint(key, list(EXPECT_KEYS))))
    sections = (("criteria", ruleset.criteria), ("dimensions", ruleset.dimensions),
                ("scores", ruleset.dimensions))
    for key, ids in sections:
        if key not in expect:
            continue
        node = expect[key]
        if not isinstance(node, YMap):
            bad(key, f"{key}: is a mapping of ids")
            continue
        for name, value in node.items():
            if name not in ids:
                kind = "criterion" if key == "criteria" else "dimension"
                bad(key, f"unknown {kind} {name!r}; " + allowed_hint(name, list(ids), True),
                    node, name)
            elif key == "criteria" and value not in STATUSES:
                bad(key, f"{value!r} is not a status; allowed: {', '.join(STATUSES)}",
                    node, name)
            elif key == "dimensions" and value not in levels:
                bad(key, f"{value!r} is not a level; allowed: "
                    f"{', '.join(map(str, levels))}", node, name)
            elif key == "scores" and (isinstance(value, bool)
                                      or not isinstance(value, int | float)):
                bad(key, f"{value!r} is not a score (a number from 0 to 1)", node, name)
    if "overall" in expect and expect["overall"] not in levels:
        bad("overall", f"{expect['overall']!r} is not a level; allowed: "
            f"{', '.join(map(str, levels))}")
    expired = expect.get("expired_waivers")
    if expired is not None and (not isinstance(expired, list)
                                or any(c not in ruleset.criteria for c in expired)):
        bad("expired_waivers", "expired_waivers: is a list of the ruleset's criterion ids")


# -- running and checking --------------------------------------------------------------------

def run_case(case: Case | str | Path) -> CaseOutcome:
    """Evaluate the case's criteria and score its levels with the engine."""
    from enableframe.evaluation import evaluate_criteria, score_levels

    if not isinstance(case, Case):
        case = load_case(case)
    results, expired = evaluate_criteria(case.ruleset, case.facts, case.waivers, case.today)
    dimensions, overall = score_levels(case.ruleset, results, set())
    return CaseOutcome(
        criteria={r.id: r.status for r in results},
        dimensions={d.id: d.level for d in dimensions},
        overall=int(overall["level"]),
        scores={d.id: d.score for d in dimensions},
        expired_waivers=[w["criterion"] for w in expired],
        results={r.id: r for r in results},
        levels={d.id: d for d in dimensions})


def _why(result: CriterionResult) -> str:
    if result.status == UNKNOWN:
        return f" ({result.reason})"
    if result.status == WAIVED:
        return f" (was {result.original_status}; waiver expires {result.waiver['expires']})"
    read = ", ".join(f"{k}={_short(v)}" for k, v in result.evidence.items())
    return f" (read {read})" if read else ""


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _blocked(outcome: CaseOutcome, dimension: str) -> str:
    level = outcome.levels[dimension]
    if not level.blocked_by:
        return ""
    parts = [f"{c} {outcome.criteria[c]}" for c in level.blocked_by]
    return f" (next level blocked by: {', '.join(parts)})"


def check_case(path: str | Path | Case) -> CaseOutcome:
    """Run a case and compare with its ``expect:``; raise AssertionError listing every
    expectation not met, each at its line in the case file. Returns the outcome."""
    case = path if isinstance(path, Case) else load_case(path)
    outcome = run_case(case)
    expect, lines, checked = case.expect, [], 0

    def differ(node: YMap, key: str, message: str) -> None:
        lines.append(f"  {node.key_locs.get(key, node.loc)}: {message}")

    for cid, want in (expect.get("criteria") or {}).items():
        checked += 1
        got = outcome.criteria[cid]
        if got != want:
            differ(expect["criteria"], cid, f"criterion {cid}: expected {want}, got {got}"
                   + _why(outcome.results[cid]))
    for did, want in (expect.get("dimensions") or {}).items():
        checked += 1
        got = outcome.dimensions[did]
        if got != want:
            differ(expect["dimensions"], did, f"dimension {did}: expected level {want}, "
                   f"got {got}" + _blocked(outcome, did))
    for did, want in (expect.get("scores") or {}).items():
        checked += 1
        got = outcome.scores[did]
        if got is None or abs(got - want) > 1e-9:
            differ(expect["scores"], did, f"dimension {did}: expected score {want}, got "
                   + ("none (scoring is staged)" if got is None else f"{got:.6g}"))
    if "overall" in expect:
        checked += 1
        if outcome.overall != expect["overall"]:
            differ(expect, "overall", f"overall: expected level {expect['overall']}, got "
                   f"{outcome.overall} (dimensions: " + ", ".join(
                       f"{d} {v}" for d, v in outcome.dimensions.items()) + ")")
    if "expired_waivers" in expect:
        checked += 1
        want, got = sorted(expect["expired_waivers"]), sorted(outcome.expired_waivers)
        if want != got:
            differ(expect, "expired_waivers", f"expired waivers: expected {want}, got {got}")
    if lines:
        raise AssertionError(f"{_display(case.path)}: {len(lines)} of {checked} "
                             "expectations not met\n" + "\n".join(lines))
    return outcome


def collect_cases(folder: str | Path) -> list[Any]:
    """The case files (``*.yaml``, ``*.yml``) directly in ``folder``, sorted, as pytest
    params named after the file: ``@pytest.mark.parametrize("path", collect_cases(...))``.
    Sub-folders are not searched, so rulesets the cases share can live in one."""
    import pytest

    folder = Path(folder)
    paths = sorted(p for p in folder.iterdir()
                   if p.suffix in (".yaml", ".yml") and p.is_file()) if folder.is_dir() else []
    if not paths:
        raise FileNotFoundError(f"no case files (*.yaml) in {folder}")
    return [pytest.param(p, id=p.stem) for p in paths]


