"""Checks a schema cannot express: references between items, CEL conditions, columns.

Every check is defensive about shape (the schema reports shape errors) so that all
problems of a ruleset are reported in one run.
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Mapping
from typing import Any

from enableframe import resources
from enableframe.conditions import (
    CEL_FUNCTIONS,
    FACT_NAMES,
    RESERVED,
    CelSyntaxError,
    Condition,
    compile_condition,
    function_column,
    locate_in_scalar,
    name_column,
)
from enableframe.errors import Location, Problem, allowed_hint
from enableframe.metric_kinds import BUILTIN_KINDS, KindSpec, missing_fields
from enableframe.yaml_loader import YMap


class _Checker:
    def __init__(self, doc: YMap, texts: dict[str, list[str]],
                 metric_kinds: Mapping[str, KindSpec] | None) -> None:
        self.doc = doc
        self.texts = texts
        self.kinds = BUILTIN_KINDS if metric_kinds is None else metric_kinds
        self.problems: list[Problem] = []
        self.conditions: dict[str, Condition] = {}
        sections = ("levels", "dimensions", "questions", "metrics", "programs", "criteria")
        # Every item is checked, a repeated id too (overlay.duplicate_ids reports the repeat);
        # the by-id view (first item of each id) is only for looking references up.
        self.items = {s: self._items(s) for s in sections}
        self.ids = {s: self._ids(self.items[s]) for s in sections}
        self.names = self.global_names()
        self.metric_names = {n: w for n, w in self.names.items() if w == "metric"}

    def _items(self, section: str) -> list[tuple[int, YMap]]:
        items = self.doc.get(section)
        if not isinstance(items, list):
            return []
        return [(n, item) for n, item in enumerate(items)
                if isinstance(item, YMap) and "id" in item]

    @staticmethod
    def _ids(items: list[tuple[int, YMap]]) -> dict[Any, tuple[int, YMap]]:
        ids: dict[Any, tuple[int, YMap]] = {}
        for n, item in items:
            ids.setdefault(item["id"], (n, item))
        return ids

    def error(self, loc: Location, path: str, message: str, severity: str = "error") -> None:
        self.problems.append(Problem(loc, path, message, severity))

    def ref(self, item: YMap, key: str, path: str, section: str, what: str) -> None:
        """``item[key]`` (a value or list of values) must be an id of ``section``."""
        value = item.get(key)
        values = value if isinstance(value, list) else [value]
        for n, one in enumerate(values):
            if one is None or one in self.ids[section]:
                continue
            known = [str(k) for k in self.ids[section]]
            loc = (value.item_locs[n] if isinstance(value, list) and n < len(value.item_locs)
                   else item.value_locs.get(key, item.loc))
            sub = f"{path}.{key}[{n}]" if isinstance(value, list) else f"{path}.{key}"
            self.error(loc, sub, f"unknown {what} {one!r}; {allowed_hint(str(one), known)}")

    # -- sections -----------------------------------------------------------------------
    def run(self) -> None:
        self.check_names()
        for section, check in (("questions", self.question), ("metrics", self.metric),
                               ("programs", self.program), ("criteria", self.criterion)):
            for n, item in self.items[section]:
                check(item, f"$.{section}[{n}]", item["id"])
        self.check_scoring()
        self.check_levels()

    def global_names(self) -> dict[str, str]:
        """Names a condition may use at top level, and what each is."""
        names = {n: "fact" for n in FACT_NAMES}
        for section, what in (("metrics", "metric"), ("programs", "program"),
                              ("questions", "question")):
            for item_id in self.ids[section]:
                names.setdefault(str(item_id), what)
        return names

    def check_names(self) -> None:
        """Metric, program and question ids share one namespace in conditions."""
        owner: dict[str, str] = {n: "fact" for n in FACT_NAMES}
        for section, what in (("metrics", "metric"), ("programs", "program"),
                              ("questions", "question")):
            for item_id, (n, item) in self.ids[section].items():
                loc = item.value_locs.get("id", item.loc)
                path = f"$.{section}[{n}].id"
                if item_id in RESERVED:
                    self.error(loc, path, f"{item_id!r} is a CEL reserved word; choose another id")
                elif item_id in owner:
                    self.error(loc, path, f"{what} id {item_id!r} is already a {owner[item_id]} "
                               "name; metric, program and question ids share one namespace "
                               "in conditions")
                else:
                    owner[item_id] = what

    def question(self, item: YMap, path: str, _id: Any) -> None:
        self.ref(item, "dimension", path, "dimensions", "dimension")
        if item.get("type") == "choice" and not item.get("choices"):
            self.error(item.loc, path, "a choice question needs choices")

    def program(self, item: YMap, path: str, item_id: Any) -> None:
        self.ref(item, "depends_on", path, "programs", "program")
        self.ref(item, "influences", path, "metrics", "metric")
        if item_id in (item.get("depends_on") or []):
            self.error(item.value_locs.get("depends_on", item.loc), f"{path}.depends_on",
                       f"program {item_id!r} depends on itself")

    def criterion(self, item: YMap, path: str, item_id: Any) -> None:
        self.ref(item, "dimension", path, "dimensions", "dimension")
        self.ref(item, "level", path, "levels", "level")
        self.ref(item, "programs", path, "programs", "program")
        params = item.get("params") if isinstance(item.get("params"), dict) else {}
        names = self.names
        for param in params:
            if param in names:
                self.error(params.key_locs.get(param, item.loc), f"{path}.params.{param}",
                           f"param {param!r} hides the {names[param]} of the same name; "
                           "rename the param")
        # a ChainMap, not a merged copy: copying every name per criterion is quadratic
        allowed = ChainMap({p: "param" for p in params}, names)
        self.expression(item, "when", path, f"criterion:{item_id}", allowed)

    def metric(self, item: YMap, path: str, item_id: Any) -> None:
        kind = item.get("kind")
        if isinstance(kind, str) and kind not in self.kinds:
            self.error(item.value_locs.get("kind", item.loc), f"{path}.kind",
                       f"unknown metric kind {kind!r}; "
                       f"{allowed_hint(kind, sorted(self.kinds))}")
        elif isinstance(kind, str):
            for name in missing_fields(self.kinds[kind], item):
                self.error(item.value_locs.get("kind", item.loc), path,
                           f"a {kind} metric needs {name}")
        if kind == "formula":
            condition = self.expression(item, "expression", path, f"metric:{item_id}",
                                        self.metric_names)
            if condition and item_id in condition.names:
                self.error(item.value_locs.get("expression", item.loc), f"{path}.expression",
                           f"formula of {item_id!r} uses itself")
            return
        self.columns(item, path)

    # -- columns --------------------------------------------------------------------------
    def columns(self, item: YMap, path: str) -> None:
        table = item.get("table")
        tables = resources.table_names()
        if table not in tables:
            return  # the schema reports it
        for key in ("column", "anchor", "key", "event_date"):
            self.column(item, key, table, path)
        self.where(item.get("where"), table, f"{path}.where")
        for part in ("numerator", "denominator"):
            sub = item.get(part)
            if isinstance(sub, YMap):
                self.column(sub, "column", table, f"{path}.{part}")
                self.where(sub.get("where"), table, f"{path}.{part}.where")
        for part, keys in (("having", ("on", "anchor")), ("entity", ("start", "quota"))):
            sub = item.get(part)
            if isinstance(sub, YMap) and sub.get("table") in tables:
                for key in keys:
                    self.column(sub, key, sub["table"], f"{path}.{part}")
                self.where(sub.get("where"), sub["table"], f"{path}.{part}.where")

    def column(self, item: YMap, key: str, table: str, path: str) -> None:
        name = item.get(key)
        if not isinstance(name, str):
            return
        columns = resources.table_columns(table)
        if name not in columns:
            self.error(item.value_locs.get(key, item.loc), f"{path}.{key}",
                       f"{table} has no column {name!r}; {allowed_hint(name, sorted(columns))}")

    def where(self, where: Any, table: str, path: str) -> None:
        if not isinstance(where, YMap):
            return
        columns = resources.table_columns(table)
        for column, condition in where.items():
            loc = where.key_locs.get(column, where.loc)
            if column not in columns:
                self.error(loc, f"{path}.{column}",
                           f"{table} has no column {column!r}; "
                           f"{allowed_hint(column, sorted(columns))}")
                continue
            allowed = [v for v in columns[column].get("enum", []) if v is not None]
            if not allowed:
                continue
            at = where.value_locs.get(column, loc)
            for value, value_loc in _literals(condition, at):
                if isinstance(value, str) and value not in allowed:
                    self.error(value_loc, f"{path}.{column}",
                               f"{value!r} is not a value of {table}.{column}; allowed: "
                               + ", ".join(allowed))

    # -- CEL ------------------------------------------------------------------------------
    def expression(self, item: YMap, key: str, path: str, owner: str,
                   allowed: Mapping[str, str]) -> Condition | None:
        source = item.get(key)
        if not isinstance(source, str) or not source.strip():
            return None
        loc = item.value_locs.get(key, item.loc)
        style = item.value_styles.get(key)
        try:
            condition = compile_condition(source)
        except CelSyntaxError as exc:
            where = locate_in_scalar(loc, style, self.texts.get(loc.file), exc.line, exc.col,
                                     source)
            self.error(where, f"{path}.{key}", exc.message)
            return None
        for name in sorted(condition.functions - CEL_FUNCTIONS):
            line, col = function_column(source, name)
            where = locate_in_scalar(loc, style, self.texts.get(loc.file), line, col, source)
            self.error(where, f"{path}.{key}", f"unknown function {name!r}; "
                       + allowed_hint(name, sorted(CEL_FUNCTIONS)))
        for name in sorted(n for n in condition.names if n not in allowed):
            line, col = name_column(source, name)
            where = locate_in_scalar(loc, style, self.texts.get(loc.file), line, col, source)
            kinds = sorted(set(allowed.values()))
            self.error(where, f"{path}.{key}",
                       f"{name!r} is not defined; a condition may use {', '.join(kinds)} "
                       f"names ({allowed_hint(name, sorted(allowed), limit=True)})")
        self.conditions[owner] = condition
        return condition

    # -- scoring and levels ---------------------------------------------------------------
    def check_scoring(self) -> None:
        scoring = self.doc.get("scoring")
        if not isinstance(scoring, YMap):
            return
        thresholds = scoring.get("thresholds")
        if isinstance(thresholds, YMap):
            for level in thresholds:
                # other keys break the schema's pattern (one digit): reported there
                if len(level) == 1 and level.isdigit() and int(level) not in self.ids["levels"]:
                    self.error(thresholds.key_locs[level], f"$.scoring.thresholds.{level}",
                               f"unknown level {level}; allowed: "
                               + ", ".join(str(k) for k in self.ids["levels"]))
        if scoring.get("method") == "weighted" and not thresholds:
            self.error(scoring.loc, "$.scoring", "weighted scoring needs thresholds per level")

    def check_levels(self) -> None:
        numbers = sorted(k for k in self.ids["levels"] if isinstance(k, int))
        if numbers and numbers != list(range(1, len(numbers) + 1)):
            levels = self.doc["levels"]
            self.error(levels.loc, "$.levels",
                       f"levels are {numbers}; they must run 1, 2, 3... without gaps")
        used = {c.get("dimension") for _, c in self.items["criteria"]}
        for dim_id, (n, dim) in self.ids["dimensions"].items():
            if dim_id not in used:
                self.error(dim.value_locs.get("id", dim.loc), f"$.dimensions[{n}]",
                           f"dimension {dim_id!r} has no criteria; it can only be level 0",
                           "warning")


def _literals(condition: Any, loc: Location) -> list[tuple[Any, Location]]:
    """The values a where condition compares with, each with where it is written
    (``loc`` is where the condition itself is)."""
    if isinstance(condition, dict):
        out: list[tuple[Any, Location]] = []
        value_locs = getattr(condition, "value_locs", {})
        for op, value in condition.items():
            at = value_locs.get(op, loc)
            if op in ("eq", "ne"):
                out.append((value, at))
            elif op in ("in", "not_in") and isinstance(value, list):
                out.extend(_items_at(value, at))
        return out
    if isinstance(condition, list):
        return _items_at(condition, loc)
    return [(condition, loc)]


def _items_at(values: list, loc: Location) -> list[tuple[Any, Location]]:
    locs = getattr(values, "item_locs", [])
    return [(v, locs[n] if n < len(locs) else loc) for n, v in enumerate(values)]


def check_document(doc: YMap, texts: dict[str, list[str]],
                   metric_kinds: Mapping[str, KindSpec] | None = None
                   ) -> tuple[dict[str, Condition], list[Problem]]:
    """Compiled conditions by owner (``criterion:ID``, ``metric:ID``) and the problems."""
    checker = _Checker(doc, texts, metric_kinds)
    checker.run()
    return checker.conditions, checker.problems
