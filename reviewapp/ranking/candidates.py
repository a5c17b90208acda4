"""Machine-found candidates: library documents like the claims that nobody has submitted yet.

For an application under review, like-claim search over the library (through the search
seam) proposes documents published before the priority date that are not among its
submissions. Volunteers see them as leads to confirm (a normal submission, with its date
check); the examiner sees them in a list of their own, ranked by the model that ranks the
crowd's submissions, never mixed with them.

The searches run off the request: the "rescore" job (`ranking.jobs`) calls
`store_machine_leads`, which keeps the application's leads as MachineLead rows; the pages
read those rows (`MachineLead.ranked_for`) and never search.
"""
from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from scoring import Candidate, Explanation
from scoring.bootstrap import document_key

from ..indexing import library_index
from ..models import Application, Document, MachineLead, Submission
from . import feature_rows, model_store, scores
from .library import split_identifier

if TYPE_CHECKING:
    from scoring import HeuristicRanker, RankingModel

log = logging.getLogger(__name__)

MAX_CLAIMS = 3  # independent claims searched, the first ones
PER_CLAIM = 20  # like-claim hits read per claim
SHOWN = 10


@dataclass(frozen=True)
class MachineCandidate:
    """One library document proposed by the machine, with the model's score and reasons."""

    document: Document
    score: float
    rank: int
    explanation: Explanation
    claims: tuple[int, ...]  # the claims whose search found it


def store_machine_leads(session: Session, application_id: int) -> int:
    """Search an application's leads and store them in place of its earlier ones; return how many."""
    application = session.get(Application, application_id)
    if application is None:  # deleted since the job was written
        return 0
    ranker = model_store.current_ranker()
    found = machine_candidates(session, application, ranker=ranker)
    session.execute(delete(MachineLead).where(MachineLead.application_id == application_id))
    version = model_store.model_version(ranker)
    session.add_all(MachineLead(
        application_id=application_id, document_id=lead.document.id, rank=lead.rank,
        score=float(lead.score) if math.isfinite(lead.score) else 0.0, model_version=version,
        claims=list(lead.claims), explanation=scores.explanation_json(lead.explanation),
    ) for lead in found)
    session.flush()
    return len(found)


def machine_candidates(session: Session, application: Application, limit: int = SHOWN, *,
                       ranker: RankingModel | HeuristicRanker | None = None) -> list[MachineCandidate]:
    """Return up to `limit` unsubmitted library documents like the claims, best ranked first."""
    found = _search(application)
    if not found:
        return []
    submitted = _submitted(session, application)
    documents = session.scalars(
        select(Document).where(Document.publication_number.in_(list(found)))
        .options(selectinload(Document.claims), selectinload(Document.classifications))).all()
    documents = [d for d in documents if d.id not in submitted[0]
                 and d.publication_number not in submitted[1]
                 and d.id != application.document_id]
    if not documents:
        return []
    query = feature_rows.query_for(application)
    candidates = [_candidate(document) for document in documents]
    feature_rows.with_library_signals_for_documents(session, application, query, candidates,
                                                documents)
    by_id = {str(d.id): d for d in documents}
    ranker = ranker or model_store.current_ranker()
    ranked = ranker.rank(query, candidates, reasons=scores.REASONS)
    return [MachineCandidate(by_id[c.id], score, rank, explanation,
                             tuple(sorted(found[by_id[c.id].publication_number])))
            for rank, (c, score, explanation) in enumerate(ranked[:limit], start=1)]


def _search(application: Application) -> dict[str, set[int]]:
    """Return publication number -> claims whose like-claim search found it."""
    index = library_index()
    document = application.document
    claims = [c for c in document.claims if c.independent and (c.text or "").strip()][:MAX_CLAIMS]
    before = document.priority_date or document.filing_date
    found: dict[str, set[int]] = {}
    try:
        if not index.exists():
            return {}
        for claim in claims:
            for hit in index.like_claim(claim.text, before=before, limit=PER_CLAIM,
                                        exclude_id=document.publication_number).hits:
                found.setdefault(hit.id, set()).add(claim.number)
    except Exception:  # a broken index must not break the review pages
        log.exception("machine candidates: like-claim search failed")
        return {}
    return found


def _submitted(session: Session, application: Application) -> tuple[set[int], set[str]]:
    """Return the library ids and publication keys already submitted (any status)."""
    ids, keys = set(), set()
    for doc_id, identifier in session.execute(
            select(Submission.library_document_id, Submission.identifier)
            .where(Submission.application_id == application.id)):
        if doc_id:
            ids.add(doc_id)
        keys.add(identifier)
    return ids, keys


def _candidate(document: Document) -> Candidate:
    """Return the Candidate of a library document nobody has submitted (no community data)."""
    country, number, kind_code = split_identifier(document.publication_number)
    return Candidate(
        id=str(document.id), kind="us" if document.country == "US" else "foreign",
        publication_date=document.publication_date, title=document.title or "",
        text="\n".join(t for t in (document.abstract, *(c.text for c in document.claims)) if t),
        cpc=document.cpc, ipc=document.ipc, uspc=document.uspc,
        country=country or document.country, kind_code=kind_code or document.kind,
        names=[*(document.applicants or []), *(document.inventors or [])],
        key=document_key(country, number) if number else "",
    )
