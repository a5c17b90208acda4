"""Upsert parsed USPTO records into the database, one savepoint per document."""
from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ..models import Application, Claim, Classification, Document, Reference
from .records import ParseError, PatentRecord, SkippedDocument


@dataclass
class ImportSummary:
    """What an import did, counted by document kind; errors keep file and position."""

    applications: int = 0
    grants: int = 0
    skipped: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """Return the `--json` object of `reviewapp import`."""
        return dataclasses.asdict(self)


def record_hash(record: PatentRecord) -> str:
    """Return a SHA-256 of the record's content, stable across runs."""
    payload = dataclasses.asdict(record)
    # Where the document was read from is not part of its content.
    payload.pop("source", None)
    payload.pop("position", None)
    text = json.dumps(payload, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def upsert_document(session: Session, record: PatentRecord, source: str = "") -> tuple[Document, str]:
    """Create or update the document of `record`; return it and created|updated|unchanged."""
    digest = record_hash(record)
    document = session.scalar(
        select(Document).where(Document.publication_number == record.publication_number)
    )
    if document is not None and document.content_hash == digest:
        return document, "unchanged"
    outcome = "updated" if document is not None else "created"
    if document is None:
        document = Document(publication_number=record.publication_number)
        session.add(document)
    else:
        # The unit of work inserts before it deletes: drop the old rows first so the new
        # claims do not collide with them on (document, number).
        document.claims.clear()
        document.classifications.clear()
        document.references.clear()
        session.flush()
    fill_document(document, record, source, digest)
    if record.doc_type == "application" and document.application is None:
        document.application = Application()
    session.flush()
    return document, outcome


def fill_document(document: Document, record: PatentRecord, source: str, digest: str) -> None:
    """Copy the record's fields, claims, classes and references onto `document`."""
    for name in (
        "doc_type", "country", "doc_number", "kind", "application_number", "title", "abstract",
        "description", "publication_date", "filing_date", "priority_date", "schema",
    ):
        setattr(document, name, getattr(record, name))
    document.applicants = list(record.applicants)
    document.inventors = list(record.inventors)
    document.countries = list(record.countries)
    document.source = source[-255:]
    document.content_hash = digest
    document.claims = [
        Claim(
            number=claim.number,
            text=claim.text,
            depends_on=list(claim.depends_on),
            independent=not claim.depends_on,
        )
        for claim in unique_by(record.claims, lambda c: c.number)
    ]
    document.classifications = [
        Classification(scheme=scheme, symbol=symbol[:64], position=position)
        for scheme in ("cpc", "ipc", "uspc")
        for position, symbol in enumerate(unique_by(getattr(record, scheme), lambda s: s[:64]))
    ]
    document.references = [
        Reference(
            position=position,
            kind=ref.kind,
            country=ref.country[:4],
            number=ref.number[:32],
            kind_code=ref.kind_code[:4],
            date=ref.date,
            name=ref.name,
            us_class=ref.us_class[:64],
            text=ref.text,
            category=ref.category,
        )
        for position, ref in enumerate(record.references)
    ]


def unique_by(items: Iterable, key: Callable) -> list:
    """Return `items` without later duplicates of the same key (XML sometimes repeats them)."""
    seen: set = set()
    kept = []
    for item in items:
        k = key(item)
        if k not in seen:
            seen.add(k)
            kept.append(item)
    return kept


def import_records(
    session: Session,
    items: Iterable[PatentRecord | ParseError | SkippedDocument],
    *,
    batch_size: int = 200,
    on_batch: Callable[[list[int]], None] | None = None,
) -> ImportSummary:
    """Store every record, committing per batch; a failing document is rolled back alone."""
    summary = ImportSummary()
    batch: list[int] = []
    for item in items:
        if isinstance(item, ParseError):
            summary.errors.append({"file": item.file, "document": item.document,
                                   "line": item.line, "error": item.error})
            continue
        if isinstance(item, SkippedDocument):
            summary.skipped += 1
            continue
        try:
            with session.begin_nested():
                document, outcome = upsert_document(session, item, item.source)
        except SQLAlchemyError as error:
            reason = getattr(error, "orig", None) or error
            summary.errors.append({"file": item.source, "document": item.position, "line": 0,
                                   "error": f"{item.publication_number}: not stored: {reason}"})
            continue
        setattr(summary, outcome, getattr(summary, outcome) + 1)
        if item.doc_type == "application":
            summary.applications += 1
        else:
            summary.grants += 1
        if outcome != "unchanged":
            batch.append(document.id)
        if summary.applications + summary.grants and (summary.applications + summary.grants) % batch_size == 0:
            finish_batch(session, batch, summary, on_batch)
            batch = []
    finish_batch(session, batch, summary, on_batch)
    return summary


def finish_batch(session: Session, batch: list[int], summary: ImportSummary,
                 on_batch: Callable[[list[int]], None] | None) -> None:
    """Commit the batch and forget its objects so memory stays flat."""
    session.commit()
    session.expunge_all()
    if on_batch and batch:
        on_batch(batch)
