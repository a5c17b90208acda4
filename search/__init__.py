"""Full-text search over patent documents: one API, several backends (Whoosh, tantivy).

It knows nothing of Flask or the database: callers pass plain dicts (see ``search.schema``)
and an index directory, and get plain dataclasses back. Each function takes ``backend``
("whoosh" or "tantivy", see ``search.backends``); when it is not given, ``default_backend``
is used. Every backend answers the same query language within the same cost bounds
(``search.cost``). Writes from any thread or process are serialised by a file lock; reads use
one cached, refreshed reader per index per process.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import backends
from .backends import BACKENDS, Backend
from .common import Prepared, Sort, compare
from .results import CheckReport, Hit, QuerySyntaxError, QueryTooCostlyError, Results
from .store import IndexBusyError, IndexMissingError, IndexUnreadableError

__all__ = [
    "BACKENDS",
    "CheckReport",
    "Hit",
    "Index",
    "IndexBusyError",
    "IndexMissingError",
    "IndexUnreadableError",
    "Prepared",
    "QuerySyntaxError",
    "QueryTooCostlyError",
    "Results",
    "Sort",
    "check",
    "close_all",
    "ensure_index",
    "exists",
    "index_documents",
    "index_latest",
    "like_claim",
    "prepare",
    "query",
    "rebuild",
    "remove_documents",
]

PathLike = str | Path

# The backend of calls that name none; the app always names its configured one.
default_backend = backends.DEFAULT


def backend_module(backend: str | None = None) -> Backend:
    """Return the module of ``backend`` (``default_backend`` when None)."""
    return backends.load(backend or default_backend)


def prepare(doc: Mapping[str, Any], *, backend: str | None = None) -> Prepared:
    """Return ``doc`` analysed for ``backend``, ready for ``index_latest`` (pure, any process)."""
    name = backend or default_backend
    doc_id, payload = backend_module(name).prepare(doc)
    return Prepared(doc_id, name, payload)


def index_documents(index_dir: PathLike, docs: Iterable[Mapping[str, Any]], *,
                    backend: str | None = None) -> int:
    """Add documents, replacing any with the same id; return how many were written."""
    return backend_module(backend).index_documents(Path(index_dir), docs)


def index_latest(index_dir: PathLike, load: Callable[[], Iterable[Mapping[str, Any]]], *,
                 backend: str | None = None) -> int:
    """Index the documents ``load()`` returns, read while holding the write lock.

    For writers that read the source of truth themselves: whichever reads last writes last,
    so concurrent updates of one document never leave an older state in the index.
    ``load()`` may return ``Prepared`` documents (of this backend) among the mappings.
    """
    return backend_module(backend).index_latest(Path(index_dir), load)


def remove_documents(index_dir: PathLike, ids: Iterable[str], *,
                     backend: str | None = None) -> int:
    """Remove documents by id; return how many were in the index."""
    return backend_module(backend).remove_documents(Path(index_dir), ids)


def rebuild(index_dir: PathLike, docs: Iterable[Mapping[str, Any]],
            progress: Callable[[int], None] | None = None, *,
            backend: str | None = None) -> int:
    """Build a fresh index from ``docs`` and swap it in atomically; return the count.

    ``docs`` is consumed as a stream (memory stays bounded). Readers keep the old index until
    the new one is complete. Writes made during the rebuild are replayed into the new index
    before the swap. ``progress(n)`` is called as it goes. Rebuilding with another backend
    than the index was written by is how a site switches backends.
    """
    return backend_module(backend).rebuild(Path(index_dir), docs, progress)


def query(index_dir: PathLike, q: str, *, filters: Mapping[str, Any] | None = None,
          before: dt.date | None = None, sort: Sort = "relevance", page: int = 1,
          pagelen: int = 20, facets: bool = True, backend: str | None = None) -> Results:
    """Search with the user query language (fields, phrases, AND/OR/NOT, -word/+word, wildcards).

    ``filters`` maps a facet name (``search.schema.FILTERS``) to a value or a list of values;
    ``before`` keeps documents published strictly before that date; ``sort`` is relevance,
    date (newest first) or date_asc, undated documents last. ``total`` and the facets (each
    facet's 50 most frequent values) cover every match. An empty query or "*" matches
    everything. Raises ``QuerySyntaxError`` for a malformed query, ``QueryTooCostlyError``
    (a subclass) for one over the cost bounds.
    """
    return backend_module(backend).query(Path(index_dir), q, filters=filters, before=before,
                                         sort=sort, page=page, pagelen=pagelen, facets=facets)


def like_claim(index_dir: PathLike, claim_text: str, *, before: dt.date | None,
               limit: int = 20, exclude_id: str | None = None,
               backend: str | None = None) -> Results:
    """Find documents published before ``before`` that resemble a claim.

    The claim is reduced to its most distinctive terms by the index's own statistics, and
    those are searched for; ``Results.key_terms`` says which. ``exclude_id`` leaves out the
    application itself. Nearly every document shares some term with a claim, so there is no
    meaningful total: ``Results.total`` is the number of hits returned, and there are no facets.
    """
    return backend_module(backend).like_claim(Path(index_dir), claim_text, before=before,
                                              limit=limit, exclude_id=exclude_id)


def check(index_dir: PathLike, expected: Mapping[str, str], *,
          backend: str | None = None) -> CheckReport:
    """Compare the index with ``expected`` (id -> stamp): missing, stale and extra ids."""
    try:
        return backend_module(backend).check(Path(index_dir), expected)
    except IndexMissingError:  # none of this backend: all missing, and reading made none
        return compare({}, expected)


def exists(index_dir: PathLike, *, backend: str | None = None) -> bool:
    """Return True when ``index_dir`` holds an index of this backend."""
    return backend_module(backend).exists(Path(index_dir))


def ensure_index(index_dir: PathLike, *, backend: str | None = None) -> None:
    """Create an empty index in ``index_dir`` unless one of this backend is there."""
    backend_module(backend).ensure_index(Path(index_dir))


def close_all() -> None:
    """Close every cached reader of this process, of every backend loaded (tests, shutdown)."""
    import sys

    for name in BACKENDS:
        module = sys.modules.get(f"{backends.__name__}.{name}")
        if module is not None:
            module.close_all()


@dataclass(frozen=True)
class Index:
    """One index folder and the backend that reads and writes it, bound together.

    What the app hands to its features (a Haystack-style connection): a caller holding an
    ``Index`` cannot search one backend's folder with another.
    """

    path: Path
    backend: str | None = None

    def query(self, q: str, **options: Any) -> Results:
        """Search; see ``search.query``."""
        return query(self.path, q, backend=self.backend, **options)

    def like_claim(self, claim_text: str, **options: Any) -> Results:
        """Find documents like a claim; see ``search.like_claim``."""
        return like_claim(self.path, claim_text, backend=self.backend, **options)

    def exists(self) -> bool:
        """Return True when the folder holds an index of this backend."""
        return exists(self.path, backend=self.backend)
