"""The demo's documents, written by the importer's bulk writer like any USPTO file."""
from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import asdict
from typing import cast

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..ingest.records import ClaimRecord, DocType, PatentRecord, ReferenceRecord
from ..ingest.writer import CREATED, UNCHANGED, Pending, write_records
from ..models import Application, Document
from ..models.application import PENDING
from .specs import SOURCE, DocSpec

log = logging.getLogger(__name__)


def record_of(spec: DocSpec) -> Pending:
    """Return a generated document as the importer's parsed record, with its content hash."""
    digest = hashlib.sha256(json.dumps(asdict(spec), sort_keys=True, default=str)
                            .encode("utf-8")).hexdigest()
    record = PatentRecord(
        doc_type=cast(DocType, spec.doc_type), country="US", doc_number=spec.doc_number, kind=spec.kind, publication_number=spec.publication_number,
        publication_date=spec.publication_date, title=spec.title,
        application_number=spec.application_number, filing_date=spec.filing_date,
        priority_date=spec.priority_date, abstract=spec.abstract, description=spec.description,
        claims=[ClaimRecord(c.number, c.text, list(c.depends_on)) for c in spec.claims],
        cpc=list(spec.cpc), ipc=list(spec.ipc), applicants=list(spec.applicants),
        inventors=list(spec.inventors), schema="demo", source=SOURCE,
        references=[ReferenceRecord("patent", "US", c.number, c.kind, c.date, c.name,
                                    category=c.category, sequence=position)
                    for position, c in enumerate(spec.cites)])
    return Pending(record, digest)


def write_documents(session: Session, specs: list[DocSpec], *, reviews: bool
                    ) -> tuple[dict[str, Document], set[str]]:
    """Write the documents not yet present; return the demo's documents by number and the
    numbers created now. Numbers held by real (imported) documents are skipped and logged."""
    numbers = [spec.publication_number for spec in specs]
    held = {number for number, source in session.execute(
        select(Document.publication_number, Document.source)
        .where(Document.publication_number.in_(numbers))) if source != SOURCE}
    for number in sorted(held):
        log.warning("demo: %s already holds a non-demo document; skipped", number)
    written = write_records(session, [record_of(s) for s in specs
                                      if s.publication_number not in held])
    created = {w.pending.record.publication_number for w in written if w.outcome == CREATED}
    fresh_ids = [w.document_id for w in written if w.outcome != UNCHANGED]
    if not reviews and fresh_ids:
        # The writer gives every new or changed published application a pending review, as an
        # import should; the demo's library is the prior art, not applications under review.
        session.execute(delete(Application).where(Application.document_id.in_(fresh_ids),
                                                  Application.status == PENDING))
    session.expire_all()  # the writer's Core statements bypass the identity map
    documents = {d.publication_number: d for d in session.scalars(
        select(Document).where(Document.publication_number.in_(numbers),
                               Document.source == SOURCE))}
    return documents, created
