"""Where ``enableframe metrics`` spends its time: imports, phases, cProfile, SQL statements.

    python bench/profile_metrics.py WORKSPACE [--warm] [--top 25]

Runs :func:`enableframe.metric_run.run_metrics` once in this process (the workspace's
``.enableframe/`` cache removed first unless ``--warm``) and prints:

- the time of each top-level phase (imports, workspace, ruleset, data load, metrics);
- every SQL statement DuckDB executed that took 20 ms or more, with its time (the
  connection's ``execute`` is wrapped);
- cProfile's top functions by cumulative time.

For the import cost alone: ``python -X importtime -m enableframe metrics WORKSPACE``.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import shutil
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("workspace", type=Path)
    parser.add_argument("--warm", action="store_true", help="keep the cache (a re-run)")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--sql-ms", type=float, default=20.0)
    args = parser.parse_args(argv)
    if not args.warm and (args.workspace / ".enableframe").is_dir():
        shutil.rmtree(args.workspace / ".enableframe")

    t0 = time.perf_counter()
    import duckdb

    from enableframe import data_load, metric_run, metrics, ruleset, workspace
    imported = time.perf_counter() - t0

    statements: list[tuple[float, str]] = []
    phases: dict[str, float] = {}

    def timed(name, fn):
        def wrapper(*a, **k):
            t = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                phases[name] = phases.get(name, 0.0) + time.perf_counter() - t
        return wrapper

    real_connect = data_load.connect

    class Traced:
        """A DuckDB connection whose statements are timed."""

        def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
            self._con = con

        def execute(self, sql, *params):
            t = time.perf_counter()
            result = self._con.execute(sql, *params)
            statements.append((time.perf_counter() - t, " ".join(str(sql).split())))
            return result

        def __getattr__(self, name):
            return getattr(self._con, name)

    data_load.connect = lambda *a, **k: Traced(real_connect(*a, **k))
    workspace.load_workspace = timed("workspace", workspace.load_workspace)
    ruleset.load_ruleset = timed("ruleset", ruleset.load_ruleset)
    data_load.load_data = timed("load_data", data_load.load_data)
    metric_run.compute_metrics = timed("compute_metrics", metrics.compute_metrics)

    profile = cProfile.Profile()
    t1 = time.perf_counter()
    profile.enable()
    report = metric_run.run_metrics(args.workspace)
    profile.disable()
    total = time.perf_counter() - t1
    known = sum(m.status == "known" for m in report.metrics)
    print(f"imports (duckdb + enableframe modules): {imported:.3f} s")
    print(f"run_metrics: {total:.3f} s, {known}/{len(report.metrics)} metrics known")
    for name, seconds in phases.items():
        print(f"  {name:16} {seconds:.3f} s")
    slow = sorted((s for s in statements if s[0] * 1000 >= args.sql_ms), reverse=True)
    print(f"\n{len(statements)} SQL statements, {sum(s for s, _ in statements):.3f} s in all; "
          f">= {args.sql_ms:.0f} ms:")
    for seconds, sql in slow:
        print(f"  {seconds:6.3f} s  {sql[:160]}")
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(args.top)
    print("\n" + "\n".join(line for line in out.getvalue().splitlines() if line.strip()))


if __name__ == "__main__":
    main()
