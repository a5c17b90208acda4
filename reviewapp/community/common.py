"""What the community modules share: their errors, id lookups, race-safe inserts, site paths."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from flask import current_app
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..extensions import CountSparingPagination

T = TypeVar("T")

MAX_ID = 2**31 - 1  # ids are 32-bit integers in PostgreSQL


class CommunityError(ValueError):
    """A community action refused, with a message for the user and the form field it concerns."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def paginate(session: Session, stmt: Select, page: int = 1, per_page: int = 20) -> Pagination:
    """Return one page of `stmt` run on `session` (out-of-range pages come back empty)."""
    return CountSparingPagination(select=stmt, session=session, page=page,
                                  per_page=per_page, error_out=False)


def get_by_id(session: Session, model: type[T], ident: int | None) -> T | None:
    """Return the row with this id, or None, also for ids no 32-bit column can hold."""
    if not isinstance(ident, int) or not 0 < ident <= MAX_ID:
        return None
    return session.get(model, ident)


def insert_once(session: Session, row: T, find: Callable[[], object | None]) -> tuple[T, bool]:
    """Insert `row` in a savepoint; return (row, True), or (the twin that won a race, False)."""
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        # A concurrent request inserted the same unique row first: use theirs.
        existing = find()
        if existing is None:
            raise
        return cast(T, existing), False  # `find` looks up rows like `row`
    return row, True


def site_path(endpoint: str, anchor: str | None = None, **values: Any) -> str:
    """Return the site-relative URL of `endpoint`, also outside a request (CLI, queue)."""
    adapter = current_app.url_map.bind("localhost",
                                       script_name=current_app.config.get("APPLICATION_ROOT"))
    path = adapter.build(endpoint, values)
    return f"{path}#{anchor}" if anchor else path
