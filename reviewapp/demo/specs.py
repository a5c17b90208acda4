"""The shapes of the generated data set: documents, claims, review windows, prior-art hints."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ..ingest.records import Category

SOURCE = "demo"  # Document.source of every demo document
SEED = 20250731
WINDOW_DAYS = 90

# Relations of a library document to an application (PriorArtHint.relation).
ANTICIPATES = "anticipates"  # discloses every step of claim 1 (35 U.S.C. 102)
OBVIOUS = "obvious"  # discloses most of claim 1 (35 U.S.C. 103)
TOO_LATE = "too late"  # as close as an anticipation, but published after the priority date
UNRELATED = "unrelated"  # another field: a weak submission for the ranking to push down


@dataclass(frozen=True)
class ClaimSpec:
    number: int
    text: str
    depends_on: tuple[int, ...] = ()

    @property
    def independent(self) -> bool:
        return not self.depends_on


@dataclass(frozen=True)
class CitationSpec:
    """A patent document a grant cites, as its XML prints it: in the library or not."""

    number: str  # <doc-number>: "09876543" or "20190123456"
    kind: str
    date: dt.date
    name: str  # the first named patentee
    category: Category


@dataclass
class DocSpec:
    """One document to create; `role` is review | anticipation | partial | late."""

    publication_number: str
    doc_type: str
    kind: str
    doc_number: str
    application_number: str
    title: str
    abstract: str
    description: str
    publication_date: dt.date
    filing_date: dt.date
    priority_date: dt.date
    applicants: list[str]
    inventors: list[str]
    claims: list[ClaimSpec]
    cpc: list[str]
    ipc: list[str]
    area: str
    topic: str
    role: str
    pinpoint: str = ""  # the paragraphs describing the method, e.g. "[0014]-[0015]"
    excerpt: str = ""  # one sentence of those paragraphs
    cites: list[CitationSpec] = field(default_factory=list)  # a grant's references


@dataclass(frozen=True)
class WindowSpec:
    """A review window relative to the loading time: opened `opened_days_ago` days ago."""

    status: str
    opened_days_ago: float | None  # None: not opened (pending)

    def times(self, now: dt.datetime) -> tuple[dt.datetime | None, dt.datetime | None]:
        if self.opened_days_ago is None:
            return None, None
        opens = now - dt.timedelta(days=self.opened_days_ago)
        return opens, opens + dt.timedelta(days=WINDOW_DAYS)


@dataclass
class ReviewSpec:
    document: DocSpec
    window: WindowSpec


@dataclass(frozen=True)
class PriorArtHint:
    """A library document meant as (or looking like) prior art for an application."""

    application: str  # publication number of the application under review
    document: str  # publication number of the library document
    relation: str  # ANTICIPATES | OBVIOUS | TOO_LATE | UNRELATED
    claims: tuple[int, ...]  # the application's claims it bears on
    pinpoint: str
    excerpt: str
    explanation: str  # at most 1,000 characters, as on the USPTO form
    before_priority: bool  # published before the application's earliest priority date
    reviewer: str  # email of the demo volunteer who would submit it


@dataclass
class DemoDataset:
    applications: list[ReviewSpec]
    library: list[DocSpec]
    prior_art: list[PriorArtHint]

