"""A node of the model graph in words: the library side of ``enableframe explain``."""

from __future__ import annotations

from enableframe.model_graph import split_id
from enableframe.ruleset import Ruleset


def explain_node(ruleset: Ruleset, node: str) -> str:
    """What ``node`` is, where it is defined, what it needs and what needs it; for a
    program, its path to the CSO key metrics (or plainly that it has none)."""
    graph = ruleset.graph
    graph.focus(node)  # raises a UserError naming the id format for an unknown node
    attrs = graph.attributes(node)
    kind, item_id = split_id(node)
    loc = graph.location(node)
    lines = [f"{node}  {attrs.get('name', '')}".rstrip()]
    lines.append(f"  defined at: {loc.file}:{loc.line}" if loc.file
                 else "  defined at: (canonical table)" if kind == "source"
                 else "  defined at: (fact provided by the assessment)")
    if kind == "metric":
        metric = ruleset.metrics[item_id]
        lines.append(f"  kind: {metric.get('kind')}, ownership: {metric.get('ownership')}"
                     + (", CSO key metric" if metric.get("cso_key") else ""))
    lines.append("  needs:")
    lines += [f"    {other}  ({how})" for other, how in graph.needs(node)] or ["    nothing"]
    lines.append("  needed by:")
    lines += [f"    {other}  ({how})" for other, how in graph.needed_by(node)] or ["    nothing"]
    if kind == "program":
        path = graph.cso_path(node)
        if path:
            lines.append(f"  path to a CSO key metric: {' --> '.join(path)}")
        else:
            lines.append("  path to a CSO key metric: none. This program is linked to none of "
                         + ", ".join(graph.cso_metrics())
                         + "; link it or treat it as noise (Perry)")
    if kind == "source":
        lost = graph.unknown_without(node)
        lines.append(f"  without it, unknown: {len(lost['metrics'])} metric(s), "
                     f"{len(lost['criteria'])} criterion(s)")
    return "\n".join(lines)
