"""Keep the search index a faithful, rebuildable view of the database."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, undefer

import search

from .extensions import db
from .ingest.searchable import LIBRARY, SCHEMES, PreparedRecord, search_entry
from .models import Application, Document


def index_dir() -> str:
    """Return the configured index folder."""
    return current_app.config["INDEX_DIR"]


def search_backend() -> str:
    """Return the configured search backend (whoosh or tantivy)."""
    return current_app.config["SEARCH_BACKEND"]


def library_index() -> search.Index:
    """Return the configured index folder bound to its backend: what features search through."""
    return search.Index(Path(index_dir()), search_backend())


def search_record(document: Document) -> dict[str, Any]:
    """Return the plain dict the search package indexes for one document."""
    application = document.application
    return search_entry(
        document, claims=[claim.text for claim in document.claims],
        classes={scheme: document.classes(scheme) for scheme in SCHEMES},
        tags=sorted(tag.name for tag in application.tags) if application else [],
        status=application.status if application else LIBRARY)


def documents_query():
    """Return a select of documents with everything `search_record` reads."""
    return select(Document).options(
        undefer(Document.description),
        selectinload(Document.claims),
        selectinload(Document.classifications),
        selectinload(Document.application).selectinload(Application.tags),
    )


def iter_records(batch: int = 500) -> Iterator[dict[str, Any]]:
    """Yield the search record of every committed document, a batch at a time."""
    # A private session: forgetting each batch keeps memory flat without detaching the
    # caller's objects.
    with Session(db.engine) as session:
        last_id = 0
        while True:
            documents = session.scalars(
                documents_query().where(Document.id > last_id).order_by(Document.id).limit(batch)
            ).all()
            if not documents:
                return
            for document in documents:
                yield search_record(document)
            last_id = documents[-1].id
            session.expunge_all()


def sync_documents(document_ids: Iterable[int]) -> int:
    """Write these documents' committed state to the index; return how many there were."""
    ids = sorted(set(document_ids))

    def load() -> list[dict[str, Any]]:
        # A transaction begun under the index's write lock: it sees every commit whose index
        # job wrote before this one, so no job can overwrite a newer state with an older one.
        with Session(db.engine) as session:
            documents = session.scalars(documents_query().where(Document.id.in_(ids))).all()
            return [search_record(document) for document in documents]

    return search.index_latest(index_dir(), load, backend=search_backend())


def sync_imported(prepared: Mapping[int, PreparedRecord | None]) -> int:
    """Index documents an import just committed, using what its parser processes analysed.

    Under the write lock (as sync_documents) the rows are read back: a document whose stored
    content hash, status and (no) tags are what the record was prepared with is indexed from
    the prepared form; any other (changed meanwhile, reviewed, tagged) is read in full.
    """
    ids = sorted(prepared)

    def load() -> list[Any]:
        with Session(db.engine) as session:
            rows = session.execute(
                select(Document.id, Document.content_hash, Application.status)
                .outerjoin(Application, Application.document_id == Document.id)
                .where(Document.id.in_(ids))).all()
            tagged = set(session.scalars(
                select(Application.document_id).join(Application.tags)
                .where(Application.document_id.in_(ids))))
            items: list[Any] = []
            again: list[int] = []
            for row in rows:
                ahead = prepared.get(row.id)
                if (ahead is not None and row.content_hash == ahead.content_hash
                        and (row.status or LIBRARY) == ahead.status and row.id not in tagged):
                    items.append(ahead.prepared)
                else:
                    again.append(row.id)
            if again:
                documents = session.scalars(documents_query().where(Document.id.in_(again))).all()
                items += [search_record(document) for document in documents]
            return items

    return search.index_latest(index_dir(), load, backend=search_backend())


def remove_numbers(numbers: Iterable[str]) -> int:
    """Remove documents, by publication number, from the index."""
    return search.remove_documents(index_dir(), list(numbers), backend=search_backend())


def rebuild_index(progress: Callable[[int], None] | None = None) -> int:
    """Rebuild the whole index from the database."""
    return search.rebuild(index_dir(), iter_records(), progress=progress, backend=search_backend())


def check_index():
    """Compare the index with the database: missing, stale and extra entries."""
    expected = {record["id"]: record["stamp"] for record in iter_records()}
    return search.check(index_dir(), expected, backend=search_backend())


def repair_index(report, batch: int = 500) -> int:
    """Re-index the missing and stale documents of a check and remove the extra ones."""
    numbers = sorted(set(report.missing) | set(report.stale))
    written = 0
    for start in range(0, len(numbers), batch):
        with Session(db.engine) as session:
            ids = list(session.scalars(select(Document.id).where(
                Document.publication_number.in_(numbers[start:start + batch]))))
        written += sync_documents(ids)
    return written + (remove_numbers(report.extra) if report.extra else 0)
