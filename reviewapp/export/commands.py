"""`reviewapp export KIND --out FILE`: the bulk CSV files, streamed to disk or stdout."""
from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import click

from .csvstream import csv_chunks
from .services import KINDS, ExportError, ExportFilters, iter_export, parse_cpc, parse_since


def parsed_by(parse: Callable[[str | None], Any]) -> Callable[..., Any]:
    """Return an option callback that reads its value as the download does, with `parse`."""

    def callback(ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
        try:
            return parse(value)
        except ExportError as error:
            raise click.BadParameter(str(error), ctx=ctx, param=param) from error

    return callback


class OutputFile(click.Path):
    """A file name to write the CSV to, in a folder that exists, or '-' for standard output."""

    def __init__(self) -> None:
        super().__init__(dir_okay=False, allow_dash=True)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        """Return the name if a file can be made under it; else refuse it (exit status 2)."""
        # Checked before the export runs: an empty name (an unset shell variable) has no file
        # name to write beside, and a missing folder would fail only after the whole query.
        text = str(value)
        if not text.strip():
            self.fail("give a file name, or '-' for standard output", param, ctx)
        if "\0" in text:
            self.fail("a file name cannot hold a NUL character", param, ctx)
        out = super().convert(text, param, ctx)
        if out == "-":
            return out
        if text.endswith(("/", os.sep)):
            self.fail(f"{text!r} names a folder: give a file name", param, ctx)
        path = Path(text)
        if not path.parent.is_dir():
            self.fail(f"there is no folder {str(path.parent)!r} to write {path.name!r} in", param, ctx)
        return out


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
@click.option("--out", "out", required=True, type=OutputFile(),
              help="The CSV file to write; '-' for standard output.")
# Both filters go through the download's own parsers: one rule for what a date or a class is.
@click.option("--since", callback=parsed_by(parse_since), default=None, metavar="DATE",
              help="Only rows created or updated on or after this day (YYYY-MM-DD, UTC).")
@click.option("--class", "cpc", callback=parsed_by(parse_cpc), default=None, metavar="CPC",
              help="Only rows of applications with a CPC symbol starting with this, e.g. H04L.")
@click.option("--bom", is_flag=True, help="Start with a UTF-8 byte order mark (for old Excel).")
def export_command(kind: str, out: str, since: dt.date | None, cpc: str | None, bom: bool) -> None:
    """Export applications, submissions, feedback or reviewers as CSV (RFC 4180, UTF-8)."""
    from ..extensions import db

    filters = ExportFilters(since=since, cpc=cpc)
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
