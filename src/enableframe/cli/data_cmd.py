"""``enableframe data check``"""

from __future__ import annotations

import click

from enableframe.cli.options import echo_json, format_option, load_progress


@click.group()
def data() -> None:
    """Load a workspace's data sources and account for every row."""


@data.command()
@click.argument("workspace", type=click.Path(exists=True))
@format_option("text", "json")
@click.option("--strict", is_flag=True, help="Exit 2 when any row is rejected.")
def check(workspace: str, fmt: str, strict: bool) -> None:
    """Per table: rows read, accepted, rejected and skipped, by reason, with sample rows."""
    from enableframe.data_load import load_data
    from enableframe.workspace import load_workspace

    ws = load_workspace(workspace)
    with load_progress() as progress:
        loaded = load_data(ws, progress=progress)
    if fmt == "json":
        echo_json({"workspace": str(ws.path), **loaded.to_dict()})
    else:
        for q in loaded.quality.values():
            click.echo(f"{q.table}: {q.read} read, {q.accepted} accepted, {q.rejected} "
                       f"rejected, {q.skipped} skipped  ({q.connector}: {q.source})")
            for label, reasons in (("rejected", q.rejections), ("skipped", q.skips),
                                   ("repaired", q.repairs)):
                for r in reasons[:10]:
                    rows = ", ".join(str(x) for x in r.sample_rows)
                    click.echo(f"  {label} {r.count}: {r.reason}"
                               + (f" (rows {rows})" if rows else ""))
                if len(reasons) > 10:
                    click.echo(f"  ... {len(reasons) - 10} more {label} reasons (--format json)")
            for note in q.notes:
                click.echo(f"  note: {note}")
        for table in loaded.missing:
            click.echo(f"{table}: no source (metrics reading it will be unknown)")
    if strict and loaded.rejected:
        raise SystemExit(2)
