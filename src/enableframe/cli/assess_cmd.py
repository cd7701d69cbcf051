"""``enableframe assess WORKSPACE``"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from enableframe.cli.options import load_progress


@click.command()
@click.argument("workspace", type=click.Path(exists=True))
@click.option("--format", "fmt", default="terminal", show_default=True, metavar="NAME",
              help="Renderer for stdout (see `enableframe plugins`): terminal, json, "
                   "markdown, ...")
@click.option("-o", "--output", "outputs", multiple=True, type=click.Path(dir_okay=False),
              help="Also write the report to FILE, its format from the extension; may repeat.")
@click.option("--fail-under", type=int, metavar="LEVEL",
              help="Exit 1 when the overall level is below LEVEL.")
@click.option("--strict", is_flag=True, help="Exit 2 when any data row is rejected.")
@click.option("--no-cache", is_flag=True, help="Load every source again.")
@click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), metavar="YYYY-MM-DD",
              help="Judge waiver expiry as of this date (default: today), e.g. to re-run an "
                   "old quarter exactly as it was assessed.")
@click.option("--no-history", is_flag=True,
              help="Do not store this run in WORKSPACE/.enableframe/history.sqlite (nor "
                   "read earlier runs for the trend and follow-up).")
def assess(workspace: str, fmt: str, outputs: tuple[str, ...], fail_under: int | None,
           strict: bool, no_cache: bool, no_history: bool, as_of: Any) -> None:
    """Assess the workspace: levels, charter findings, road map."""
    from enableframe.assessment import run_assessment
    from enableframe.rendering import render, renderer_for_path

    targets = [(Path(o), renderer_for_path(o)) for o in outputs]  # bad names fail first
    with load_progress() as progress:
        result = run_assessment(workspace, cache=not no_cache, history=not no_history,
                                today=as_of.date() if as_of else None, progress=progress)
    if not no_history:
        from enableframe.history import record_run

        click.echo(f"stored as run {record_run(workspace, result)} "
                   f"(enableframe history {workspace})", err=True)
    if not outputs or fmt != "terminal":
        click.echo(render(result, fmt), nl=False)
    for path, name in targets:
        path.write_text(render(result, name), "utf-8")
        click.echo(f"wrote {path}", err=True)
    if strict and any(t["rejected"] for t in result.data["data_quality"]["tables"]):
        raise SystemExit(2)
    if fail_under is not None and result.overall_level < fail_under:
        raise SystemExit(1)
