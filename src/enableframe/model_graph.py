"""The model graph: sources, metrics, programs, criteria, dimensions and levels as one DAG.

networkx stays behind :class:`ModelGraph`; callers speak in typed node ids
(``metric:win_rate``, ``program:onboarding``) and domain questions (evaluation order,
upstream, downstream, the path from a program to the CSO's metrics, the road map).

Edges point downstream, from what is needed to what needs it, each with a ``kind``:

=============  ==========================  =============================================
kind           from -> to                  meaning
=============  ==========================  =============================================
feeds          source -> metric            the metric reads that canonical table
input          metric -> metric            a formula uses the metric (sales velocity)
prerequisite   program -> program          the second program depends on the first
influences     program -> metric           the program moves the metric
condition      metric/program/question/    a criterion's CEL condition names it
               fact/criterion -> criterion
belongs_to     criterion -> dimension      the criterion is assessed in that dimension
required_for   criterion -> level          the criterion is required for that level
=============  ==========================  =============================================
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx

from enableframe.conditions import FACT_NAMES, Condition
from enableframe.errors import Location, Problem

DATA_EDGES = frozenset({"feeds", "input", "condition"})  # what unknown data propagates along
PROGRAM_EDGES = frozenset({"prerequisite", "influences"})
KINDS = ("source", "fact", "question", "metric", "program", "criterion", "dimension", "level")


def node_id(kind: str, item_id: Any) -> str:
    """``metric:win_rate`` from ``("metric", "win_rate")``."""
    return f"{kind}:{item_id}"


def split_id(node: str) -> tuple[str, str]:
    """``("metric", "win_rate")`` from ``metric:win_rate``."""
    kind, _, item_id = node.partition(":")
    return kind, item_id


@dataclass(frozen=True)
class RoadmapStep:
    """One program to build, after its prerequisites, with the metrics it moves."""

    program: str
    name: str
    prerequisites: tuple[str, ...]
    moves: tuple[str, ...]
    cso_metrics: tuple[str, ...]
    for_criteria: tuple[str, ...]  # empty for a program needed only as a prerequisite


class ModelGraph:
    """The resolved ruleset's dependency graph and the analyses built on it."""

    def __init__(self, graph: nx.DiGraph) -> None:
        self._g = graph
        self._cso_paths: dict[str, list[str]] | None = None
        self._views: dict[frozenset[str], nx.DiGraph] = {}

    # -- building -------------------------------------------------------------------------
    @classmethod
    def from_document(cls, doc: Mapping[str, Any],
                      conditions: Mapping[str, Condition]) -> ModelGraph:
        """Build the graph of a merged ruleset document (ids already checked)."""
        g = nx.DiGraph()
        items = {section: {i["id"]: i for i in doc.get(section, []) or []
                           if isinstance(i, Mapping) and "id" in i}
                 for section in ("levels", "dimensions", "questions", "metrics", "programs",
                                 "criteria")}
        for section, kind in (("levels", "level"), ("dimensions", "dimension"),
                              ("questions", "question"), ("metrics", "metric"),
                              ("programs", "program"), ("criteria", "criterion")):
            for item_id, item in items[section].items():
                loc = _where(item)
                attrs = {"kind": kind, "name": str(item.get("name", item_id)),
                         "file": loc.file, "line": loc.line, "col": loc.col}
                if kind == "metric":
                    attrs.update(cso_key=bool(item.get("cso_key")),
                                 ownership=str(item.get("ownership", "")))
                g.add_node(node_id(kind, item_id), **attrs)
        names = {str(i): "metric" for i in items["metrics"]}
        names.update({str(i): "program" for i in items["programs"]})
        names.update({str(i): "question" for i in items["questions"]})

        def edge(a: str, b: str, kind: str) -> None:
            for n in (a, b):
                if n not in g:  # sources and facts appear when first used
                    g.add_node(n, kind=split_id(n)[0], name=split_id(n)[1], file="", line=0,
                               col=0)
            g.add_edge(a, b, kind=kind)

        for metric_id, metric in items["metrics"].items():
            me = node_id("metric", metric_id)
            for table in _tables(metric):
                edge(node_id("source", table), me, "feeds")
            formula = conditions.get(f"metric:{metric_id}")
            for name in sorted(formula.names if formula else ()):
                if name in items["metrics"]:
                    edge(node_id("metric", name), me, "input")
        for program_id, program in items["programs"].items():
            me = node_id("program", program_id)
            for dep in program.get("depends_on") or []:
                if dep in items["programs"]:
                    edge(node_id("program", dep), me, "prerequisite")
            for metric in program.get("influences") or []:
                if metric in items["metrics"]:
                    edge(me, node_id("metric", metric), "influences")
        for criterion_id, criterion in items["criteria"].items():
            me = node_id("criterion", criterion_id)
            condition = conditions.get(f"criterion:{criterion_id}")
            for name in sorted(condition.names if condition else ()):
                if name in names:
                    edge(node_id(names[name], name), me, "condition")
                elif name in FACT_NAMES:
                    edge(node_id("fact", name), me, "condition")
            if criterion.get("dimension") in items["dimensions"]:
                edge(me, node_id("dimension", criterion["dimension"]), "belongs_to")
            if criterion.get("level") in items["levels"]:
                edge(me, node_id("level", criterion["level"]), "required_for")
        return cls(g)

    # -- checks ---------------------------------------------------------------------------
    def problems(self) -> list[Problem]:
        """Cycles (errors, whole path), programs moving no metric (errors), programs that
        reach no CSO metric and metrics nothing uses (warnings)."""
        out = [self._cycle_problem(cycle) for cycle in self.cycles()]
        cso = ", ".join(self.cso_metrics())
        for program in self.nodes("program"):
            loc, path = self.location(program), self._json_path(program)
            if not any(self._kind(e) == "influences" for e in self._g.out_edges(program)):
                out.append(Problem(loc, path, f"{program} influences no metric; every program "
                                   "must name the metrics it moves (influences: [...])"))
            elif not self.cso_path(program):
                named = f" ({cso})" if cso else " (this ruleset marks none with cso_key)"
                out.append(Problem(loc, path, f"{program} has no path to a CSO key metric"
                                   f"{named}; Perry: link every program to win rate, "
                                   "average sales price or sales cycle", "warning"))
        for metric in self.nodes("metric"):
            if not any(self._kind(e) in ("input", "condition")
                       for e in self._g.out_edges(metric)):
                out.append(Problem(self.location(metric), self._json_path(metric),
                                   f"{metric} is used by no criterion or formula", "warning"))
        return out

    def cycles(self) -> list[list[str]]:
        """Cycles among metrics (formulas) and programs (depends_on), each as a node path.

        Acyclicity is tested first: ``find_cycle`` on a large acyclic graph is slow."""
        if nx.is_directed_acyclic_graph(self._g):
            return []
        found = []
        for component in nx.strongly_connected_components(self._g):
            if len(component) > 1:
                cycle = [a for a, _ in nx.find_cycle(self._g.subgraph(component))]
                start = cycle.index(min(cycle))  # same text on every run
                cycle = cycle[start:] + cycle[:start]
                found.append([*cycle, cycle[0]])
        return sorted(found)

    def _cycle_problem(self, cycle: list[str]) -> Problem:
        members = ", ".join(f"{n} at {self.location(n).file}:{self.location(n).line}"
                            for n in cycle[:-1])
        first = min(cycle[:-1], key=lambda n: (self.location(n).file, self.location(n).line))
        return Problem(self.location(first), self._json_path(first),
                       f"dependency cycle: {' --> '.join(cycle)} ({members}); "
                       "a metric or program cannot depend on itself")

    # -- queries --------------------------------------------------------------------------
    def __contains__(self, node: str) -> bool:
        return node in self._g

    def nodes(self, kind: str | None = None) -> list[str]:
        """Node ids, sorted, optionally of one kind."""
        if kind is None:
            return sorted(self._g)
        return sorted(n for n, k in self._g.nodes(data="kind") if k == kind)

    def edge_count(self) -> int:
        return self._g.number_of_edges()

    def attributes(self, node: str) -> dict[str, Any]:
        return dict(self._g.nodes[node])

    def location(self, node: str) -> Location:
        attrs = self._g.nodes[node]
        return Location(attrs.get("file", ""), attrs.get("line", 0), attrs.get("col", 0))

    def needs(self, node: str) -> list[tuple[str, str]]:
        """(node, edge kind) pairs this node depends on directly."""
        return sorted((a, self._g.edges[a, node]["kind"]) for a in self._g.predecessors(node))

    def needed_by(self, node: str) -> list[tuple[str, str]]:
        """(node, edge kind) pairs that depend on this node directly."""
        return sorted((b, self._g.edges[node, b]["kind"]) for b in self._g.successors(node))

    def upstream(self, node: str, edge_kinds: Iterable[str] | None = None) -> set[str]:
        """Everything ``node`` depends on, transitively."""
        return nx.ancestors(self._view(edge_kinds), self._require(node))

    def downstream(self, node: str, edge_kinds: Iterable[str] | None = None) -> set[str]:
        """Everything that depends on ``node``, transitively."""
        return nx.descendants(self._view(edge_kinds), self._require(node))

    def evaluation_order(self) -> list[str]:
        """Metric ids in an order where every formula comes after its inputs (stable)."""
        view = self._view({"input"})
        metrics = view.subgraph(self.nodes("metric"))
        return [split_id(n)[1] for n in nx.lexicographical_topological_sort(metrics)]

    def cso_metrics(self) -> list[str]:
        return [n for n in self.nodes("metric") if self._g.nodes[n].get("cso_key")]

    def cso_path(self, program: str) -> list[str]:
        """Shortest path from a program to a CSO key metric through prerequisites and
        influences, or ``[]`` when the program is linked to none."""
        self._require(program)
        if self._cso_paths is None:  # one search from the CSO metrics serves every program
            backwards = self._view(PROGRAM_EDGES).reverse(copy=False)
            found = nx.multi_source_dijkstra_path(backwards, self.cso_metrics()) \
                if self.cso_metrics() else {}
            self._cso_paths = {n: path[::-1] for n, path in found.items()}
        return self._cso_paths.get(program, [])

    def unknown_without(self, source: str) -> dict[str, list[str]]:
        """Metrics and criteria that become unknown when a source table is missing."""
        node = source if ":" in source else node_id("source", source)
        lost = self.downstream(node, DATA_EDGES)
        return {"metrics": sorted(n for n in lost if n.startswith("metric:")),
                "criteria": sorted(n for n in lost if n.startswith("criterion:"))}

    def road_map(self, failing: Mapping[str, Iterable[str]],
                 active_programs: Iterable[str] = ()) -> list[RoadmapStep]:
        """Programs to build for the failing criteria (criterion id -> its recommended
        program ids), prerequisites first, skipping programs already active."""
        active = {p if ":" in p else node_id("program", p) for p in active_programs}
        wanted: dict[str, set[str]] = {}  # program -> the failing criteria naming it
        for criterion, programs in failing.items():
            for program in programs:
                node = self._require(node_id("program", program))
                if node not in active:
                    wanted.setdefault(node, set()).add(criterion)
        prereq = self._view({"prerequisite"})
        # one walk up the prerequisites of all wanted programs together
        todo, seen = list(wanted), set(wanted)
        while todo:
            for parent in prereq.predecessors(todo.pop()):
                if parent not in seen and parent not in active:
                    seen.add(parent)
                    todo.append(parent)
        order = nx.lexicographical_topological_sort(prereq.subgraph(seen))
        steps = []
        for p in order:
            moves = sorted(b for b, k in self.needed_by(p) if k == "influences")
            steps.append(RoadmapStep(
                program=p, name=self._g.nodes[p].get("name", p),
                prerequisites=tuple(sorted(a for a, k in self.needs(p) if k == "prerequisite")),
                moves=tuple(moves),
                cso_metrics=tuple(m for m in moves if self._g.nodes[m].get("cso_key")),
                for_criteria=tuple(sorted(wanted.get(p, ()))),
            ))
        return steps

    def focus(self, node: str) -> ModelGraph:
        """The subgraph of ``node``, everything upstream and everything downstream."""
        keep = {self._require(node)} | self.upstream(node) | self.downstream(node)
        return ModelGraph(self._g.subgraph(keep).copy())

    # -- export ---------------------------------------------------------------------------
    def to_node_link(self) -> dict[str, Any]:
        """networkx node-link data, nodes and edges sorted so that it diffs well."""
        data = nx.node_link_data(self._g, edges="edges")
        data["nodes"] = sorted(data["nodes"], key=lambda n: n["id"])
        data["edges"] = sorted(data["edges"], key=lambda e: (e["source"], e["target"]))
        data["graph"] = {}
        return data

    def to_graphml(self) -> str:
        return "\n".join(nx.generate_graphml(self._g, prettyprint=True)) + "\n"

    def to_dot(self) -> str:
        lines = ["digraph enableframe {", "  rankdir=LR;", "  node [shape=box];"]
        for n in self.nodes():
            attrs = self._g.nodes[n]
            label = f"{n}\\n{attrs.get('name', '')}".replace('"', '\\"')
            lines.append(f'  "{n}" [label="{label}", group="{attrs["kind"]}"];')
        for a, b, kind in sorted(self._g.edges(data="kind")):
            lines.append(f'  "{a}" -> "{b}" [label="{kind}"];')
        return "\n".join([*lines, "}"]) + "\n"

    def to_mermaid(self) -> str:
        ids = {n: f"n{i}" for i, n in enumerate(self.nodes())}
        lines = ["flowchart LR"]
        for n, short in ids.items():
            name = str(self._g.nodes[n].get("name", "")).replace('"', "'")
            lines.append(f'  {short}["{n}<br/>{name}"]')
        for a, b, kind in sorted(self._g.edges(data="kind")):
            lines.append(f"  {ids[a]} -->|{kind}| {ids[b]}")
        return "\n".join(lines) + "\n"

    # -- internals ------------------------------------------------------------------------
    def _require(self, node: str) -> str:
        if node not in self._g:
            import difflib

            from enableframe.errors import UserError

            close = difflib.get_close_matches(node, list(self._g), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            kinds = ", ".join(f"{k}:" for k in KINDS)
            raise UserError(f"no node {node!r} in the graph; {hint}node ids are "
                            f"KIND:ID with KIND one of {kinds}")
        return node

    def _view(self, edge_kinds: Iterable[str] | None) -> nx.DiGraph:
        """The graph with only some edge kinds, built once: a filtered view would call a
        Python predicate per edge on every traversal (39 s for a 5,000-program road map)."""
        if edge_kinds is None:
            return self._g
        kinds = frozenset(edge_kinds)
        if kinds not in self._views:
            view = nx.DiGraph()
            view.add_nodes_from(self._g)
            view.add_edges_from((a, b) for a, b, k in self._g.edges(data="kind") if k in kinds)
            self._views[kinds] = view
        return self._views[kinds]

    def _kind(self, edge: tuple[str, str]) -> str:
        return self._g.edges[edge]["kind"]

    def _json_path(self, node: str) -> str:
        kind, item_id = split_id(node)
        section = {"metric": "metrics", "program": "programs", "criterion": "criteria"}
        return f"$.{section.get(kind, kind)}[id={item_id}]"


def _where(item: Any) -> Location:
    locs = getattr(item, "value_locs", {})
    return locs.get("id", getattr(item, "loc", Location("")))


def _tables(metric: Mapping[str, Any]) -> list[str]:
    tables = {metric.get("table")}
    for part in ("having", "entity"):
        sub = metric.get(part)
        if isinstance(sub, Mapping):
            tables.add(sub.get("table"))
    return sorted(t for t in tables if isinstance(t, str))
