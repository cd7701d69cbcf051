"""``enableframe metrics WORKSPACE``"""

from __future__ import annotations

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
    from enableframe.formatting import format_value
    from enableframe.metric_run import run_metrics

    with load_progress() as progress:
        report = run_metrics(workspace, by=by, only=set(only) or None, progress=progress)
    if fmt == "json":
        echo_json(report.to_dict())
        return
    click.echo(f"{report.client}: {report.ruleset} on {report.period.label} "
               f"({report.period.start} to {report.period.end})")
    for m in report.metrics:
        shown = format_value(m.value, m.unit) if m.value is not None else f"unknown: {m.reason}"
        flag = "  [CSO]" if m.cso_key else ""
        thin = "  (thin: few rows)" if m.thin else ""
        prev = m.comparisons.get("previous", {}).get("value")
        delta = f"  prev {format_value(prev, m.unit)}" if prev is not None and m.value is not None \
            else ""
        click.echo(f"  {m.id:<34} {shown}{delta}{flag}{thin}")
        for dim, groups in m.by.items():
            for group, value in groups.items():
                click.echo(f"      {dim}={group}: {format_value(value, m.unit)}")
