"""Delete the demo: its accounts and documents and every row that depends on them."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Table, delete, inspect, select, update
from sqlalchemy.orm import Session

from ..models import Document, User
from .accounts import DEMO_EMAILS
from .specs import SOURCE


def reset_demo(session: Session) -> list[int]:
    """Delete the demo accounts and documents, and every row that depends on them.

    Rows referring to them (applications, claims, submissions, votes, comments, ... of any
    table, present or future) are deleted along the foreign keys; references that may be
    empty (ON DELETE SET NULL, or a nullable column such as an audit entry's actor) are
    set to NULL instead, so other users' rows survive. Returns the deleted document ids.
    """
    session.flush()
    metadata = Document.metadata
    user_ids = session.scalars(select(User.id).where(User.email.in_(DEMO_EMAILS))).all()
    document_ids = session.scalars(select(Document.id).where(Document.source == SOURCE)).all()
    deleted: dict[str, set] = {}
    delete_cascading(session, metadata.tables[Document.__tablename__], document_ids, deleted)
    delete_cascading(session, metadata.tables[User.__tablename__], user_ids, deleted)
    for instance in list(session.identity_map.values()):
        state = inspect(instance)
        table = state.mapper.local_table
        key = state.identity[0] if state.identity and len(state.identity) == 1 else None
        if key in deleted.get(getattr(table, "name", ""), ()):
            session.expunge(instance)
    session.expire_all()
    return sorted(document_ids)


def delete_cascading(session: Session, table: Table, ids: Iterable, deleted: dict[str, set]
                     ) -> None:
    """Delete rows of `table` by primary key, after the rows that refer to them."""
    ids = set(ids) - deleted.setdefault(table.name, set())
    if not ids:
        return
    deleted[table.name] |= ids
    (key,) = table.primary_key.columns
    for child in table.metadata.sorted_tables:
        for foreign_key in child.foreign_keys:
            if foreign_key.column.table is not table:
                continue
            column = foreign_key.parent
            refers = column.in_(ids)
            if foreign_key.ondelete == "SET NULL" or (
                column.nullable and foreign_key.ondelete is None and not column.primary_key
            ):
                session.execute(update(child).where(refers).values({column.name: None}))
            elif len(child.primary_key.columns) == 1:
                (child_key,) = child.primary_key.columns
                child_ids = session.execute(select(child_key).where(refers)).scalars().all()
                delete_cascading(session, child, child_ids, deleted)
            else:
                session.execute(delete(child).where(refers))
    session.execute(delete(table).where(key.in_(ids)))
