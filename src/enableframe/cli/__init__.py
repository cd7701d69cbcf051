"""The ``enableframe`` command line: thin commands, each calling one library function.

Only click is imported at start-up; each command imports what it needs when it runs, so
``enableframe --help`` stays fast (see bench/cli_startup.py).
"""

from __future__ import annotations

import click

from enableframe import __version__
from enableframe.errors import UserError


class _Group(click.Group):
    """Turns a :class:`UserError` into its message and exit code 2, at the boundary only."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except UserError as exc:
            for line in str(exc).splitlines():
                click.echo(f"error: {line}" if not line.startswith("error") else line, err=True)
            ctx.exit(exc.exit_code)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="enableframe")
@click.option("-p", "plugin_opts", multiple=True, metavar="no:NAME|NAME",
              help="Disable a plugin (-p no:csv), or with NAME load only the named plugins.")
@click.option("--trace-plugins", is_flag=True, help="Print every plugin hook call to stderr.")
def cli(plugin_opts: tuple[str, ...], trace_plugins: bool) -> None:
    """Assess a sales-enablement function: maturity, charter and road map, from its data."""
    if plugin_opts or trace_plugins:
        from enableframe.plugin_host import configure_plugin_host

        configure_plugin_host(
            disable=[p[3:] for p in plugin_opts if p.startswith("no:")],
            only=[p for p in plugin_opts if not p.startswith("no:")] or None,
            trace=trace_plugins)


def _register() -> None:
    from enableframe.cli import (
        assess_cmd,
        data_cmd,
        graph_cmd,
        history_cmd,
        init_cmd,
        metrics_cmd,
        plugins_cmd,
        ruleset_cmd,
        validate_cmd,
    )

    cli.add_command(validate_cmd.validate)
    cli.add_command(ruleset_cmd.ruleset)
    cli.add_command(graph_cmd.graph)
    cli.add_command(graph_cmd.explain)
    cli.add_command(data_cmd.data)
    cli.add_command(plugins_cmd.plugins)
    cli.add_command(metrics_cmd.metrics)
    cli.add_command(assess_cmd.assess)
    cli.add_command(history_cmd.history)
    cli.add_command(history_cmd.diff)
    cli.add_command(init_cmd.init)


_register()


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="enableframe")
