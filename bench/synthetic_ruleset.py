"""Write a large, valid synthetic ruleset: N metrics (half of them formulas over earlier
ones), N programs chained by depends_on, and a criterion per metric.

    python bench/synthetic_ruleset.py 5000 > /tmp/big.yaml
"""

from __future__ import annotations

import random
import sys


def synthetic_ruleset(n: int, seed: int = 7) -> str:
    """YAML text of a ruleset with ``n`` metrics, ``n`` programs and ``n`` criteria."""
    rnd = random.Random(seed)
    out = [
        "apiVersion: enableframe/v1",
        "kind: Ruleset",
        f"metadata: {{name: synthetic-{n}, version: '1'}}",
        "levels: [{id: 1, name: One}, {id: 2, name: Two}, {id: 3, name: Three}]",
        "dimensions: [{id: purpose, name: Purpose}, {id: performance, name: Performance}]",
        "metrics:",
        "  - {id: m0, name: Win rate, kind: ratio, ownership: influenced, cso_key: true,",
        "     table: opportunities, anchor: closed_at, numerator: {agg: count, where: "
        "{stage: won}},",
        "     denominator: {agg: count, where: {stage: [won, lost]}}}",
    ]
    for i in range(1, n):
        if i % 2:
            out.append(f"  - {{id: m{i}, name: Metric {i}, kind: count, ownership: owned, "
                       "table: learning_records, where: {verb: passed}}")
        else:
            a, b = rnd.randrange(i), rnd.randrange(i)
            out.append(f"  - {{id: m{i}, name: Metric {i}, kind: formula, ownership: "
                       f"influenced, expression: 'm{a} + m{b} * 2.0'}}")
    out.append("programs:")
    for i in range(n):
        deps = f"[p{rnd.randrange(i)}]" if i else "[]"
        out.append(f"  - {{id: p{i}, name: Program {i}, depends_on: {deps}, "
                   f"influences: [m{rnd.randrange(1, n)}, m0]}}")
    out.append("criteria:")
    for i in range(n):
        out.append(f"  - {{id: c{i}, dimension: {rnd.choice(['purpose', 'performance'])}, "
                   f"level: {rnd.randint(1, 3)}, when: 'm{i} >= t && charter.exists', "
                   f"params: {{t: {rnd.random():.2f}}}, recommendation: Do {i}., "
                   f"programs: [p{rnd.randrange(n)}]}}")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    sys.stdout.write(synthetic_ruleset(int(sys.argv[1]) if len(sys.argv) > 1 else 5000))
