"""A parsed record's search entry, made in an import's parser processes: no Flask, no database.

The search entry of a stored document is built in `reviewapp.indexing` from its rows; the
entry of a record about to be stored is built here from the record, the same way
(`search_entry`), so the import's parser processes can analyse it before it is written.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import search

from .hashing import canonical_bytes
from .records import PatentRecord, class_symbols, unique_by

# The status a document no application reviews has in the index.
LIBRARY = "library"
# The status an imported application starts with (models.application.PENDING).
IMPORTED_APPLICATION_STATUS = "pending"
SCHEMES = ("cpc", "ipc", "uspc")


def search_entry(source: Any, *, claims: list[str], classes: dict[str, list[str]],
                 tags: list[str], status: str) -> dict[str, Any]:
    """Return the search dict of a document or a parsed record (the same attribute names)."""
    record: dict[str, Any] = {
        "id": source.publication_number,
        "doc_type": source.doc_type,
        "kind": source.kind,
        "title": source.title,
        "abstract": source.abstract,
        "claims": "\n".join(claims),
        "description": source.description,
        **classes,
        "applicants": list(source.applicants or []),
        "inventors": list(source.inventors or []),
        "tags": tags,
        "status": status,
        "publication_date": source.publication_date,
        "priority_date": source.priority_date,
    }
    record["stamp"] = stamp_of(record)
    return record


def stamp_of(record: dict[str, Any]) -> str:
    """Return a digest of everything indexed, so any change makes the entry stale."""
    return hashlib.sha1(canonical_bytes((key, record[key]) for key in sorted(record))).hexdigest()


@dataclass(frozen=True, slots=True)
class PreparedRecord:
    """A parsed record analysed for the index ahead of its writing, and what that assumed."""

    content_hash: str
    status: str  # what a document stored from it has until someone reviews it
    prepared: search.Prepared


def parsed_search_record(record: PatentRecord) -> dict[str, Any]:
    """Return the search dict a document newly stored from record will have (see writer)."""
    claims = sorted(unique_by(record.claims, lambda c: c.number), key=lambda c: c.number)
    classes = {scheme: class_symbols(record, scheme) for scheme in SCHEMES}
    status = IMPORTED_APPLICATION_STATUS if record.doc_type == "application" else LIBRARY
    return search_entry(record, claims=[c.text for c in claims], classes=classes, tags=[],
                        status=status)


def prepare_parsed(record: PatentRecord, content_hash: str, backend: str) -> PreparedRecord:
    """Analyse a parsed record for the index (pure: runs in an import's parser processes)."""
    doc = parsed_search_record(record)
    return PreparedRecord(content_hash, doc["status"], search.prepare(doc, backend=backend))
