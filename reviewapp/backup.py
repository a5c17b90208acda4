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
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

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
    """Write every table to `path`; return the row count of each."""
    tables = list(metadata.sorted_tables)
    counts: dict[str, int] = {}
    with gzip.open(path, "wt", encoding="utf-8") as out:
        header = {"format": FORMAT, "version": VERSION, "revision": schema_revision(connection),
                  "tables": [t.name for t in tables], "created": dt.datetime.now(dt.UTC).isoformat()}
        out.write(json.dumps(header) + "\n")
        for table in tables:
            columns = [c.name for c in table.columns]
            out.write(json.dumps({"table": table.name, "columns": columns}) + "\n")
            order = list(table.primary_key.columns) or list(table.columns)
            result = connection.execution_options(yield_per=BATCH).execute(sa.select(table).order_by(*order))
            counts[table.name] = 0
            for row in result:
                out.write(json.dumps([encode(v) for v in row], ensure_ascii=False) + "\n")
                counts[table.name] += 1
                if progress:
                    progress(1)
    return counts


def encode(value: Any) -> Any:
    """Return a JSON-safe form of one column value."""
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return value


def read_backup(path: Path) -> tuple[dict, Iterator[tuple[str, list[str], list[list]]]]:
    """Return the header and an iterator of (table, columns, batch of rows)."""
    handle = gzip.open(path, "rt", encoding="utf-8")  # noqa: SIM115 (the sections iterator closes it)
    try:
        header = json.loads(handle.readline())
    except (OSError, EOFError, json.JSONDecodeError, gzip.BadGzipFile) as error:
        handle.close()
        raise BackupError(f"{path} is not a reviewapp backup: {error}") from error
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        handle.close()
        raise BackupError(f"{path} is not a reviewapp backup.")

    def sections() -> Iterator[tuple[str, list[str], list[list[Any]]]]:
        with handle:
            table: str | None = None
            columns: list[str] = []
            rows: list[list[Any]] = []
            for line in handle:
                item = json.loads(line)
                if isinstance(item, dict):
                    if table is not None:
                        yield table, columns, rows
                    table, columns, rows = item["table"], item["columns"], []
                    continue
                if table is None:
                    raise BackupError(f"{path} is damaged: rows come before any table header.")
                rows.append(item)
                if len(rows) >= BATCH:
                    yield table, columns, rows
                    rows = []
            if table is not None:
                yield table, columns, rows

    return header, sections()


def restore_database(connection: Connection, metadata: sa.MetaData, path: Path,
                     progress: Callable[[int], None] | None = None) -> dict[str, int]:
    """Load a backup into an empty database at the same schema revision."""
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
    for name, columns, rows in sections:
        found = known.get(name)
        if found is None:
            raise BackupError(f"The backup has a table {name!r} this schema does not know.")
        decoders = [decoder_for(found.columns[c].type) for c in columns]
        records = [{c: dec(v) for c, dec, v in zip(columns, decoders, row)} for row in rows]
        if records:
            connection.execute(found.insert(), records)
        counts[name] = counts.get(name, 0) + len(records)
        if progress:
            progress(len(records))
    reset_sequences(connection, metadata)
    return counts


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
