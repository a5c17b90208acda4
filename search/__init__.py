"""Full-text search over patent documents: the only package that imports Whoosh.

It knows nothing of Flask or the database: callers pass plain dicts (see ``search.schema``)
and an index directory, and get plain dataclasses back. Writes from any thread or process
are serialised by a file lock; reads use one cached, refreshed searcher per process.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from . import patches

patches.apply()

from . import querying, writer  # noqa: E402 - after the fix to Whoosh is in place
from .querying import Sort  # noqa: E402
from .results import CheckReport, Hit, QuerySyntaxError, QueryTooCostlyError, Results  # noqa: E402
from .store import IndexBusyError  # noqa: E402

__all__ = [
    "CheckReport", "Hit", "IndexBusyError", "QuerySyntaxError", "QueryTooCostlyError", "Results", "check",
    "ensure_index", "exists", "index_documents", "index_latest", "like_claim", "query", "rebuild",
    "remove_documents",
]

PathLike = str | Path


def index_documents(index_dir: PathLike, docs: Iterable[Mapping[str, Any]]) -> int:
    """Add documents, replacing any with the same id; return how many were written."""
    return writer.index_documents(Path(index_dir), docs)


def index_latest(index_dir: PathLike, load: Callable[[], Iterable[Mapping[str, Any]]]) -> int:
    """Index the documents ``load()`` returns, read while holding the write lock.

    For writers that read the source of truth themselves: whichever reads last writes last,
    so concurrent updates of one document never leave an older state in the index.
    """
    return writer.index_latest(Path(index_dir), load)


def remove_documents(index_dir: PathLike, ids: Iterable[str]) -> int:
    """Remove documents by id; return how many were in the index."""
    return writer.remove_documents(Path(index_dir), ids)


def rebuild(index_dir: PathLike, docs: Iterable[Mapping[str, Any]],
            progress: Callable[[int], None] | None = None) -> int:
    """Build a fresh index from ``docs`` and swap it in atomically; return the count.

    Readers keep the old index until the new one is complete. Writes made during the rebuild
    are replayed into the new index before the swap. ``progress(n)`` is called as it goes.
    """
    return writer.rebuild(Path(index_dir), docs, progress)


def query(index_dir: PathLike, q: str, *, filters: Mapping[str, Any] | None = None,
          before: dt.date | None = None, sort: Sort = "relevance", page: int = 1,
          pagelen: int = 20, facets: bool = True) -> Results:
    """Search with the Whoosh query language (fields, phrases, AND/OR/NOT, wildcards).

    ``filters`` maps a facet name (``search.schema.FILTERS``) to a value or a list of values;
    ``before`` keeps documents published strictly before that date; ``sort`` is relevance,
    date (newest first) or date_asc. ``total`` and the facets (each facet's 50 most frequent
    values) cover every match. An empty query or "*" matches everything. Raises
    ``QuerySyntaxError`` for a malformed query.
    """
    return querying.query(Path(index_dir), q, filters=filters, before=before, sort=sort,
                          page=page, pagelen=pagelen, facets=facets)


def like_claim(index_dir: PathLike, claim_text: str, *, before: dt.date | None,
               limit: int = 20, exclude_id: str | None = None) -> Results:
    """Find documents published before ``before`` that resemble a claim.

    The claim is reduced to its most distinctive terms by the index's own statistics, and
    those are searched for; ``Results.key_terms`` says which. ``exclude_id`` leaves out the
    application itself. Nearly every document shares some term with a claim, so there is no
    meaningful total: ``Results.total`` is the number of hits returned, and there are no facets.
    """
    return querying.like_claim(Path(index_dir), claim_text, before=before, limit=limit,
                               exclude_id=exclude_id)


def check(index_dir: PathLike, expected: Mapping[str, str]) -> CheckReport:
    """Compare the index with ``expected`` (id -> stamp): missing, stale and extra ids."""
    return querying.check(Path(index_dir), expected)


def exists(index_dir: PathLike) -> bool:
    """Return True when ``index_dir`` holds an index."""
    return writer.exists(Path(index_dir))


def ensure_index(index_dir: PathLike) -> None:
    """Create an empty index in ``index_dir`` unless one is there."""
    writer.ensure_index(Path(index_dir))
