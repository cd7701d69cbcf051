"""``enableframe plugins`` and the global plugin switches."""

from __future__ import annotations

import click

from enableframe.cli.options import echo_json, format_option


@click.command()
@format_option("text", "json")
def plugins(fmt: str) -> None:
    """List plugins: name, distribution, version, hooks; and those that failed to load."""
    from enableframe.plugin_host import get_plugin_host

    host = get_plugin_host()
    registry = host.registry
    provided: dict[str, list[str]] = {}
    for category in ("connectors", "renderers", "metric_kinds"):
        for name, reg in getattr(registry, category).items():
            provided.setdefault(reg.plugin, []).append(f"{category[:-1]}:{name}")
    rows = [{"name": p.name, "distribution": p.distribution, "version": p.version,
             "hooks": list(p.hooks), "provides": sorted(provided.get(p.name, [])),
             "error": p.error} for p in host.plugins()]
    if fmt == "json":
        echo_json({"plugins": rows})
        return
    for row in rows:
        if row["error"]:
            click.echo(f"{row['name']}: FAILED: {row['error']}")
            continue
        click.echo(f"{row['name']}  {row['distribution']} {row['version']}".rstrip())
        if row["provides"]:
            click.echo(f"  provides: {', '.join(row['provides'])}")
        click.echo(f"  hooks: {', '.join(row['hooks'])}")
