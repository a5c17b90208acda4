"""Search services: run queries against the index with the app's settings."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import search
from flask import current_app

from ..models import Application, Claim


class SearchUnavailable(RuntimeError):
    """The index is missing or unreadable; pages say so instead of failing."""


def index_dir() -> str:
    """Return the configured index folder."""
    return current_app.config["INDEX_DIR"]


def search_documents(q: str, *, filters: dict, before: dt.date | None, sort: str, page: int,
                     pagelen: int | None = None) -> search.Results:
    """Run a user query; raise QuerySyntaxError for bad syntax, SearchUnavailable without an index."""
    if not search.exists(index_dir()):
        raise SearchUnavailable("The search index has not been built yet (`reviewapp index rebuild`).")
    return search.query(index_dir(), q or "*", filters=filters, before=before, sort=sort, page=page,
                        pagelen=pagelen or current_app.config["ITEMS_PER_PAGE"])


@dataclass
class SimilarDocuments:
    """Documents like one claim, all published before the application's priority date."""

    claim: Claim
    before: dt.date | None
    results: search.Results


def prior_art_date(application: Application) -> dt.date | None:
    """Return the date prior art must precede: the earliest priority (else filing) date."""
    document = application.document
    return document.priority_date or document.filing_date


def find_similar(application: Application, claim: Claim, limit: int = 20) -> SimilarDocuments:
    """Return library documents like `claim` that can be prior art against it."""
    if not search.exists(index_dir()):
        raise SearchUnavailable("The search index has not been built yet (`reviewapp index rebuild`).")
    before = prior_art_date(application)
    results = search.like_claim(index_dir(), claim.text, before=before, limit=limit,
                                exclude_id=application.document.publication_number)
    return SimilarDocuments(claim=claim, before=before, results=results)


def get_document(session, number: str):
    """Return the library document with this publication number, claims loaded."""
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from ..models import Document

    return session.scalar(
        select(Document).where(Document.publication_number == number.strip().upper())
        .options(selectinload(Document.claims), selectinload(Document.references))
    )
