"""``enableframe graph`` and ``enableframe explain``."""

from __future__ import annotations

import click

from enableframe.cli.options import echo_json


@click.command()
@click.argument("ref")
@click.option("--format", "fmt", type=click.Choice(["mermaid", "dot", "json", "graphml"]),
              default="mermaid", show_default=True, help="Output format.")
@click.option("--focus", metavar="NODE",
              help="Only NODE and what is upstream and downstream of it (e.g. metric:win_rate).")
def graph(ref: str, fmt: str, focus: str | None) -> None:
    """Print the model graph of ruleset REF: sources, metrics, programs, criteria."""
    from enableframe.ruleset import load_ruleset

    model = load_ruleset(ref).graph
    if focus:
        model = model.focus(focus)
    if fmt == "json":
        echo_json(model.to_node_link())
    else:
        render = {"mermaid": model.to_mermaid, "dot": model.to_dot, "graphml": model.to_graphml}
        click.echo(render[fmt](), nl=False)


@click.command()
@click.argument("ref")
@click.argument("node")
def explain(ref: str, node: str) -> None:
    """Explain NODE of ruleset REF: what it needs, what needs it, where it is defined."""
    from enableframe.explain import explain_node
    from enableframe.ruleset import load_ruleset

    click.echo(explain_node(load_ruleset(ref), node))
