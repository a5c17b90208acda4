"""Column helpers shared by the models."""
from __future__ import annotations

import datetime as dt
from typing import Any, cast

from sqlalchemy import CursorResult, DateTime, Executable, Table, func, literal_column
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column


def utcnow() -> dt.datetime:
    """Return the current time, timezone-aware in UTC."""
    return dt.datetime.now(dt.UTC)


class TimestampMixin:
    """Creation and last-change times kept by the database layer."""

    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now()
    )
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow, server_default=func.now()
    )


def table_of(model: type[DeclarativeBase]) -> Table:
    """Return the Table a model is mapped to."""
    table = model.__table__
    # SQLAlchemy types __table__ as any FromClause (a model may map a join); ours map one Table.
    assert isinstance(table, Table), f"{model.__name__} is not mapped to a Table"
    return table


def execute_count(session: Session, statement: Executable) -> int:
    """Run an INSERT, UPDATE or DELETE; return how many rows it touched."""
    return cast("CursorResult[Any]", session.execute(statement)).rowcount


def insert_missing(session: Session, table: Table | type[Any], rows: list[dict[str, Any]]) -> int:
    """Insert the rows a unique constraint does not already hold; return how many were new.

    One statement (INSERT ... ON CONFLICT DO NOTHING): a concurrent twin makes it skip the row
    rather than fail the request with a unique violation.
    """
    if not rows:
        return 0
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    # Counted by RETURNING: psycopg reports no row count (-1) for an INSERT ... ON CONFLICT.
    statement = (dialect.insert(table).values(rows).on_conflict_do_nothing()
                 .returning(literal_column("1")))
    return len(session.execute(statement).all())
