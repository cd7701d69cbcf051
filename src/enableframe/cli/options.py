"""Options shared by several commands."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable, Iterator
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


@contextlib.contextmanager
def load_progress() -> Iterator[Callable[[str, int, int], None] | None]:
    """A progress bar over the sources being loaded, on a terminal only (scripts and CI
    get clean output); yields the callback ``load_data`` takes."""
    if not sys.stderr.isatty():
        yield None
        return
    bar: Any = None

    def step(label: str, done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = click.progressbar(length=total, label="loading", file=sys.stderr,
                                    show_pos=True)
            bar.__enter__()
        bar.label = f"loading {label}"
        bar.update(done - bar.pos)
        bar.render_progress()

    try:
        yield step
    finally:
        if bar is not None:
            bar.update(bar.length - bar.pos)
            bar.__exit__(None, None, None)
