"""Options shared by several commands."""

from __future__ import annotations

import json
from typing import Any

import click


def format_option(*choices: str, default: str | None = None):
    """``--format`` with the given choices (the first is the default)."""
    return click.option(
        "--format", "fmt", type=click.Choice(choices), default=default or choices[0],
        show_default=True, help="Output format.",
    )


def echo_json(data: Any) -> None:
    """Print ``data`` as stable, sorted, indented JSON."""
    click.echo(json.dumps(data, indent=2, sort_keys=False, ensure_ascii=False, default=str))
