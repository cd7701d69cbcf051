"""`enableframe metrics` against hand-written DuckDB, pandas and DuckDB's bare row count.

    python bench/generate_exports.py --rows 1000000 --out /tmp/ef-bench/1m
    python bench/metrics_compare.py /tmp/ef-bench/1m [--runs 5]

Runs side by side (interleaved, each run a fresh process, medians of ``--runs``):

  (a) cli       ``enableframe metrics WORKSPACE --format json``, with the workspace's
                ``.enableframe/`` folder removed and an empty user cache folder
                (``ENABLEFRAME_CACHE_DIR``) before each run: a first run ever on the
                machine (the workspace and ruleset are validated, every table is loaded)
  (a2) newdata  the same with only ``.enableframe/cache.duckdb`` removed: new exports in a
                workspace already validated (the consultant's next export)

Every other way runs with a user cache folder of the benchmark's own, kept between runs.
  (b) duckdb    ``bench/hand_duckdb.py``: the same metric set as hand-written DuckDB SQL
  (c) pandas    ``bench/hand_pandas.py``: the pandas script a consultant would write
  (d) floor     DuckDB counting ``opportunities.csv``'s rows: the parse floor
  (e) re-run    the CLI again on unchanged data (cache kept; warmed by one untimed run)
  (f) sf        ``enableframe metrics WORKSPACE/salesforce-report`` (no cache): the same
                exports with opportunities read by the ``salesforce-report`` connector;
                run when ``generate_exports.py`` wrote that workspace

Wall time is measured around the child in a small wrapper process; peak memory is the
wrapper's ``getrusage(RUSAGE_CHILDREN).ru_maxrss``, i.e. the child's peak RSS (MiB), and
CPU time its user + system time (all threads: steadier than wall time on a busy machine,
but DuckDB's two threads count twice). The
CSV files are in the page cache after the first run; every way profits alike. The outputs
of (a), (b) and (c) are compared metric by metric (value, previous quarter, year before;
relative tolerance 1e-9, the summation order of floats being the only difference).

pandas is NOT an enableframe dependency: install it into the benchmark's virtualenv only
(``/tmp/v/bin/pip install pandas``); without it, (c) is skipped.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

WRAPPER = """\
import json, resource, subprocess, sys, time
out, err, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
with open(out, "wb") as o, open(err, "wb") as e:
    t = time.perf_counter()
    rc = subprocess.call(cmd, stdout=o, stderr=e)
    wall = time.perf_counter() - t
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall": wall, "cpu": ru.ru_utime + ru.ru_stime, "rss_kib": ru.ru_maxrss,
                  "rc": rc}))
"""

FLOOR = ("import duckdb, sys; print(duckdb.connect().execute(\"SELECT count(*) FROM "
         "read_csv(?)\", [sys.argv[1]]).fetchone()[0])")

LABELS = {"cli": "(a) enableframe metrics, first run",
          "newdata": "(a2) enableframe metrics, new data", "duckdb": "(b) hand-written DuckDB",
          "pandas": "(c) pandas", "floor": "(d) DuckDB row count (parse floor)",
          "rerun": "(e) enableframe metrics re-run",
          "sf": "(f) enableframe metrics, salesforce-report"}


def enableframe_cmd() -> list[str]:
    exe = Path(sys.executable).with_name("enableframe")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("enableframe")
    return [found] if found else [sys.executable, "-m", "enableframe"]


def commands(workspace: Path, data: Path, period: str, by: str | None) -> dict[str, list[str]]:
    cli = [*enableframe_cmd(), "metrics", str(workspace), "--format", "json"]
    if by:
        cli += ["--by", by]
    py = sys.executable
    return {
        "cli": cli,
        "duckdb": [py, str(HERE / "hand_duckdb.py"), str(data), "--period", period],
        "pandas": [py, str(HERE / "hand_pandas.py"), str(data), "--period", period],
        "floor": [py, "-c", FLOOR, str(data / "opportunities.csv")],
        "rerun": cli,
        "newdata": cli,
        "sf": [*cli[:2], str(workspace / "salesforce-report"), *cli[3:]],
    }


def measure(cmd: list[str], out: Path, user_cache: Path) -> dict:
    err = out.with_suffix(".err")
    env = {**os.environ, "ENABLEFRAME_CACHE_DIR": str(user_cache)}
    # an installed package has its bytecode compiled (pip does it); a shell that forbids
    # writing it would make every run compile enableframe's modules again (0.1 s)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    done = subprocess.run([sys.executable, "-c", WRAPPER, str(out), str(err), *cmd],
                          capture_output=True, text=True, check=True, env=env)
    result = json.loads(done.stdout)
    if result["rc"] != 0:
        raise SystemExit(f"{' '.join(cmd)} failed (exit {result['rc']}):\n"
                         + err.read_text()[-2000:])
    return result


def clear_cache(workspace: Path) -> None:
    cache = workspace / ".enableframe"
    if cache.is_dir():
        shutil.rmtree(cache)


def period_of(workspace: Path) -> str:
    for line in (workspace / "enableframe.yaml").read_text().splitlines():
        if line.startswith("period:") and "quarter:" in line:
            return line.split("quarter:")[1].strip(" }")
    return "2024-Q4"


# -- output checks ----------------------------------------------------------------------------

def cli_values(doc: dict) -> dict[str, list[float | None]]:
    out = {}
    for m in doc["metrics"]:
        comp = m.get("comparisons", {})
        out[m["id"]] = [m["value"], comp.get("previous", {}).get("value"),
                        comp.get("year_before", {}).get("value")]
    return out


def hand_values(doc: dict) -> dict[str, list[float | None]]:
    return {k: [v.get("current"), v.get("previous"), v.get("year_before")]
            for k, v in doc["metrics"].items()}


def same(a: list, b: list) -> bool:
    return all((x is None and y is None) or (x is not None and y is not None
                                             and math.isclose(x, y, rel_tol=1e-9))
               for x, y in zip(a, b, strict=True))


def check_outputs(outputs: dict[str, Path]) -> list[str]:
    lines, values = [], {}
    for way in ("cli", "sf"):
        if way in outputs:
            values[way] = cli_values(json.loads(outputs[way].read_text()))
    for way in ("duckdb", "pandas"):
        if way in outputs:
            values[way] = hand_values(json.loads(outputs[way].read_text()))
    ref = values.get("cli") or next(iter(values.values()), None)
    if ref is None:
        return lines
    for metric in ("win_rate", "average_sales_price", "sales_cycle_days"):
        cells = "  ".join(f"{way} {_fmt(v.get(metric, [None])[0])}" for way, v in values.items())
        lines.append(f"  {metric:22} {cells}")
    for way, vals in values.items():
        if vals is ref:
            continue
        # the hand scripts leave out metrics of tables the exports lack (content events):
        # agreed when enableframe calls them unknown in every period
        differ = [m for m in ref if not same(ref[m], vals.get(m, [None, None, None]))]
        lines.append(f"  {way} vs {'cli' if 'cli' in values else 'first'}: "
                     f"{len(ref) - len(differ)}/{len(ref)} metrics agree (value, previous, "
                     f"year before)" + (f"; DIFFER: {', '.join(differ)}" if differ else ""))
        if differ:
            for m in differ[:5]:
                lines.append(f"    {m}: {ref[m]} vs {vals.get(m)}")
    if "duckdb" in outputs and "pandas" in outputs:
        a, b = (json.loads(outputs[w].read_text()) for w in ("duckdb", "pandas"))
        for key in ("win_rate_by_team_quarter", "pipeline_created_by_quarter"):
            x, y = a.get(key, {}), b.get(key, {})
            ok = x.keys() == y.keys() and all(same(_as_list(x[k]), _as_list(y[k]))
                                              for k in x)
            lines.append(f"  pandas vs duckdb, {key}: {len(x)} groups, "
                         f"{'agree' if ok else 'DIFFER'}")
    return lines


def _as_list(value: float | list) -> list:
    return value if isinstance(value, list) else [value]


def _fmt(v: float | None) -> str:
    return "unknown" if v is None else f"{v:.10g}"


# -- main -------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("workspace", type=Path, help="folder of generate_exports.py output")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--ways", default="cli,newdata,duckdb,pandas,floor,rerun,sf",
                        help="comma-separated subset of cli,newdata,duckdb,pandas,floor,"
                             "rerun,sf")
    parser.add_argument("--by", default=None, help="also pass --by DIM to enableframe")
    parser.add_argument("--json", type=Path, default=None, help="write the figures here")
    args = parser.parse_args(argv)
    workspace = args.workspace.resolve()
    ways = [w.strip() for w in args.ways.split(",") if w.strip()]
    if "pandas" in ways and importlib.util.find_spec("pandas") is None:
        print("pandas is not installed: skipping (c); /tmp/v/bin/pip install pandas",
              file=sys.stderr)
        ways.remove("pandas")
    if "sf" in ways and not (workspace / "salesforce-report" / "enableframe.yaml").exists():
        ways.remove("sf")
    cmds = commands(workspace, workspace, period_of(workspace), args.by)
    rows = sum(1 for _ in (workspace / "opportunities.csv").open("rb")) - 1
    load_before = os.getloadavg()
    print(f"{rows:,} opportunities in {workspace}; {args.runs} runs per way, interleaved; "
          f"{os.cpu_count()} CPUs, load average {load_before[0]:.2f}")
    state = source_state()
    print(f"enableframe source: {state}")
    for way in ways:
        print(f"  {way:7} {' '.join(cmds[way])}")
    samples: dict[str, list[dict]] = {w: [] for w in ways}
    with tempfile.TemporaryDirectory(prefix="ef-bench-") as tmp:
        outputs = {w: Path(tmp) / f"{w}.out" for w in ways}
        user_cache = Path(tmp) / "user-cache"
        for i in range(args.runs):
            for way in ways:
                cache = user_cache
                if way == "cli":
                    clear_cache(workspace)
                    cache = Path(tmp) / f"user-cache-first-{i}"  # new and empty
                elif way == "newdata":
                    if i == 0 and not (workspace / ".enableframe").is_dir():
                        measure(cmds[way], outputs[way], cache)  # validate once, untimed
                    (workspace / ".enableframe" / "cache.duckdb").unlink(missing_ok=True)
                    (workspace / ".enableframe" / "cache.duckdb.wal").unlink(missing_ok=True)
                elif way == "sf":
                    clear_cache(workspace / "salesforce-report")
                elif way == "rerun" and i == 0:
                    measure(cmds[way], outputs[way], cache)  # warm the cache, untimed
                samples[way].append(measure(cmds[way], outputs[way], cache))
            print(f"  run {i + 1}/{args.runs}: " + "  ".join(
                f"{w} {samples[w][-1]['wall']:.2f}s" for w in ways), flush=True)
        checks = check_outputs({w: p for w, p in outputs.items()
                                if w in ("cli", "duckdb", "pandas", "sf")})
    load_after = os.getloadavg()
    summary = {w: {"seconds": statistics.median(s["wall"] for s in samples[w]),
                   "min_seconds": min(s["wall"] for s in samples[w]),
                   "cpu_seconds": statistics.median(s["cpu"] for s in samples[w]),
                   "mib": statistics.median(s["rss_kib"] for s in samples[w]) / 1024,
                   "runs": [round(s["wall"], 3) for s in samples[w]]} for w in ways}
    print()
    print(table(summary, rows))
    print()
    print("Outputs (current period; all metrics compared for all three periods):")
    print("\n".join(checks))
    print()
    print("\n".join(targets(summary, rows)))
    print(f"\nload average before {load_before[0]:.2f}, after {load_after[0]:.2f} "
          "(other processes on the machine slow every way alike: runs are interleaved)")
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "runs": args.runs,
                                         "commands": {w: cmds[w] for w in ways},
                                         "load": [load_before[0], load_after[0]],
                                         "source": state,
                                         "summary": summary}, indent=1))
    return 0


def table(summary: dict[str, dict], rows: int) -> str:
    refs = [w for w in ("duckdb", "pandas", "floor") if w in summary]
    names = {"duckdb": "(b)", "pandas": "(c)", "floor": "(d)"}
    head = (["way", "median s", "min s", "CPU s", "peak MiB"]
            + [f"time / {names[r]}" for r in refs])
    lines = [" | ".join(head), " | ".join("---" for _ in head)]
    for way, s in summary.items():
        cells = [LABELS[way], f"{s['seconds']:.2f}", f"{s['min_seconds']:.2f}",
                 f"{s['cpu_seconds']:.2f}", f"{s['mib']:.0f}"]
        cells += [f"{s['seconds'] / summary[r]['seconds']:.2f}" for r in refs]
        lines.append(" | ".join(cells))
    return "\n".join(f"| {line} |" for line in lines)


def targets(summary: dict[str, dict], rows: int) -> list[str]:
    out = ["Targets (DESIGN.md; the time targets are stated for 1M rows, memory for 5M):"]

    def verdict(ok: bool) -> str:
        return "met" if ok else "MISSED"

    for way in ("cli", "newdata"):
        if way not in summary:
            continue
        t = summary[way]["seconds"]
        out.append(f"  {LABELS[way]}:")
        if "duckdb" in summary:
            r = t / summary["duckdb"]["seconds"]
            out.append(f"    within 1.2x of hand DuckDB: {r:.2f}x  {verdict(r <= 1.2)}")
        if "pandas" in summary:
            r = summary["pandas"]["seconds"] / t
            out.append(f"    >= 1.5x faster than pandas: {r:.2f}x  {verdict(r >= 1.5)}")
        if "floor" in summary:
            r = t / summary["floor"]["seconds"]
            out.append(f"    within 2x of the parse floor: {r:.2f}x  {verdict(r <= 2.0)}")
        mib = summary[way]["mib"]
        out.append(f"    peak memory < 600 MiB (at 5M): {mib:.0f} MiB  {verdict(mib < 600)}")
    if "rerun" in summary:
        r = summary["rerun"]["seconds"]
        out.append(f"  re-run on unchanged data < 0.5 s: {r:.2f} s  {verdict(r < 0.5)}")
    return out


def source_state() -> str:
    """Where the enableframe being measured is imported from (``PYTHONPATH`` may point at
    a snapshot), its commit and whether its src/ or plugins/ have uncommitted changes."""
    code = "import enableframe; print(enableframe.__file__)"
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if found.returncode != 0:
        return "enableframe not importable"
    root = Path(found.stdout.strip()).parent.parent.parent  # .../src/enableframe/__init__.py
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "src",
                                "plugins"], capture_output=True, text=True).stdout.split("\n")
    except (OSError, subprocess.CalledProcessError):
        return f"{root} (not a git checkout: a snapshot)"
    changed = [line[3:] for line in dirty if line.strip()]
    return f"{root} at {head}" + (f" + uncommitted changes in {', '.join(changed)}"
                                  if changed else "")


if __name__ == "__main__":
    sys.exit(main())
