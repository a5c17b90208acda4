"""Write a batch of parsed records in bulk: a few executemany statements per table, not per row.

Documents are looked up by number once per batch, unchanged ones (same content hash) are left
alone, new ones inserted with their ids returned, changed ones updated in place. A changed
document keeps the ids of the claims it still has, so what volunteers linked to a claim
(submissions, marks) survives a later version; classes and references are replaced.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BindParameter, bindparam, delete, select, tuple_, update
from sqlalchemy.orm import Session

from ..models import Application, Claim, Classification, Document, Reference
from ..models.base import table_of, utcnow
from ..models.document import number_key
from ..priorart.identifiers import reference_key
from .bulk import insert_returning_ids, insert_rows
from .records import PatentRecord, class_symbols, unique_by
from .searchable import IMPORTED_APPLICATION_STATUS

DOCUMENTS = table_of(Document)
CLAIMS = table_of(Claim)
CLASSES = table_of(Classification)
REFERENCES = table_of(Reference)
APPLICATIONS = table_of(Application)

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"
_FIELDS = ("doc_type", "country", "doc_number", "kind", "application_number", "title", "abstract",
           "description", "publication_date", "filing_date", "priority_date", "schema")


@dataclass(slots=True)
class Pending:
    """A parsed record waiting to be written, with its hashes."""

    record: PatentRecord
    content_hash: str
    source_hash: str = ""
    prepared: Any = None  # the record analysed for the search index, when the caller did


@dataclass(slots=True)
class Written:
    """What writing one record did."""

    pending: Pending
    outcome: str  # created | updated | unchanged
    document_id: int


def document_row(pending: Pending) -> dict[str, Any]:
    """Return the documents row of a record."""
    record = pending.record
    row = {name: getattr(record, name) for name in _FIELDS}
    row.update(
        publication_number=record.publication_number,
        number_key=number_key(record.publication_number, record.kind),
        applicants=list(record.applicants), inventors=list(record.inventors),
        countries=list(record.countries),
        source=record.source[-255:], content_hash=pending.content_hash,
        source_hash=pending.source_hash,
    )
    return row


def claim_rows(document_id: int, record: PatentRecord) -> list[dict[str, Any]]:
    """Return the claims rows of a record."""
    return [{"document_id": document_id, "number": claim.number, "text": claim.text,
             "depends_on": list(claim.depends_on), "independent": not claim.depends_on}
            for claim in unique_by(record.claims, lambda c: c.number)]


def class_rows(document_id: int, record: PatentRecord) -> list[dict[str, Any]]:
    """Return the classifications rows of a record."""
    return [{"document_id": document_id, "scheme": scheme, "symbol": symbol, "position": position}
            for scheme in ("cpc", "ipc", "uspc")
            for position, symbol in enumerate(class_symbols(record, scheme))]


def reference_rows(document_id: int, record: PatentRecord) -> list[dict[str, Any]]:
    """Return the cited_references rows of a record, each keyed by its normalised number."""
    return [{"document_id": document_id, "position": position, "kind": ref.kind,
             "country": ref.country[:4], "number": ref.number[:32], "kind_code": ref.kind_code[:4],
             "normalised_number": reference_key(ref.country, ref.number, ref.kind_code)
             if ref.kind == "patent" else "",
             "date": ref.date, "name": ref.name, "us_class": ref.us_class[:64], "text": ref.text,
             "category": ref.category}
            for position, ref in enumerate(record.references)]


def write_records(session: Session, batch: Sequence[Pending]) -> list[Written]:
    """Create, update or leave alone each record's document; flush-free Core statements.

    The batch must not name one publication number twice. Raises SQLAlchemyError when the
    database refuses a row; the caller's savepoint then undoes the whole batch.
    """
    numbers = [pending.record.publication_number for pending in batch]
    existing = {row.publication_number: row for row in session.execute(
        select(DOCUMENTS.c.id, DOCUMENTS.c.publication_number, DOCUMENTS.c.content_hash,
               DOCUMENTS.c.source_hash).where(DOCUMENTS.c.publication_number.in_(numbers)))}
    written: list[Written] = []
    new: list[Pending] = []
    changed: list[Written] = []
    touched: list[dict[str, Any]] = []
    for pending in batch:
        row = existing.get(pending.record.publication_number)
        if row is None:
            new.append(pending)
        elif row.content_hash == pending.content_hash:
            written.append(Written(pending, UNCHANGED, row.id))
            if pending.source_hash and row.source_hash != pending.source_hash:
                touched.append({"b_id": row.id, "source_hash": pending.source_hash})
        else:
            changed.append(Written(pending, UPDATED, row.id))
    if touched:
        session.execute(update(DOCUMENTS).where(DOCUMENTS.c.id == bindparam("b_id"))
                        .values(source_hash=bindparam("source_hash")), touched,
                        execution_options={"synchronize_session": False})
    created = _insert_documents(session, new)
    _update_documents(session, changed)
    fresh = created + changed
    _replace_children(session, fresh, [w for w in changed])
    _add_applications(session, fresh)
    return written + fresh


def _insert_documents(session: Session, new: list[Pending]) -> list[Written]:
    """Insert new documents; return them with their ids."""
    if not new:
        return []
    now = utcnow()
    rows = [{**document_row(pending), "created_at": now, "updated_at": now} for pending in new]
    ids = insert_returning_ids(session, DOCUMENTS, rows)
    return [Written(pending, CREATED, document_id) for pending, document_id in zip(new, ids)]


def _update_documents(session: Session, changed: list[Written]) -> None:
    """Rewrite the columns of changed documents."""
    if not changed:
        return
    now = utcnow()
    rows = [{**document_row(w.pending), "b_id": w.document_id, "updated_at": now} for w in changed]
    for row in rows:
        row.pop("publication_number")
    columns: dict[str, BindParameter[Any]] = {name: bindparam(name) for name in rows[0] if name != "b_id"}
    session.execute(update(DOCUMENTS).where(DOCUMENTS.c.id == bindparam("b_id")).values(columns), rows,
                    execution_options={"synchronize_session": False})


def _replace_children(session: Session, fresh: list[Written], changed: list[Written]) -> None:
    """Write the claims, classes and references of new and changed documents."""
    changed_ids = [w.document_id for w in changed]
    kept_claims: dict[tuple[int, int], int] = {}
    if changed_ids:
        session.execute(delete(CLASSES).where(CLASSES.c.document_id.in_(changed_ids)))
        session.execute(delete(REFERENCES).where(REFERENCES.c.document_id.in_(changed_ids)))
        kept_claims = {(row.document_id, row.number): row.id for row in session.execute(
            select(CLAIMS.c.id, CLAIMS.c.document_id, CLAIMS.c.number)
            .where(CLAIMS.c.document_id.in_(changed_ids)))}
    claims = [row for w in fresh for row in claim_rows(w.document_id, w.pending.record)]
    new_claims = [row for row in claims if (row["document_id"], row["number"]) not in kept_claims]
    same_claims = [{**row, "b_id": kept_claims[(row["document_id"], row["number"])]}
                   for row in claims if (row["document_id"], row["number"]) in kept_claims]
    gone = (set(kept_claims) - {(row["document_id"], row["number"]) for row in claims}
            if kept_claims else set())
    if gone:
        session.execute(delete(CLAIMS).where(tuple_(CLAIMS.c.document_id, CLAIMS.c.number).in_(sorted(gone))))
    if same_claims:
        session.execute(update(CLAIMS).where(CLAIMS.c.id == bindparam("b_id")).values(
            text=bindparam("text"), depends_on=bindparam("depends_on"),
            independent=bindparam("independent")), same_claims,
            execution_options={"synchronize_session": False})
    for table, rows in ((CLAIMS, new_claims),
                        (CLASSES, [r for w in fresh for r in class_rows(w.document_id, w.pending.record)]),
                        (REFERENCES, [r for w in fresh for r in reference_rows(w.document_id, w.pending.record)])):
        insert_rows(session, table, rows)


def _add_applications(session: Session, fresh: list[Written]) -> None:
    """Give every published application a (pending) review, once."""
    ids = [w.document_id for w in fresh if w.pending.record.doc_type == "application"]
    if not ids:
        return
    have = set(session.scalars(select(APPLICATIONS.c.document_id).where(APPLICATIONS.c.document_id.in_(ids))))
    now = utcnow()
    rows = [{"document_id": document_id, "status": IMPORTED_APPLICATION_STATUS, "created_at": now, "updated_at": now}
            for document_id in ids if document_id not in have]
    insert_rows(session, APPLICATIONS, rows)
