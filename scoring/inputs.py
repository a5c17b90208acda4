"""Plain input types and the feature names: what the web app needs without scikit-learn.

An (application, prior-art candidate) pair is a `QueryDoc` and a `Candidate`; `FEATURE_NAMES`
names the columns `scoring.features.PairFeatures` makes of it. Nothing here imports
scikit-learn or SciPy, so the site's processes load them only when a model is used.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

from .classes import IPC_LEVELS, USPC_LEVELS
from .listwise import LIST_FEATURES
from .signals import US_CODES

CandidateKind = Literal["us", "foreign", "npl"]
KINDS: tuple[CandidateKind, ...] = ("us", "foreign", "npl")


@dataclass(slots=True)
class QueryDoc:
    """The application under review.

    claims: (number, text, independent) triples; cpc/ipc like "H04L 9/32", uspc like
    "713/168"; priority_date is the earliest date the application relies on. mentions
    holds the kind-free keys of the patent documents the application's own text cites
    (`scoring.listwise.mentioned_keys` of its description), None when unknown.
    """

    id: str
    claims: list[tuple[int, str, bool]] = field(default_factory=list)
    priority_date: dt.date | None = None
    cpc: list[str] = field(default_factory=list)
    ipc: list[str] = field(default_factory=list)
    uspc: list[str] = field(default_factory=list)
    title: str = ""
    abstract: str = ""
    countries: list[str] = field(default_factory=list)
    parties: list[str] = field(default_factory=list)
    mentions: list[str] | None = None


@dataclass(slots=True)
class Candidate:
    """One prior-art candidate submitted against a `QueryDoc`.

    text is the document's own text where known (abstract + claims), excerpt and
    explanation are the volunteer's. claims_targeted: claim numbers the volunteer names,
    [] for none named, None where the source has no such notion. Community signals are
    None when unknown (not zero); submitter_used / submitter_judged count the submitter's
    earlier examiner verdicts "used/relevant" and all verdicts.

    country and kind_code name the document ("JP", "A1"; "" unknown); names are its
    first-named patentees, applicants or authors ([] unknown). The library signals are
    None until the app has a library to compute them from: bm25_best_claim and
    bm25_independent score the library's full text of the candidate against the best
    claim and the independent claims (through the search seam); cited_by counts the
    library's other grants citing it, examiner_cited those where the examiner did;
    cocited counts library grants citing it together with one of the application's
    other candidates. key is the document's kind-free number ("US5117378", see
    `scoring.bootstrap.document_key`), "" unknown or non-patent.
    """

    id: str
    kind: CandidateKind
    publication_date: dt.date | None = None
    title: str = ""
    text: str = ""
    excerpt: str = ""
    explanation: str = ""
    cpc: list[str] = field(default_factory=list)
    ipc: list[str] = field(default_factory=list)
    uspc: list[str] = field(default_factory=list)
    claims_targeted: list[int] | None = None
    votes_up: int | None = None
    votes_down: int | None = None
    endorsements: int | None = None
    claim_marks: int | None = None
    submitter_used: int | None = None
    submitter_judged: int | None = None
    country: str = ""
    kind_code: str = ""
    names: list[str] = field(default_factory=list)
    bm25_best_claim: float | None = None
    bm25_independent: float | None = None
    cited_by: int | None = None
    examiner_cited: int | None = None
    cocited: int | None = None
    key: str = ""


Pair = tuple[QueryDoc, Candidate]


def independent_claims(query: QueryDoc) -> set[int]:
    """Return the numbers of the query's independent claims."""
    return {number for number, _, independent in query.claims if independent}


FEATURE_NAMES: tuple[str, ...] = (
    "sim_best_claim",
    "sim_weighted_mean",
    "sim_title_abstract",
    "days_before_priority",
    "after_priority",
    *(f"kind_{kind}" for kind in KINDS),
    *(f"ipc_{level}" for level in IPC_LEVELS),
    *(f"uspc_{level}" for level in USPC_LEVELS),
    "n_claims_targeted",
    "targets_independent",
    "net_votes",
    "endorsements",
    "claim_marks",
    "submitter_track_record",
    "log_age_years",
    *(f"code_{code}" for code in US_CODES),
    "same_country",
    "bm25_best_claim",
    "bm25_independent",
    "cited_by",
    "examiner_cited",
    "cocited",
    *LIST_FEATURES,
)
