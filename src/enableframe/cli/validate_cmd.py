"""``enableframe validate PATH...``"""

from __future__ import annotations

import click

from enableframe.cli.options import echo_json, format_option


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@format_option("text", "json")
def validate(paths: tuple[str, ...], fmt: str) -> None:
    """Validate ruleset files or folders of them; every problem, located.

    Exit code 0 when every file is clean (warnings allowed), 2 on any error.
    """
    from enableframe.validation import validate_paths

    report = validate_paths(paths)
    if fmt == "json":
        echo_json(report.to_dict())
    else:
        for problem in report.problems:
            click.echo(str(problem))
        click.echo(report.summary(), err=True)
    raise SystemExit(0 if report.ok else 2)
