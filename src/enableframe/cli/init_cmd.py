"""``enableframe init DIR``"""

from __future__ import annotations

import click


@click.command()
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--ruleset", default="builtin:enablement-3.0", show_default=True,
              metavar="REF", help="The ruleset the client overlay extends: builtin:NAME "
                                  "(see `enableframe ruleset list`) or a ruleset file.")
@click.option("--client", metavar="NAME", help="Client name shown in reports "
                                                "[default: the folder's name].")
def init(directory: str, ruleset: str, client: str | None) -> None:
    """Scaffold a workspace in DIRECTORY: enableframe.yaml, a client overlay ruleset.yaml
    and the charter, programs, answers, organisation and waivers files, commented.

    Never overwrites: when any of these files exists, nothing is written (exit 2).
    """
    from enableframe.scaffold import init_workspace

    written = init_workspace(directory, ruleset, client)
    for path in written:
        click.echo(f"wrote {path}")
    click.echo(
        f"next: put the exports in {directory}/data/, add them under sources: in "
        f"{directory}/enableframe.yaml (commented examples there), then run "
        f"`enableframe data check {directory}` and `enableframe assess {directory}`",
        err=True)
