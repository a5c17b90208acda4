"""Stored scores: rank an application's active submissions with the served model and keep them.

Pages never score: they read Score rows. `rescore_application` writes them, run by the
"rescore" job (`ranking.jobs`) that is queued after submissions, votes, claim marks and
verdicts commit, and for every open application after each training run.

Score rows (the examiner dashboard, the API, the forwarded report read them; keep stable):
    score          float, higher is better: for a trained model the calibrated probability
                   that the examiner relies on the document; for the heuristic, points (not a
                   probability). Compare scores only within one model_version.
    rank           1..n over the application's active submissions; 1 is read first.
    model_version  "heuristic", or the trained model's version ("ranker-20250801T120000Z-1a2b3c4d").
    explanation    at most three reasons, strongest first:
                   [{"feature": "sim_best_claim", "effect": 0.8123,
                     "text": "claim 1 text similarity 0.41 (high)"}, ...]
                   feature: a scoring feature group (scoring.explain.FEATURE_GROUPS):
                     sim_best_claim, sim_weighted_mean, sim_title_abstract, date, kind,
                     kind_code, ipc_section, ipc_class, ipc_subclass, ipc_group, uspc_class,
                     uspc_subclass, n_claims_targeted, targets_independent, net_votes,
                     endorsements, claim_marks, submitter_track_record, same_country,
                     name_repeats, same_day_repeats, mentioned_in_text, bm25, cited_by,
                     examiner_cited, cocited;
                   effect: signed contribution in the model's score units (log-odds, or
                     heuristic points), > 0 raised the submission, < 0 lowered it; 4 decimals;
                   text: one plain-English phrase for the examiner.
    computed_at    when the row was computed (UTC).
"""
from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from scoring import Candidate, Explanation

from ..models import Application, Document, Score, Submission
from ..models.application import OPEN
from ..models.base import utcnow
from ..models.submission import ACTIVE
from ..tasks import enqueue
from .feature_rows import candidates_where, query_for, with_library_signals
from .model_store import current_ranker, model_version

REASONS = 3
RESCORE_JOB = "rescore"  # the outbox job kind (ranking.jobs runs it)


def rescore_application(session: Session, application_id: int) -> int:
    """Rank an application's active submissions and store their scores; return how many."""
    return rescore_applications(session, [application_id])


def rescore_applications(session: Session, application_ids: Iterable[int]) -> int:
    """Rescore several applications with one set of queries; return the submissions scored."""
    ids = sorted(set(application_ids))
    if not ids:
        return 0
    applications = session.scalars(
        select(Application).where(Application.id.in_(ids)).order_by(Application.id).options(
            joinedload(Application.document).selectinload(Document.claims),
            joinedload(Application.document).selectinload(Document.classifications))).all()
    candidates = candidates_where(
        session, (Submission.application_id.in_(ids), Submission.status == ACTIVE))
    existing: dict[int, dict[int, Score]] = defaultdict(dict)
    for score, application_id in session.execute(
            select(Score, Submission.application_id)
            .join(Submission, Submission.id == Score.submission_id)
            .where(Submission.application_id.in_(ids))):
        existing[application_id][score.submission_id] = score
    ranker = current_ranker()
    version = model_version(ranker)
    scored = 0
    for application in applications:
        found = candidates.get(application.id, [])
        query = query_for(application)
        with_library_signals(session, application, query, found)
        ranked = ranker.rank(query, found, reasons=REASONS) if found else []
        _store(session, ranked, version, existing[application.id])
        scored += len(ranked)
    session.flush()
    return scored


def store_scores(session: Session, application_id: int,
                 ranked: Sequence[tuple[Candidate, float, Explanation]], version: str) -> None:
    """Upsert the Score rows of ranked candidates (best first); drop those of other submissions."""
    existing = {score.submission_id: score for score in session.scalars(
        select(Score).join(Submission, Submission.id == Score.submission_id)
        .where(Submission.application_id == application_id))}
    _store(session, ranked, version, existing)
    session.flush()


def _store(session: Session, ranked: Sequence[tuple[Candidate, float, Explanation]],
           version: str, existing: dict[int, Score]) -> None:
    now = utcnow()
    kept = set()
    for rank, (candidate, value, explanation) in enumerate(ranked, start=1):
        submission_id = int(candidate.id)
        kept.add(submission_id)
        row = existing.get(submission_id)
        if row is None:
            row = Score(submission_id=submission_id)
            session.add(row)
        row.score = float(value) if math.isfinite(value) else 0.0
        row.rank = rank
        row.model_version = version
        row.explanation = explanation_json(explanation)
        row.computed_at = now
    for submission_id, row in existing.items():
        if submission_id not in kept:  # withdrawn, hidden or moved: no longer ranked
            session.delete(row)


def explanation_json(explanation: Explanation) -> list[dict[str, Any]]:
    """Return an Explanation as stored in Score.explanation (see the module docstring)."""
    return [{"feature": r.feature, "effect": round(float(r.effect), 4), "text": r.text}
            for r in explanation.reasons]


def enqueue_rescore(application_id: int) -> None:
    """Queue the rescoring of one application (call after the change has committed)."""
    enqueue(RESCORE_JOB, application_id)


def open_application_ids(session: Session) -> list[int]:
    """Return the ids of the applications under review."""
    return list(session.scalars(select(Application.id).where(Application.status == OPEN)
                                .order_by(Application.id)))
