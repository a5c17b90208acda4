"""Plain result objects: nothing from Whoosh leaves the package."""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

Facets = dict[str, list[tuple[str, int]]]


class QuerySyntaxError(ValueError):
    """A query the user typed could not be understood; ``str(exc)`` says why, politely."""


class QueryTooCostlyError(QuerySyntaxError):
    """A query over the cost bounds (see ``search.cost``); ``str(exc)`` says which."""


@dataclass(frozen=True, slots=True)
class Hit:
    """One matching document as a result list shows it.

    ``title`` is plain text (escape it when rendering); ``snippet`` is HTML, already escaped,
    whose only markup is ``<b class="match">`` around matched words.
    """

    id: str
    title: str
    score: float
    doc_type: str
    kind: str
    publication_date: dt.date | None
    snippet: str
    status: str
    cpc: list[str]

    @classmethod
    def from_stored(cls, stored: Mapping[str, Any], score: float | None, snippet: str) -> Hit:
        """Return the Hit of a document's stored fields (a stored datetime counts as its date)."""
        published = stored.get("publication_date")
        return cls(
            id=stored["id"],
            title=stored.get("title", ""),
            score=float(score or 0.0),
            doc_type=stored.get("doc_type", ""),
            kind=stored.get("kind", ""),
            publication_date=published.date() if isinstance(published, dt.datetime) else published,
            snippet=snippet,
            status=stored.get("status", ""),
            cpc=list(stored.get("cpc_codes") or []),
        )


@dataclass(slots=True)
class Results:
    """One page of results, with the facet counts of the whole result set."""

    total: int
    page: int
    pagecount: int
    hits: list[Hit]
    facets: Facets = field(default_factory=dict)
    # Query-by-claim only: the (stemmed) terms the claim was reduced to, with their weights.
    key_terms: list[tuple[str, float]] = field(default_factory=list)


@dataclass(slots=True)
class CheckReport:
    """How the index differs from what the database says it should hold."""

    missing: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Return True when the index matches the expectation exactly."""
        return not (self.missing or self.stale or self.extra)
