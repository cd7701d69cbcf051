"""``enableframe history WORKSPACE`` and ``enableframe diff A B``."""

from __future__ import annotations

from typing import Any

import click

from enableframe.cli.options import echo_json, format_option


@click.command()
@click.argument("workspace", type=click.Path(exists=True))
@format_option("text", "json")
def history(workspace: str, fmt: str) -> None:
    """The assessment runs stored in WORKSPACE: date, ruleset, overall level, CSO metrics."""
    from enableframe.history import history_report

    report = history_report(workspace)
    if fmt == "json":
        echo_json(report)
        return
    click.echo(_history_text(report), nl=False)


def _history_text(report: dict[str, Any]) -> str:
    from enableframe.diff import fmt_value

    runs = report["runs"]
    if not runs:
        return f"no runs stored in {report['store']} yet\n"
    metrics: dict[str, dict[str, Any]] = {}
    for run in runs:
        for m in run["cso_metrics"]:
            metrics.setdefault(m["id"], m)
    header = ["run", "stored (UTC)", "period", "ruleset", "level",
              *(m["name"] for m in metrics.values())]
    rows = []
    for run in runs:
        values = {m["id"]: m for m in run["cso_metrics"]}
        rows.append([
            str(run["id"]), run["created_at"].replace("T", " ")[:16], run["period"]["label"],
            f"{run['ruleset']['name']} {run['ruleset']['version']}",
            f"{run['overall']['level']}{'*' if run['overall']['provisional'] else ''}",
            *(fmt_value(values[mid]["value"], values[mid]["unit"]) if mid in values else "-"
              for mid in metrics)])
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = [f"{runs[-1]['client']}: {len(runs)} run{'s' * (len(runs) != 1)} in "
             f"{report['store']}"]
    for row in [header, *rows]:
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True))
                     .rstrip())
    if any(r["overall"]["provisional"] for r in runs):
        lines.append("* provisional (thin data or many rejected rows)")
    return "\n".join(lines) + "\n"


@click.command()
@click.argument("a")
@click.argument("b")
@format_option("text", "json")
def diff(a: str, b: str, fmt: str) -> None:
    """What changed from run A to run B, and why (data, ruleset/overlay or waiver).

    A and B are stored runs, WORKSPACE@ID, WORKSPACE@latest or WORKSPACE@previous, or JSON
    results of `enableframe assess --format json`.
    """
    from enableframe.diff import diff_refs, render_text

    changes = diff_refs(a, b)
    if fmt == "json":
        echo_json(changes)
    else:
        click.echo(render_text(changes), nl=False)
