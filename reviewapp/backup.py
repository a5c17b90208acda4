"""Backups: a portable dump of every table; the index and models are rebuilt after restore.

Format (gzip-compressed JSON lines): a header line
`{"format": "reviewapp-backup", "version": 1, "revision": <alembic head>, "tables": [...]}`,
then for each table in dependency order a line `{"table": name, "columns": [...]}` followed
by one JSON array per row, values in column order (dates and times as ISO 8601 strings).
The same file restores into SQLite or PostgreSQL at the same schema revision.
"""
from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import uuid
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

FORMAT = "reviewapp-backup"
VERSION = 1
BATCH = 1000


class BackupError(ValueError):
    """A backup file that cannot be restored here, with the reason."""


def schema_revision(connection: Connection) -> str:
    """Return the Alembic revision the database is at."""
    return connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one()


def dump_database(connection: Connection, metadata: sa.MetaData, path: Path,
                  progress: Callable[[int], None] | None = None) -> dict[str, int]:
    """Write every table to `path`; return the row count of each.

    The dump goes to a temporary file beside `path`, flushed to the disk, and replaces `path`
    only once complete: a dump that fails (a full disk, the database gone) leaves the previous
    backup as it was. OSError propagates.
    """
    tables = list(metadata.sorted_tables)
    counts: dict[str, int] = {}
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with temporary.open("xb") as raw:
            with gzip.open(raw, "wt", encoding="utf-8") as out:
                _write_tables(connection, tables, out, counts, progress)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _sync_directory(path.parent)
    return counts


def _write_tables(connection: Connection, tables: list[sa.Table], out: IO[str],
                  counts: dict[str, int], progress: Callable[[int], None] | None) -> None:
    """Write the header, then each table's line and rows."""
    header = {"format": FORMAT, "version": VERSION, "revision": schema_revision(connection),
              "tables": [t.name for t in tables], "created": dt.datetime.now(dt.UTC).isoformat()}
    out.write(json.dumps(header) + "\n")
    for table in tables:
        columns = [c.name for c in table.columns]
        out.write(json.dumps({"table": table.name, "columns": columns}) + "\n")
        order = list(table.primary_key.columns) or list(table.columns)
        counts[table.name] = 0
        # Closed even when a write fails midway: on PostgreSQL it holds a server-side cursor.
        with connection.execution_options(yield_per=BATCH).execute(
                sa.select(table).order_by(*order)) as result:
            for row in result:
                out.write(json.dumps([encode(v) for v in row], ensure_ascii=False) + "\n")
                counts[table.name] += 1
                if progress:
                    progress(1)


def _sync_directory(folder: Path) -> None:
    """Flush the folder's entry of the renamed file to the disk (where the system allows it)."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass  # some file systems refuse to sync a directory: the rename stands anyway
    finally:
        os.close(descriptor)


def encode(value: Any) -> Any:
    """Return a JSON-safe form of one column value."""
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return value


@dataclass
class Section:
    """A batch of one table's rows as read from a backup, with the line of its first row."""

    table: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    first_line: int = 0


# What reading a gzip file cut short or altered raises midway.
_READ_ERRORS = (OSError, EOFError, zlib.error, UnicodeDecodeError)


def read_backup(path: Path) -> tuple[dict, Iterator[Section]]:
    """Return the header and an iterator of Sections (at most BATCH rows each).

    A damaged file (cut short, a garbled line, a row of the wrong length, a table the header
    names missing at its end) raises BackupError naming the line, as the sections are read.
    """
    handle = gzip.open(path, "rt", encoding="utf-8")  # noqa: SIM115 (the sections iterator closes it)
    try:
        header = json.loads(handle.readline())
    except (*_READ_ERRORS, json.JSONDecodeError) as error:
        handle.close()
        raise BackupError(f"{path} is not a reviewapp backup (or its first line is damaged): "
                          f"{error}") from error
    if not isinstance(header, dict) or header.get("format") != FORMAT \
            or not isinstance(header.get("tables"), list):
        handle.close()
        raise BackupError(f"{path} is not a reviewapp backup.")
    return header, _sections(path, handle, [str(name) for name in header["tables"]])


def _sections(path: Path, handle: IO[str], tables: list[str]) -> Iterator[Section]:
    """Yield the file's sections after its header line; close the file at the end."""
    number = 1  # the number of the last line read
    section: Section | None = None
    seen: list[str] = []
    with handle:
        try:
            for number, line in enumerate(handle, start=2):
                item = _parse(path, number, line)
                if isinstance(item, dict):
                    if section is not None:
                        yield section
                    section = _table_section(path, number, item)
                    seen.append(section.table)
                    continue
                if section is None:
                    raise BackupError(f"{path} is damaged at line {number}: a row before any "
                                      "table line.")
                if len(item) != len(section.columns):
                    raise BackupError(f"{path} is damaged at line {number}: {len(item)} values "
                                      f"for the {len(section.columns)} columns of {section.table}.")
                if not section.rows:
                    section.first_line = number
                section.rows.append(item)
                if len(section.rows) >= BATCH:
                    yield section
                    section = Section(section.table, section.columns)
        except _READ_ERRORS as error:
            raise BackupError(f"{path} is damaged after line {number} (cut short, or altered): "
                              f"{error}") from error
    if section is not None:
        yield section
    missing = [name for name in tables if name not in seen]
    if missing:
        raise BackupError(f"{path} ends after line {number} without the table(s) its header "
                          f"lists: {', '.join(missing)} (cut short?).")


def _parse(path: Path, number: int, line: str) -> dict | list:
    """Return one line's table header (a dict) or row (a list)."""
    try:
        item = json.loads(line)
    except json.JSONDecodeError as error:
        raise BackupError(f"{path} is damaged at line {number}: {error}.") from error
    if not isinstance(item, (dict, list)):
        raise BackupError(f"{path} is damaged at line {number}: neither a table line nor a row.")
    return item


def _table_section(path: Path, number: int, item: dict) -> Section:
    """Return the empty Section a table line opens."""
    table, columns = item.get("table"), item.get("columns")
    if not isinstance(table, str) or not isinstance(columns, list) \
            or not all(isinstance(column, str) for column in columns):
        raise BackupError(f"{path} is damaged at line {number}: a table line without its "
                          "table name and column names.")
    return Section(table, columns)


def restore_database(connection: Connection, metadata: sa.MetaData, path: Path,
                     progress: Callable[[int], None] | None = None) -> dict[str, int]:
    """Load a backup into an empty database at the same schema revision.

    Raises BackupError for a backup this database cannot take, or a damaged one; the caller's
    transaction then rolls back whatever was loaded.
    """
    header, sections = read_backup(path)
    revision = schema_revision(connection)
    if header.get("revision") != revision:
        raise BackupError(
            f"The backup is at schema revision {header.get('revision')}, this database at "
            f"{revision}: run `reviewapp db upgrade` (or downgrade) to match first."
        )
    known = {t.name: t for t in metadata.sorted_tables}
    for table in metadata.sorted_tables:
        if connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one():
            raise BackupError(f"Table {table.name} is not empty: restore needs an empty database.")
    counts: dict[str, int] = {}
    for section in sections:
        records = _records(path, known, section)
        if records:
            try:
                connection.execute(known[section.table].insert(), records)
            except sa.exc.SQLAlchemyError as error:
                raise BackupError(
                    f"{path}: the database refused the rows of {section.table} from line "
                    f"{section.first_line} on: {getattr(error, 'orig', None) or error}") from error
        counts[section.table] = counts.get(section.table, 0) + len(records)
        if progress:
            progress(len(records))
    reset_sequences(connection, metadata)
    return counts


def _records(path: Path, known: dict[str, sa.Table], section: Section) -> list[dict[str, Any]]:
    """Return a section's rows as insertable records, in the columns' Python types."""
    found = known.get(section.table)
    if found is None:
        raise BackupError(f"The backup has a table {section.table!r} this schema does not know.")
    unknown = [c for c in section.columns if c not in found.columns]
    if unknown:
        raise BackupError(f"The backup's table {section.table} has columns this schema does not "
                          f"know: {', '.join(unknown)}.")
    decoders = [decoder_for(found.columns[c].type) for c in section.columns]
    records = []
    for offset, row in enumerate(section.rows):
        try:
            records.append({c: dec(v) for c, dec, v in zip(section.columns, decoders, row)})
        except (TypeError, ValueError) as error:
            raise BackupError(f"{path} is damaged at line {section.first_line + offset}: "
                              f"{error}.") from error
    return records


def decoder_for(column_type: sa.types.TypeEngine) -> Callable[[Any], Any]:
    """Return the function turning a JSON value back into the column's Python type."""
    if isinstance(column_type, sa.DateTime):
        return lambda v: None if v is None else dt.datetime.fromisoformat(v)
    if isinstance(column_type, sa.Date):
        return lambda v: None if v is None else dt.date.fromisoformat(v)
    return lambda v: v


def reset_sequences(connection: Connection, metadata: sa.MetaData) -> None:
    """Move PostgreSQL id sequences past the restored rows."""
    if connection.dialect.name != "postgresql":
        return
    for table in metadata.sorted_tables:
        if "id" in table.columns and table.columns["id"].autoincrement is not False \
                and isinstance(table.columns["id"].type, sa.Integer):
            connection.execute(sa.text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM \"{table.name}\"), 0) + 1, false)"
            ))
