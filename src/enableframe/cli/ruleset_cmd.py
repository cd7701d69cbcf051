"""``enableframe ruleset list|show``"""

from __future__ import annotations

import click

from enableframe.cli.options import echo_json, format_option


@click.group()
def ruleset() -> None:
    """Built-in rulesets and resolved overlays."""


@ruleset.command("list")
@format_option("text", "json")
def list_(fmt: str) -> None:
    """List the built-in rulesets."""
    from enableframe.catalog import builtin_summaries

    rows = builtin_summaries()
    if fmt == "json":
        echo_json({"rulesets": rows})
        return
    width = max((len(r["ref"]) for r in rows), default=0)
    for row in rows:
        click.echo(f"{row['ref']:<{width}}  {row['version']:<8} {row['description']}")


@ruleset.command()
@click.argument("ref")
@format_option("yaml", "json")
@click.option("--provenance", is_flag=True,
              help="Add, to each item, the file:line that last set each field.")
def show(ref: str, fmt: str, provenance: bool) -> None:
    """Print the resolved ruleset REF (builtin:NAME or a file) after its extends chain."""
    from enableframe.ruleset import load_ruleset

    data = load_ruleset(ref).to_data(provenance=provenance)
    if fmt == "json":
        echo_json(data)
    else:
        import yaml

        click.echo(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100), nl=False)
