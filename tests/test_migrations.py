"""The Alembic migrations build exactly the schema the models describe."""
from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from reviewapp.extensions import db as _db
from tests.factories import make_document


def test_migrations_match_the_models(app):
    with _db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        differences = compare_metadata(context, _db.metadata)
    assert differences == []


def test_long_texts_are_compressed_with_lz4_on_postgresql(app):
    """A description is stored lz4-compressed (an import's server CPU), not with pglz."""
    if _db.engine.dialect.name != "postgresql":
        pytest.skip("column compression is a PostgreSQL storage setting")
    methods = dict(_db.session.execute(text(
        "SELECT attrelid::regclass::text || '.' || attname, attcompression FROM pg_attribute"
        " WHERE attrelid IN ('documents'::regclass, 'claims'::regclass)"
        " AND attname IN ('description', 'abstract', 'text')")).all())
    assert methods == {"documents.description": "l", "documents.abstract": "l", "claims.text": "l"}
    document = make_document(description=" ".join(f"paragraph {n} of a long text" for n in range(2000)))
    _db.session.flush()
    stored = _db.session.execute(text("SELECT pg_column_compression(description) FROM documents"
                                      " WHERE id = :id"), {"id": document.id}).scalar()
    assert stored == "lz4"
