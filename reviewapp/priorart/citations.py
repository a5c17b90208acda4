"""The citation network of the library: what a document cites and which library documents cite it.

Citations meet on one key per document (priorart.identifiers: `US 7,123,456 B2`, `US7123456`
and a grant's `<doc-number>07123456</doc-number>` are all US7123456), stored on import in
`documents.number_key` and `cited_references.normalised_number`.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from ..models import Document, Reference
from ..models.reference import CATEGORIES

EXAMINER = CATEGORIES[0]
V = TypeVar("V")


@dataclass(frozen=True)
class CitingDocument:
    """A library document citing the one shown, and whether its examiner cited it."""

    publication_number: str
    title: str
    publication_date: dt.date | None
    by_examiner: bool


@dataclass
class Citations:
    """A document's place in the citation network."""

    # Reference id -> publication number of the library's copy of the cited document.
    in_library: dict[int, str] = field(default_factory=dict)
    cited_by: list[CitingDocument] = field(default_factory=list)

    @property
    def by_examiners(self) -> int:
        return sum(citing.by_examiner for citing in self.cited_by)


def library_numbers(session: Session, keys: set[str]) -> dict[str, str]:
    """Return, by key, the publication number of the library's earliest copy of each document."""
    found: dict[str, str] = {}
    rows = session.execute(select(Document.number_key, Document.publication_number)
                           .where(Document.number_key.in_(sorted(keys)))
                           .order_by(Document.publication_date, Document.publication_number))
    for key, number in rows:
        found.setdefault(key, number)
    return found


def document_citations(session: Session, document: Document) -> Citations:
    """Return which of the document's references are in the library, and who cites it."""
    keys = {ref.normalised_number for ref in document.references if ref.normalised_number}
    numbers = library_numbers(session, keys) if keys else {}
    in_library = {ref.id: numbers[ref.normalised_number] for ref in document.references
                  if ref.normalised_number in numbers}
    rows: Sequence[Row[str, str, dt.date | None, str]] = session.execute(
        select(Document.publication_number, Document.title, Document.publication_date, Reference.category)
        .join(Reference, Reference.document_id == Document.id)
        .where(Reference.normalised_number == document.number_key, Document.id != document.id)
        .order_by(Document.publication_date.desc(), Document.publication_number)
    ).all() if document.number_key else []
    citing: dict[str, CitingDocument] = {}
    for number, title, published, category in rows:
        previous = citing.get(number)
        by_examiner = category == EXAMINER or (previous is not None and previous.by_examiner)
        citing[number] = CitingDocument(number, title, published, by_examiner)
    return Citations(in_library, list(citing.values()))


@dataclass(frozen=True)
class CitedDetails:
    """What the library's references say about a document the library does not hold."""

    times_cited: int
    publication_date: dt.date | None
    name: str
    us_class: str


def cited_details(session: Session, key: str) -> CitedDetails | None:
    """Return the date, first-named patentee and US class library references give for `key`."""
    rows = session.execute(select(Reference.date, Reference.name, Reference.us_class)
                           .where(Reference.normalised_number == key)).all()
    if not rows:
        return None

    def most_common(values: Iterable[V | None]) -> V | None:
        counted = Counter(value for value in values if value)
        return counted.most_common(1)[0][0] if counted else None

    return CitedDetails(len(rows), most_common(r.date for r in rows),
                        most_common(r.name for r in rows) or "",
                        most_common(r.us_class for r in rows) or "")
