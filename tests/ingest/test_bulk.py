"""Bulk inserts: COPY on PostgreSQL, executemany elsewhere; the same rows either way."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from reviewapp.ingest.bulk import insert_returning_ids, insert_rows
from reviewapp.ingest.writer import (
    APPLICATIONS,
    CLAIMS,
    CLASSES,
    DOCUMENTS,
    REFERENCES,
    Pending,
    claim_rows,
    class_rows,
    document_row,
    reference_rows,
)
from reviewapp.models import Claim, Document
from reviewapp.models.base import utcnow
from tests.ingest.test_loader import grant


def _python_defaults(table) -> set[str]:
    """Return the columns an INSERT would fill from a Python-side default (COPY would not)."""
    return {column.name for column in table.columns
            if column.default is not None and not column.primary_key}


def test_the_writers_rows_name_every_column_a_default_would_fill():
    """COPY skips SQLAlchemy's Python-side defaults: every row builder must give those columns."""
    record = grant()
    built = {
        DOCUMENTS: {**document_row(Pending(record, "hash")), "created_at": utcnow(), "updated_at": utcnow()},
        CLAIMS: claim_rows(1, record)[0],
        CLASSES: class_rows(1, record)[0],
        REFERENCES: reference_rows(1, record)[0],
    }
    for table, row in built.items():
        assert _python_defaults(table) <= set(row), table.name
    # The writer's applications rows (see writer._add_applications).
    assert _python_defaults(APPLICATIONS) <= {"document_id", "status", "created_at", "updated_at"}


def test_rows_come_back_as_written_with_their_ids_in_order(db):
    """Text with tabs, newlines and backslashes, JSON lists, NULL dates: stored as given."""
    now = utcnow()
    records = [grant(f"US800000{n}B2", title=f"Title {n}\twith a tab\\ and\nnewline") for n in (1, 2, 3)]
    rows = [{**document_row(Pending(record, f"hash{n}")), "created_at": now, "updated_at": now,
             "filing_date": None} for n, record in enumerate(records)]
    ids = insert_returning_ids(db.session, DOCUMENTS, rows)
    assert len(set(ids)) == 3
    stored = {doc.id: doc for doc in db.session.scalars(select(Document))}
    for document_id, record in zip(ids, records):
        document = stored[document_id]
        assert document.publication_number == record.publication_number
        assert document.title == record.title and document.filing_date is None
        assert document.applicants == ["Acme Corp."] and document.countries == []
        assert document.publication_date == dt.date(2011, 8, 16)
    statements: list[str] = []
    listen = (db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    event.listen(*listen)
    try:
        insert_rows(db.session, CLAIMS, claim_rows(ids[0], records[0]))
    finally:
        event.remove(*listen)
    # PostgreSQL streams the rows with COPY, around SQLAlchemy; SQLite takes one executemany.
    assert len(statements) == (0 if db.engine.dialect.name == "postgresql" else 1)
    claims = db.session.scalars(select(Claim).where(Claim.document_id == ids[0]).order_by(Claim.number)).all()
    assert [(c.number, c.depends_on, c.independent) for c in claims] == [(1, [], True), (2, [1], False)]


def test_a_refused_row_raises_a_sqlalchemy_error_and_the_savepoint_undoes_the_statement(db):
    now = utcnow()
    row = {**document_row(Pending(grant(), "hash")), "created_at": now, "updated_at": now}
    [first] = insert_returning_ids(db.session, DOCUMENTS, [row])
    with pytest.raises(SQLAlchemyError) as raised, db.session.begin_nested():
        # A claim number twice for one document: the unique constraint refuses the second.
        insert_rows(db.session, CLAIMS, [*claim_rows(first, grant()), claim_rows(first, grant())[0]])
    assert isinstance(raised.value, IntegrityError)
    assert db.session.scalars(select(Claim)).all() == []
    assert db.session.get(Document, first) is not None  # what came before the savepoint stays
