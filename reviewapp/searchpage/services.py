"""Search services: run queries against the index with the app's settings."""
from __future__ import annotations

import datetime as dt
import logging
import pickle
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from flask import current_app

import search

from ..indexing import index_dir, library_index
from ..models import Application, Claim
from ..priorart.identifiers import IdentifierError, parse_us, strip_kind_code
from ..priorart.submitting import find_library_document
from .terms import readable_key_terms

log = logging.getLogger(__name__)

NOT_BUILT = "The search index has not been built yet (`reviewapp index rebuild`)."
MUST_REBUILD = ("The search index is damaged and must be rebuilt: an administrator runs "
                "`reviewapp index rebuild` (the rest of the site works meanwhile).")
# What reading a damaged index raises: Whoosh's own errors (matched by module: only search/
# imports Whoosh), and truncated, missing or garbled files (tantivy's become OSErrors in
# search/). Not every ValueError: a query tantivy cannot build is the user's to change, and
# an admin must not be sent to rebuild a healthy index for it; of Whoosh's damage, garbled
# bytes give UnicodeDecodeError.
DAMAGE = (OSError, EOFError, UnicodeDecodeError, pickle.UnpicklingError, struct.error)


class SearchUnavailable(RuntimeError):
    """The index is missing or unreadable; pages say so instead of failing."""


def is_index_damage(error: BaseException) -> bool:
    """Tell whether `error`, raised by search/, means the index files are unreadable."""
    if isinstance(error, search.QuerySyntaxError):
        return False
    return isinstance(error, DAMAGE) or type(error).__module__.split(".")[0] == "whoosh"


@contextmanager
def readable_index() -> Iterator[None]:
    """Turn a missing or damaged index into SearchUnavailable (logged), never a 500."""
    try:
        if not library_index().exists():
            log.error("search index missing at %s: run `reviewapp index rebuild`", index_dir())
            raise SearchUnavailable(NOT_BUILT)
        yield
    except Exception as error:
        if not is_index_damage(error):
            raise
        log.error("search index at %s is unreadable (%s: %s): run `reviewapp index rebuild`",
                  index_dir(), type(error).__name__, error)
        raise SearchUnavailable(MUST_REBUILD) from error


def search_documents(q: str, *, filters: dict, before: dt.date | None, sort: str, page: int,
                     pagelen: int | None = None) -> search.Results:
    """Run a user query; raise QuerySyntaxError for bad syntax, SearchUnavailable without a usable index."""
    with readable_index():
        return library_index().query(q or "*", filters=filters, before=before, sort=sort,
                                     page=page,
                                     pagelen=pagelen or current_app.config["ITEMS_PER_PAGE"])


@dataclass
class SimilarDocuments:
    """Documents like one claim, all published before the application's priority date."""

    claim: Claim
    before: dt.date | None
    results: search.Results
    key_terms: list[tuple[str, float]] = field(default_factory=list)  # in the claim's own words


def prior_art_date(application: Application) -> dt.date | None:
    """Return the date prior art must precede: the earliest priority (else filing) date."""
    document = application.document
    return document.priority_date or document.filing_date


def find_similar(application: Application, claim: Claim, limit: int = 20) -> SimilarDocuments:
    """Return library documents like `claim` that can be prior art against it."""
    before = prior_art_date(application)
    with readable_index():
        results = library_index().like_claim(
            claim.text, before=before, limit=limit,
            exclude_id=application.document.publication_number)
    return SimilarDocuments(claim=claim, before=before, results=results,
                            key_terms=readable_key_terms(claim.text, results.key_terms))


def get_document(session, number: str):
    """Return the library document with this publication number, claims loaded."""
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from ..models import Document

    return session.scalar(
        select(Document).where(Document.publication_number == number.strip().upper())
        .options(selectinload(Document.claims), selectinload(Document.references))
    )


@dataclass(frozen=True)
class NumberMatch:
    """The library document a number written another way names."""

    publication_number: str
    # The number gave the document's own kind code: it is only another spelling of it.
    same_kind: bool


def match_number(session, number: str) -> NumberMatch | None:
    """Return the document `number` names when it is not written as the publication number.

    Numbers meet on `documents.number_key`, as imported citations and submissions do
    (`US 9,752,311 B2`, `US9752311` -> `US9752311`). Several documents share a key only as
    kinds of one number (an application's A1 and its republication A9): the kind code given
    wins, else the earliest publication, the one that is prior art (`find_library_document`).
    """
    try:
        identifier = parse_us(number)
    except IdentifierError:
        return None
    found = find_library_document(session, identifier)
    if found is None:
        return None
    kind = strip_kind_code(found.publication_number, identifier.key)
    return NumberMatch(found.publication_number, bool(identifier.kind_code) and kind == identifier.kind_code)
