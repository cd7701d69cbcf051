"""``enableframe metrics WORKSPACE``"""

from __future__ import annotations

from typing import Any

import click

from enableframe.cli.options import echo_json, format_option, load_progress

BY = ["team", "manager", "region", "role", "quarter", "month", "segment", "product", "type",
      "channel"]


@click.command()
@click.argument("workspace", type=click.Path(exists=True))
@format_option("text", "json")
@click.option("--by", "by", type=click.Choice(BY), help="Break every metric down by this.")
@click.option("--metric", "only", multiple=True, metavar="ID",
              help="Only this metric (and its inputs); may repeat.")
def metrics(workspace: str, fmt: str, by: str | None, only: tuple[str, ...]) -> None:
    """Compute the ruleset's metrics over the workspace's data, with their evidence."""
    from enableframe.metric_run import metrics_report

    switches = click.get_current_context().find_root().params
    with load_progress() as progress:
        report = metrics_report(workspace, by=by, only=set(only) or None, progress=progress,
                                plugin_options=switches.get("plugin_opts", ()),
                                memo=not switches.get("trace_plugins"))
    if fmt == "json":
        echo_json(report)
    else:
        render_text(report)


def render_text(report: dict[str, Any]) -> None:
    """The report for a person: one line a metric, its breakdown below it."""
    from enableframe.formatting import format_value

    period = report["period"]
    click.echo(f"{report['client']}: {report['ruleset']} on {period['label']} "
               f"({period['start']} to {period['end']})")
    for m in report["metrics"]:
        value, unit = m["value"], m["unit"]
        shown = format_value(value, unit) if value is not None else f"unknown: {m['reason']}"
        flag = "  [CSO]" if m["cso_key"] else ""
        thin = "  (thin: few rows)" if m["thin"] else ""
        prev = m["comparisons"].get("previous", {}).get("value")
        delta = f"  prev {format_value(prev, unit)}" if prev is not None and value is not None \
            else ""
        click.echo(f"  {m['id']:<34} {shown}{delta}{flag}{thin}")
        for dim, groups in m["by"].items():
            for group, group_value in groups.items():
                click.echo(f"      {dim}={group}: {format_value(group_value, unit)}")
