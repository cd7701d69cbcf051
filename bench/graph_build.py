"""Time loading a ruleset and building and checking its model graph.

    python bench/graph_build.py            # built-ins and a 5,000-metric synthetic ruleset

Prints, per ruleset, medians of 5 runs for: the whole load (YAML, merge, schema, CEL,
graph checks), the graph build alone, its checks alone, and three analyses.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from synthetic_ruleset import synthetic_ruleset

from enableframe.model_graph import ModelGraph
from enableframe.ruleset import load_ruleset


def median_ms(fn, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    folder = Path(tempfile.mkdtemp())
    refs = ["builtin:maturity-curve", "builtin:enablement-3.0"]
    for n in (500, 5000):
        path = folder / f"synthetic-{n}.yaml"
        path.write_text(synthetic_ruleset(n))
        refs.append(str(path))
    load_ruleset(refs[0])  # warm imports (networkx, jsonschema, cel) outside the timings
    print(f"{'ruleset':<28} {'nodes':>6} {'edges':>6} {'load ms':>8} {'build ms':>9} "
          f"{'checks ms':>9} {'order ms':>8} {'roadmap ms':>10}")
    for ref in refs:
        ruleset = load_ruleset(ref)
        doc, conditions = ruleset.document, ruleset.conditions
        graph = ruleset.graph
        failing = {c: list(v.get("programs", [])) for c, v in ruleset.criteria.items()}
        row = (
            median_ms(lambda: load_ruleset(ref)),  # noqa: B023
            median_ms(lambda: ModelGraph.from_document(doc, conditions)),  # noqa: B023
            median_ms(graph.problems),
            median_ms(graph.evaluation_order),
            median_ms(lambda: graph.road_map(failing)),  # noqa: B023
        )
        name = Path(ref).name if "/" in ref else ref
        print(f"{name:<28} {len(graph.nodes()):>6} {graph.edge_count():>6} "
              + " ".join(f"{v:>8.1f}" for v in row))


if __name__ == "__main__":
    main()
