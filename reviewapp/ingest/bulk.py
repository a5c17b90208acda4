"""Insert many rows at once: PostgreSQL's COPY, elsewhere one executemany.

    ids = insert_returning_ids(session, DOCUMENTS, rows)   # ids in the order of rows
    insert_rows(session, CLAIMS, rows)

psycopg's executemany sends one INSERT per row (pipelined); COPY streams them all as one
statement, which costs both this process and the server a fraction of the CPU. Every row must
name the same columns, and together the columns every Python-side default would fill (the
writer's row builders do: a test checks them). A row the server refuses raises a
SQLAlchemyError, as an INSERT would, so the caller's savepoint undoes the whole statement.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from operator import itemgetter
from typing import Any

import psycopg
from sqlalchemy import JSON, Table, func, insert, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

Row = dict[str, Any]


def _uses_copy(session: Session) -> bool:
    """Return whether the session talks to PostgreSQL through psycopg 3 (the configured driver;
    another one, named in the URL, gets the portable executemany)."""
    dialect = session.get_bind().dialect
    return dialect.name == "postgresql" and dialect.driver == "psycopg"


def insert_rows(session: Session, table: Table, rows: Sequence[Row]) -> None:
    """Insert rows into table."""
    if not rows:
        return
    if _uses_copy(session):
        _copy(session, table, rows)
    else:
        session.execute(insert(table), list(rows))


def insert_returning_ids(session: Session, table: Table, rows: Sequence[Row]) -> list[int]:
    """Insert rows into table (its primary key: `id`); return their new ids, in order."""
    if not rows:
        return []
    if not _uses_copy(session):
        statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        return list(session.execute(statement, list(rows)).scalars())
    # Ids drawn from the table's own sequence, as the column default would draw them.
    sequence = func.pg_get_serial_sequence(table.name, "id")
    ids = list(session.scalars(select(func.nextval(sequence)).select_from(
        func.generate_series(1, len(rows)))))
    _copy(session, table, [{"id": id_, **row} for id_, row in zip(ids, rows)])
    return ids


def _copy(session: Session, table: Table, rows: Sequence[Row]) -> None:
    """COPY rows into table over the session's connection (in its transaction)."""
    columns = list(rows[0])
    values = itemgetter(*columns) if len(columns) > 1 else lambda row: (row[columns[0]],)
    as_json = [at for at, name in enumerate(columns) if isinstance(table.c[name].type, JSON)]
    statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
    driver = session.connection().connection.driver_connection
    assert isinstance(driver, psycopg.Connection)  # _uses_copy checked the driver
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                line = values(row)  # a tuple, in C: this loop runs ~50 times per document
                if as_json:
                    line = list(line)
                    for at in as_json:
                        line[at] = json.dumps(line[at])
                copy.write_row(line)
    except psycopg.Error as error:
        raise DBAPIError.instance(statement, None, error, psycopg.Error) from None
