"""Load a ruleset: read the extends chain, merge overlays, validate, compile conditions.

``load_ruleset("builtin:enablement-3.0")`` returns an immutable :class:`Ruleset` or raises
:class:`RulesetError` carrying every problem found, each located at file:line:col.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from enableframe import resources
from enableframe.conditions import Condition
from enableframe.errors import Location, Problem, RulesetError, display_path
from enableframe.overlay import ID_SECTIONS, duplicate_ids, merge_documents
from enableframe.yaml_loader import YamlError, YList, YMap, check_size, load_bytes, to_plain

if TYPE_CHECKING:
    from enableframe.metric_kinds import KindSpec
    from enableframe.model_graph import ModelGraph

API_VERSION = "enableframe/v1"


@dataclass(frozen=True)
class Ruleset:
    """A resolved, validated ruleset. Sections are read-only views of the merged document."""

    document: YMap = field(repr=False)
    chain: tuple[str, ...]
    conditions: Mapping[str, Condition] = field(repr=False)
    built_graph: ModelGraph | None = field(default=None, repr=False)
    warnings: tuple[Problem, ...] = ()
    metric_order: tuple[str, ...] | None = None  # known from a validation cache hit
    # the file behind each name of ``chain`` (inside the package for a built-in; None for
    # a ruleset held in memory): what a result computed from it depends on
    files: tuple[Path | Traversable | None, ...] = ()

    @property
    def graph(self) -> ModelGraph:
        """The model graph, built on first use (networkx costs 0.28 s to import)."""
        if self.built_graph is None:
            from enableframe.model_graph import ModelGraph

            object.__setattr__(self, "built_graph",
                               ModelGraph.from_document(self.document, self.conditions))
        return self.built_graph  # type: ignore[return-value]

    def evaluation_order(self) -> list[str]:
        """Metric ids, every formula after its inputs (see ModelGraph.evaluation_order)."""
        if self.metric_order is not None:
            return list(self.metric_order)
        return self.graph.evaluation_order()

    @property
    def name(self) -> str:
        return self.document["metadata"]["name"]

    @property
    def version(self) -> str:
        return str(self.document["metadata"]["version"])

    @property
    def digest(self) -> str:
        """sha256 of the resolved ruleset's canonical JSON: equal digests, equal rules."""
        text = json.dumps(to_plain(self.document), sort_keys=True, separators=(",", ":"))
        return "sha256:" + hashlib.sha256(text.encode()).hexdigest()

    def items(self, section: str) -> dict[str, YMap]:
        """Items of an id section (``metrics``, ``criteria``...) by id, in order."""
        return {item["id"]: item for item in self.document.get(section, [])}

    @property
    def levels(self) -> dict[int, YMap]:
        return self.items("levels")

    @property
    def dimensions(self) -> dict[str, YMap]:
        return self.items("dimensions")

    @property
    def metrics(self) -> dict[str, YMap]:
        return self.items("metrics")

    @property
    def programs(self) -> dict[str, YMap]:
        return self.items("programs")

    @property
    def criteria(self) -> dict[str, YMap]:
        return self.items("criteria")

    @property
    def questions(self) -> dict[str, YMap]:
        return self.items("questions")

    @property
    def scoring(self) -> dict[str, Any]:
        return {"method": "staged", "overall": "minimum", "min_rows": 30,
                **to_plain(self.document.get("scoring", {}))}

    def to_data(self, *, provenance: bool = False) -> dict[str, Any]:
        """The resolved ruleset as plain data; with provenance, each item and section
        gains ``_provenance``: field path to the ``file:line`` that last set it."""
        data = to_plain(self.document)
        if not provenance:
            return data
        for key, value in self.document.items():
            if key in ID_SECTIONS:
                for plain, item in zip(data[key], value, strict=False):
                    plain["_provenance"] = field_provenance(item)
            elif isinstance(value, YMap):
                data[key]["_provenance"] = field_provenance(value)
        return data


def field_provenance(mapping: YMap, prefix: str = "") -> dict[str, str]:
    """Dotted field path to the ``file:line`` that set it, nested mappings flattened."""
    out: dict[str, str] = {}
    for key, value in mapping.items():
        if isinstance(value, YMap):
            out.update(field_provenance(value, f"{prefix}{key}."))
        else:
            loc = mapping.value_locs.get(key, mapping.loc)
            out[f"{prefix}{key}"] = f"{loc.file}:{loc.line}"
    return out


@dataclass
class _Source:
    ident: str  # identity for cycle detection: builtin:NAME or an absolute path
    display: str  # name in messages and provenance
    data: bytes
    folder: Path | Traversable  # where relative extends are resolved
    entry: Path | Traversable | None = None  # the file read, when there is one


@dataclass
class _Loader:
    problems: list[Problem] = field(default_factory=list)
    texts: dict[str, list[str]] = field(default_factory=dict)
    chain: list[str] = field(default_factory=list)
    files: list[Path | Traversable | None] = field(default_factory=list)  # one per chain
    root_path: str = ""  # json path of the top-level reference, when it is written in a file
    ref_path: str = ""

    def resolve(self, ref: str, folder: Path | Traversable, at: Location,
                stack: tuple[_Source, ...] = ()) -> YMap | None:
        # where the reference is written: an extends entry, or a workspace's ruleset:
        self.ref_path = "$.extends" if stack else self.root_path
        source = self._open(ref, folder, at)
        if source is None:
            return None
        return self.resolve_source(source, at, stack)

    def resolve_source(self, source: _Source, at: Location,
                       stack: tuple[_Source, ...] = ()) -> YMap | None:
        """Read, check and merge one already opened ruleset file and what it extends."""
        if source.ident in {s.ident for s in stack}:
            names = " -> ".join([*(s.display for s in stack), source.display])
            self.problems.append(Problem(at, "$.extends", f"extends cycle: {names}"))
            return None
        try:
            doc = load_bytes(source.data, source.display)
        except YamlError as exc:
            self.problems.append(Problem(exc.location or Location(source.display), "",
                                         exc.message))
            return None
        self.texts[source.display] = source.data.decode("utf-8", "replace").splitlines()
        if not self._header_ok(doc, source):
            return None
        self.problems.extend(duplicate_ids(doc))
        merged: YMap = YMap()
        extends = doc.get("extends", [])
        if isinstance(extends, YList):
            for parent_ref, loc in zip(extends, extends.item_locs, strict=False):
                if not isinstance(parent_ref, str):
                    continue  # the schema reports it
                parent = self.resolve(parent_ref, source.folder, loc, (*stack, source))
                if parent is not None:
                    merged = merge_documents(merged, parent, self.problems)
        self.chain.append(source.display)
        self.files.append(source.entry)
        own = YMap(doc, loc=doc.loc)
        own.key_locs, own.value_locs = dict(doc.key_locs), dict(doc.value_locs)
        own.value_styles = dict(doc.value_styles)
        own.pop("extends", None)
        return merge_documents(merged, own, self.problems)

    def _header_ok(self, doc: Any, source: _Source) -> bool:
        where = getattr(doc, "loc", Location(source.display, 1, 1))
        if not isinstance(doc, YMap):
            kinds = ((bool, "a boolean"), (int, "a number"), (float, "a number"),
                     (str, "a string"), (list, "a list"))
            found = next((word for t, word in kinds if isinstance(doc, t)), "not a mapping")
            self.problems.append(Problem(
                where, "$", f"top level is {found}; a mapping with apiVersion: "
                f"{API_VERSION} and kind: Ruleset is expected"))
            return False
        for key, want in (("apiVersion", API_VERSION), ("kind", "Ruleset")):
            if doc.get(key) != want:
                loc = doc.value_locs.get(key, where)
                found = f"{doc[key]!r}" if key in doc else "nothing"
                self.problems.append(Problem(loc, f"$.{key}",
                                             f"{key} is {found}; expected {want!r}"))
                return False
        return True

    def _open(self, ref: str, folder: Path | Traversable, at: Location) -> _Source | None:
        if ref.startswith(resources.BUILTIN_PREFIX):
            from enableframe.catalog import available_rulesets

            name = ref[len(resources.BUILTIN_PREFIX):]
            builtins = available_rulesets()
            if name not in builtins:
                available = ", ".join(f"builtin:{n}" for n in builtins)
                self.problems.append(Problem(
                    at, self.ref_path if at.line else "",
                    f"unknown built-in ruleset '{ref}'; available: {available}"))
                return None
            found = builtins[name]
            return _Source(ref, found.display, found.entry.read_bytes(), found.folder,
                           found.entry)
        if isinstance(folder, Path):
            path = (folder / ref).resolve()
            try:
                check_size(path.stat().st_size, display_path(path))
                data = path.read_bytes()
            except YamlError as exc:
                self.problems.append(Problem(exc.location or at, "", exc.message))
                return None
            except OSError as exc:
                reason = exc.strerror or type(exc).__name__
                self.problems.append(Problem(at, self.ref_path if at.line else "",
                                             f"cannot read ruleset '{ref}': {reason}"))
                return None
            return _Source(str(path), display_path(path), data, path.parent, path)
        entry = folder / ref  # a relative path inside the packaged rulesets
        return _Source(f"builtin-path:{ref}", f"rulesets/{ref}", entry.read_bytes(), folder,
                       entry)


def resolve_ref(ref: str, base: str | Path | None = None,
                at: Location | None = None) -> tuple[YMap | None, _Loader]:
    """Read and merge the extends chain of ``ref``; problems are collected, not raised."""
    loader = _Loader()
    loader.root_path = "$.ruleset" if at else ""
    folder = Path(base) if base is not None else Path.cwd()
    doc = loader.resolve(str(ref), folder, at or Location(""))
    return doc, loader


def check_ruleset(ref: str, base: str | Path | None = None,
                  metric_kinds: Mapping[str, KindSpec] | None = None,
                  cache_dir: Path | None = None, at: Location | None = None
                  ) -> tuple[Ruleset | None, list[Problem]]:
    """Everything wrong with ``ref`` (errors and warnings), and the ruleset if it has no error.

    With ``cache_dir``, a ruleset whose files, enableframe version and metric kinds are
    unchanged since it last validated clean is not validated again (no jsonschema, no
    networkx): only its conditions are compiled."""
    doc, loader = resolve_ref(ref, base, at)
    problems = list(loader.problems)
    if metric_kinds is None:
        from enableframe.plugin_host import get_plugin_host

        registered = get_plugin_host().registry.metric_kinds
        metric_kinds = {name: r.obj for name, r in registered.items()}
    if doc is None:
        return None, problems
    from enableframe import validation_cache

    # what validation depends on beyond the files: each kind's fields, the schema
    kinds = sorted([n, list(getattr(k, "required", ())), list(getattr(k, "one_of", ())),
                    getattr(k, "unit", None)] for n, k in metric_kinds.items())
    key = validation_cache.digest(kinds, resources.schema("ruleset"),
                                  *[[n, loader.texts[n]] for n in loader.chain])
    cached = (validation_cache.recall(cache_dir, "ruleset", key, shared=True)
              if not problems else None)
    if cached is not None:
        from enableframe.conditions import compile_owned

        warnings = tuple(Problem(Location(w["file"], w["line"], w["col"]), w["path"],
                                 w["message"], "warning") for w in cached["warnings"])
        return Ruleset(doc, tuple(loader.chain), compile_owned(doc), None, warnings,
                       tuple(cached["metric_order"]), tuple(loader.files)), list(warnings)
    ruleset, problems = _validate(doc, loader, problems, metric_kinds)
    if ruleset is not None:
        validation_cache.remember(cache_dir, "ruleset", key, shared=True,
                                  metric_order=ruleset.evaluation_order(),
                                  warnings=[p.to_dict() for p in ruleset.warnings])
    return ruleset, problems


def _validate(doc: YMap, loader: _Loader, problems: list[Problem],
              metric_kinds: Mapping[str, Any]) -> tuple[Ruleset | None, list[Problem]]:
    from enableframe.checks import check_document
    from enableframe.schema_check import schema_problems

    problems += schema_problems(doc, "ruleset", Location(loader.chain[-1]))
    conditions, semantic = check_document(doc, loader.texts, metric_kinds)
    problems += semantic
    from enableframe.model_graph import ModelGraph

    graph = ModelGraph.from_document(doc, conditions)
    problems += graph.problems()
    if any(p.severity == "error" for p in problems):
        return None, problems
    warnings = tuple(p for p in problems if p.severity == "warning")
    return Ruleset(doc, tuple(loader.chain), conditions, graph, warnings,
                   files=tuple(loader.files)), problems


def check_ruleset_text(data: bytes, display: str, folder: Path
                       ) -> tuple[Ruleset | None, list[Problem]]:
    """Like :func:`check_ruleset` for a ruleset held in memory (a test case's inline ruleset):
    ``display`` names it in messages, relative ``extends`` resolve against ``folder``."""
    from enableframe.plugin_host import get_plugin_host

    loader = _Loader()
    doc = loader.resolve_source(_Source(f"text:{display}", display, data, folder),
                                Location(display))
    problems = list(loader.problems)
    if doc is None:
        return None, problems
    kinds = {n: r.obj for n, r in get_plugin_host().registry.metric_kinds.items()}
    return _validate(doc, loader, problems, kinds)


def load_ruleset(ref: str, base: str | Path | None = None, *,
                 cache_dir: Path | None = None, at: Location | None = None) -> Ruleset:
    """Load ``ref`` or raise :class:`RulesetError` with every problem."""
    ruleset, problems = check_ruleset(ref, base, cache_dir=cache_dir, at=at)
    if ruleset is None:
        raise RulesetError(problems)
    return ruleset
