"""Benchmark the two Python CEL libraries considered for enableframe rule conditions.

Candidates:

* ``common-expression-language`` (import name ``cel``, Rust bindings)
* ``cel-python`` (import name ``celpy``, pure Python on top of lark), measured
  with both of its runners: the default ``InterpretedRunner`` and the
  ``CompiledRunner`` (transpiles the AST to Python).

For each candidate this script measures, on a realistic enableframe rule
condition and on a simple one:

1. import time, in a fresh subprocess (median of 5), plus the cold-start cost
   of import + first compile + first evaluation in that same fresh process;
2. compile time per expression (median over many compiles). For celpy this is
   ``env.compile()`` + ``env.program()``, i.e. everything needed to get
   something executable, which is what ``cel.compile()`` returns;
3. execute time per evaluation of an already compiled expression (median of
   2000). The variables are converted once, outside the timed loop, as a real
   engine would: a reused ``cel.Context`` for cel, a ``celpy.json_to_cel``
   activation for celpy. cel is also timed with a plain dict per call;
4. whether a syntax error reports a line:column position (the error text for
   ``win_rate >= && 3`` is printed for each library);
5. whether the library exposes the names an expression references
   (``Program.variables()`` for cel; celpy has no such API, so the lark parse
   tree is walked for ``ident`` nodes).

It prints an aligned table and a one-line verdict; it takes well under a minute.

Run it from the repository root::

    pip install common-expression-language cel-python
    python bench/cel_candidates.py

cel-python is a benchmark-only dependency: enableframe itself does not need it.
"""

from __future__ import annotations

import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import cel
import celpy

COMPLEX = (
    "win_rate >= 0.25 && sales_cycle_days <= 90.0 && "
    "charter.documented == true && size(programs_active) > 2"
)
SIMPLE = "win_rate >= 0.25"
BAD = "win_rate >= && 3"

CONTEXT: dict[str, Any] = {
    "win_rate": 0.31,
    "sales_cycle_days": 64.0,
    "charter": {"documented": True, "owner": "revops"},
    "programs_active": ["onboarding", "expansion", "renewal", "advocacy"],
}

IMPORT_RUNS = 5
CEL_COMPILE_RUNS = 2000
CELPY_COMPILE_RUNS = 200
EXECUTE_RUNS = 2000
WARMUP = 50

# Labels of the table columns.
CEL = "cel"
INTERP = "celpy interp"
COMPILED = "celpy compiled"
CANDIDATES = (CEL, INTERP, COMPILED)


# ---------------------------------------------------------------------------
# timing helpers
# ---------------------------------------------------------------------------


def median_call(fn: Callable[[], object], runs: int, warmup: int = WARMUP) -> float:
    """Median wall time of one call of ``fn``, in seconds."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def _cold_start_code(candidate: str) -> str:
    """Source run in a fresh interpreter: prints import and cold-start seconds."""
    if candidate == CEL:
        body = "import cel\nt1 = time.perf_counter()\ncel.compile(EXPR).execute(CTX)\n"
    else:
        runner = "CompiledRunner" if candidate == COMPILED else "InterpretedRunner"
        body = (
            "import celpy\n"
            "t1 = time.perf_counter()\n"
            f"env = celpy.Environment(runner_class=celpy.{runner})\n"
            "act = {k: celpy.json_to_cel(v) for k, v in CTX.items()}\n"
            "env.program(env.compile(EXPR)).evaluate(act)\n"
        )
    return (
        "import time\n"
        f"EXPR = {COMPLEX!r}\n"
        f"CTX = {CONTEXT!r}\n"
        "t0 = time.perf_counter()\n"
        f"{body}"
        "t2 = time.perf_counter()\n"
        "print(t1 - t0, t2 - t0)\n"
    )


def cel_cli_share() -> float:
    """Median share of ``import cel`` spent in ``cel.cli`` (``-X importtime``).

    The ``cel`` package imports its command-line tool (typer, rich,
    prompt_toolkit) from ``__init__``, so every importer pays for it. A share
    rather than an absolute time, because ``-X importtime`` itself slows imports.
    """

    def cumulative(module: str, err: str) -> int:
        pattern = rf"^import time:\s+\d+ \|\s+(\d+) \|\s+{re.escape(module)}$"
        match = re.search(pattern, err, re.M)
        return int(match[1]) if match else 0

    samples = []
    for _ in range(IMPORT_RUNS):
        err = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", "import cel"],
            check=True,
            capture_output=True,
            text=True,
        ).stderr
        total = cumulative("cel", err)
        samples.append(cumulative("cel.cli", err) / total if total else float("nan"))
    return statistics.median(samples)


def cold_start(candidate: str) -> tuple[float, float]:
    """Median (import, import + first compile + first evaluate) seconds."""
    code = _cold_start_code(candidate)
    imports, colds = [], []
    for _ in range(IMPORT_RUNS):
        out = subprocess.run(
            [sys.executable, "-c", code],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
        imports.append(float(out[0]))
        colds.append(float(out[1]))
    return statistics.median(imports), statistics.median(colds)


# ---------------------------------------------------------------------------
# per-library adapters
# ---------------------------------------------------------------------------


def celpy_env(candidate: str) -> celpy.Environment:
    runner = celpy.CompiledRunner if candidate == COMPILED else celpy.InterpretedRunner
    return celpy.Environment(runner_class=runner)


def celpy_activation() -> dict[str, Any]:
    return {name: celpy.json_to_cel(value) for name, value in CONTEXT.items()}


def celpy_names(tree: Any) -> list[str]:
    """Identifiers referenced by a celpy (lark) AST.

    celpy offers no API for this; walking the tree for ``ident`` nodes yields
    the root names (``charter`` for ``charter.documented``). Function calls are
    ``ident_arg`` nodes and are therefore not included. Like cel's
    ``variables()``, it also reports macro-bound names such as ``p`` in
    ``xs.exists(p, ...)``.
    """
    return sorted({str(node.children[0]) for node in tree.find_data("ident")})


def compile_seconds(candidate: str, expr: str) -> float:
    if candidate == CEL:
        return median_call(lambda: cel.compile(expr), CEL_COMPILE_RUNS)
    env = celpy_env(candidate)
    return median_call(lambda: env.program(env.compile(expr)), CELPY_COMPILE_RUNS, warmup=5)


def execute_seconds(candidate: str, expr: str, *, plain_dict: bool = False) -> float:
    if candidate == CEL:
        program = cel.compile(expr)
        ctx: Any = dict(CONTEXT) if plain_dict else cel.Context(variables=CONTEXT)
        assert program.execute(ctx) is True
        return median_call(lambda: program.execute(ctx), EXECUTE_RUNS)
    env = celpy_env(candidate)
    runner = env.program(env.compile(expr))
    activation = celpy_activation()
    assert runner.evaluate(activation) == celpy.celtypes.BoolType(True)
    return median_call(lambda: runner.evaluate(activation), EXECUTE_RUNS)


def syntax_error(candidate: str) -> tuple[str, str]:
    """(short table cell, full error text) for compiling ``BAD``."""
    if candidate == CEL:
        try:
            cel.compile(BAD)
        except ValueError as exc:
            text = str(exc)
            match = re.search(r"<input>:(\d+):(\d+):", text)
            cell = f"yes, msg {match[1]}:{match[2]}" if match else "no"
            return cell, text
        return "no error raised", ""
    env = celpy_env(candidate)
    try:
        env.compile(BAD)
    except celpy.CELParseError as exc:
        text = str(exc)
        line, column = getattr(exc, "line", None), getattr(exc, "column", None)
        in_msg = re.search(r"\d+:\d+", text) is not None
        if line is not None and column is not None:
            where = "msg+attrs" if in_msg else "attrs only"
            cell = f"yes, {where} {line}:{column}"
        else:
            cell = "yes, in msg" if in_msg else "no"
        return cell, f"{text}(exc.line={line}, exc.column={column})"
    return "no error raised", ""


def referenced_names(candidate: str) -> tuple[str, list[str]]:
    if candidate == CEL:
        return "yes: .variables()", cel.compile(COMPLEX).variables()
    return "no API; tree walk", celpy_names(celpy_env(candidate).compile(COMPLEX))


# ---------------------------------------------------------------------------
# report
# ---------------------------------------------------------------------------


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:.1f}"


def us(seconds: float) -> str:
    return f"{seconds * 1e6:.1f}"


def print_table(header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def fmt(row: list[str]) -> str:
        first = row[0].ljust(widths[0])
        rest = [cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)]
        return "  ".join([first, *rest])

    print(fmt(header))
    print("  ".join("-" * width for width in widths))
    for row in rows:
        print(fmt(row))


def main() -> None:
    # celpy caches one lark parser per process, built with the tree class of the
    # first Environment. CompiledRunner needs its TranspilerTree nodes, so the
    # first Environment must be a CompiledRunner one (InterpretedRunner copes
    # with TranspilerTree nodes, the reverse fails with AttributeError).
    celpy_env(COMPILED)

    res: dict[str, dict[str, Any]] = {c: {} for c in CANDIDATES}
    for c in CANDIDATES:
        res[c]["import"], res[c]["cold"] = cold_start(c)
        res[c]["compile_complex"] = compile_seconds(c, COMPLEX)
        res[c]["compile_simple"] = compile_seconds(c, SIMPLE)
        res[c]["exec_complex"] = execute_seconds(c, COMPLEX)
        res[c]["exec_simple"] = execute_seconds(c, SIMPLE)
        res[c]["error_cell"], res[c]["error_text"] = syntax_error(c)
        res[c]["names_cell"], res[c]["names"] = referenced_names(c)
    cel_dict_exec = execute_seconds(CEL, COMPLEX, plain_dict=True)
    cli_share = cel_cli_share()

    print(f"complex: {COMPLEX}")
    print(f"simple:  {SIMPLE}")
    print(f"python {sys.version.split()[0]}; times are medians\n")

    rows = [
        ["import (ms, fresh process, n=5)", *(ms(res[c]["import"]) for c in CANDIDATES)],
        ["  share of it in cel.cli", f"{cli_share:.1%}", "-", "-"],
        [
            "import+1st compile+eval (ms)",
            *(ms(res[c]["cold"]) for c in CANDIDATES),
        ],
        ["compile complex (us)", *(us(res[c]["compile_complex"]) for c in CANDIDATES)],
        ["compile simple (us)", *(us(res[c]["compile_simple"]) for c in CANDIDATES)],
        ["execute complex (us)", *(us(res[c]["exec_complex"]) for c in CANDIDATES)],
        ["execute simple (us)", *(us(res[c]["exec_simple"]) for c in CANDIDATES)],
        ["execute complex, dict/call (us)", us(cel_dict_exec), "-", "-"],
        ["syntax error line:col", *(res[c]["error_cell"] for c in CANDIDATES)],
        ["referenced names", *(res[c]["names_cell"] for c in CANDIDATES)],
    ]
    print_table(["metric", *CANDIDATES], rows)

    print(f"\nsyntax error text for {BAD!r}:")
    for c in (CEL, INTERP):
        label = "celpy" if c == INTERP else c
        print(f"  [{label}]")
        for line in res[c]["error_text"].splitlines():
            print(f"    {line}")

    print("\nnames referenced by the complex expression:")
    print(f"  [cel]   Program.variables() -> {res[CEL]['names']}")
    print(f"  [celpy] ident nodes of the lark tree -> {res[INTERP]['names']}")

    best_celpy = min((INTERP, COMPILED), key=lambda c: res[c]["exec_complex"])
    exec_x = res[best_celpy]["exec_complex"] / res[CEL]["exec_complex"]
    compile_x = res[best_celpy]["compile_complex"] / res[CEL]["compile_complex"]
    print_verdict(res, best_celpy, exec_x, compile_x, cli_share)


def print_verdict(
    res: dict[str, dict[str, Any]],
    best_celpy: str,
    exec_x: float,
    compile_x: float,
    cli_share: float,
) -> None:
    if exec_x > 1 and compile_x > 1:
        verdict = (
            f"cel -- {exec_x:.0f}x faster execute and {compile_x:.0f}x faster compile "
            f"than {best_celpy}, line:col in its error message, .variables() built in"
        )
        cel_import, celpy_import = res[CEL]["import"], res[INTERP]["import"]
        if cel_import > celpy_import:
            verdict += (
                f"; its one loss is import ({ms(cel_import)} vs {ms(celpy_import)} ms), "
                f"{cli_share:.1%} of it spent loading its bundled CLI (cel.cli)"
            )
    else:
        verdict = (
            f"no clear winner on speed: {best_celpy} vs cel is {exec_x:.2f}x on execute "
            f"and {compile_x:.2f}x on compile (ratios >1 favour cel)"
        )
    print(f"\nVerdict: {verdict}.")


if __name__ == "__main__":
    main()
