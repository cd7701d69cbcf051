"""CLI start-up: `enableframe --help` against a bare click skeleton and eager imports.

    python bench/cli_startup.py

Medians of 11 fresh processes each. The target (DESIGN.md) is `enableframe --help`
within 0.15 s; heavy libraries are imported only by the commands that need them.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

CASES = {
    "python -c pass (interpreter floor)": "pass",
    "bare click group --help": (
        "import click\n@click.group()\ndef g():\n    'x'\ntry:\n    g(['--help'])\n"
        "except SystemExit:\n    pass"),
    "enableframe --help": (
        "from enableframe.cli import cli\ntry:\n    cli(['--help'])\nexcept SystemExit:\n"
        "    pass"),
    "enableframe --help + eager heavy imports": (
        "import jsonschema, networkx, cel, yaml\nfrom enableframe.cli import cli\ntry:\n"
        "    cli(['--help'])\nexcept SystemExit:\n    pass"),
}


def median_s(code: str, runs: int = 11) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    for label, code in CASES.items():
        print(f"{label:<42} {median_s(code):.3f} s")


if __name__ == "__main__":
    main()
