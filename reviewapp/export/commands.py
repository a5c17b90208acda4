"""`reviewapp export KIND --out FILE`: the bulk CSV files, streamed to disk or stdout."""
from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import click

from .csvstream import csv_chunks
from .services import KINDS, ExportError, ExportFilters, iter_export, parse_cpc


def _cpc_option(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    try:
        return parse_cpc(value)
    except ExportError as error:
        raise click.BadParameter(str(error), ctx=ctx, param=param) from error


class _Counted:
    """Wrap an iterator and count what passes through it."""

    def __init__(self, rows):
        self.rows, self.count = rows, 0

    def __iter__(self):
        for row in self.rows:
            self.count += 1
            yield row


@click.command("export")
@click.argument("kind", type=click.Choice(KINDS))
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, allow_dash=True),
              help="The CSV file to write; '-' for standard output.")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Only rows created or updated on or after this day (YYYY-MM-DD, UTC).")
@click.option("--class", "cpc", callback=_cpc_option, default=None, metavar="CPC",
              help="Only rows of applications with a CPC symbol starting with this, e.g. H04L.")
@click.option("--bom", is_flag=True, help="Start with a UTF-8 byte order mark (for old Excel).")
def export_command(kind: str, out: str, since, cpc: str | None, bom: bool) -> None:
    """Export applications, submissions, feedback or reviewers as CSV (RFC 4180, UTF-8)."""
    from ..extensions import db

    filters = ExportFilters(since=since.date() if since else None, cpc=cpc)
    header, rows = iter_export(db.session, kind, filters)
    counted = _Counted(rows)
    chunks = (chunk.encode("utf-8") for chunk in csv_chunks(header, counted, bom=bom))
    try:
        if out == "-":
            with click.open_file("-", "wb") as stdout:  # kept open: it is the process's stdout
                stdout.writelines(chunks)
        else:
            write_atomically(Path(out), chunks)
    except OSError as error:
        raise click.ClickException(f"Cannot write {out}: {error.strerror or error}.") from error
    click.echo(f"Exported {counted.count} {kind} row(s) to {'stdout' if out == '-' else out}.",
               err=True)


def write_atomically(path: Path, chunks: Iterable[bytes]) -> None:
    """Write `chunks` beside `path`, then rename: the file appears whole or not at all."""
    partial = path.with_name(f".{path.name}.part")
    try:
        with partial.open("wb") as handle:
            handle.writelines(chunks)
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
