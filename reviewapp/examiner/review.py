"""The ranked review of one application: its items by stored rank, with what the examiner reads."""
from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from markupsafe import Markup
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from ..community.votes import vote_tallies
from ..models import (
    Application,
    ClaimMark,
    ConflictDeclaration,
    Endorsement,
    Feedback,
    ForwardedReport,
    Score,
    Submission,
    User,
)
from ..models.application import as_utc
from ..models.base import utcnow
from ..models.submission import ACTIVE
from . import charts
from .claim_chart import ClaimChart, claim_chart, coverage_bars
from .report import get_report

CHART_COLUMNS = 20  # the claim chart shows at least the top 20 (and always the forwarded top)


def ranked_query(application: Application) -> Select:
    """Return a select of active submissions by stored rank; unscored ones last, oldest first."""
    return (
        select(Submission)
        .outerjoin(Score, Score.submission_id == Submission.id)
        .where(Submission.application_id == application.id, Submission.status == ACTIVE)
        .options(
            joinedload(Submission.submitter),
            selectinload(Submission.claims),
            selectinload(Submission.library_document),
            selectinload(Submission.endorsements).joinedload(Endorsement.user),
        )
        .order_by(Score.id.is_(None), Score.rank, Score.score.desc(), Submission.created_at,
                  Submission.id)
    )


def ranked_position(session: Session, application: Application, submission_id: int) -> int | None:
    """Return where a submission stands in the ranked review (1 first), None when not in it."""
    ids = session.scalars(ranked_query(application).with_only_columns(Submission.id)).all()
    return ids.index(submission_id) + 1 if submission_id in ids else None


def scores_of(session: Session, submission_ids: Iterable[int]) -> dict[int, Score]:
    """Return the stored score of each submission that has one, by submission id."""
    ids = list(submission_ids)
    if not ids:
        return {}
    rows = session.scalars(select(Score).where(Score.submission_id.in_(ids)))
    return {score.submission_id: score for score in rows}


def model_versions(session: Session, application: Application) -> list[str]:
    """Return the model versions behind the stored scores of an application's active submissions."""
    return list(session.scalars(
        select(Score.model_version).join(Submission, Submission.id == Score.submission_id)
        .where(Submission.application_id == application.id, Submission.status == ACTIVE)
        .distinct().order_by(Score.model_version)
    ))


@dataclass(frozen=True)
class Reason:
    """One reason behind a score: its sign and its words; unknown facts have no sign to show."""

    positive: bool
    text: str
    known: bool = True


# The explanation's words for a missing value: the model fills it in, so it moves the score, but
# "+ subclass unknown" would read as evidence of relevance.
MISSING_VALUE = re.compile(r"\bunknown$|^no text of the candidate\b|^no community votes recorded$"
                           r"|\bhas no examiner verdicts yet$")


def reasons(score: Score | None) -> list[Reason]:
    """Return the readable reasons of a stored score's explanation, skipping malformed entries."""
    result = []
    for entry in (score.explanation if score is not None else None) or []:
        if isinstance(entry, dict) and entry.get("text"):
            try:
                effect = float(entry.get("effect") or 0)
            except (TypeError, ValueError):
                effect = 0.0
            text = str(entry["text"])
            result.append(Reason(effect > 0, text, not MISSING_VALUE.search(text)))
    return result


@dataclass
class ReviewItem:
    """One ranked submission with everything the examiner reads about it."""

    submission: Submission
    position: int
    forwarded: bool
    score: Score | None = None
    reasons: list[Reason] = field(default_factory=list)
    up: int = 0
    down: int = 0
    conflicts: dict[int, str] = field(default_factory=dict)  # user id -> statement
    marks: dict[int, int] = field(default_factory=dict)  # claim number -> people: "reads on it"
    feedback: list[Feedback] = field(default_factory=list)
    mine: Feedback | None = None

    @property
    def net(self) -> int:
        return self.up - self.down


def conflict_statements(session: Session, application: Application,
                        user_ids: Iterable[int]) -> dict[int, str]:
    """Return the statements of these people's declared conflicts on an application, by user id."""
    ids = list(set(user_ids))
    if not ids:
        return {}
    rows = session.execute(
        select(ConflictDeclaration.user_id, ConflictDeclaration.statement).where(
            ConflictDeclaration.application_id == application.id,
            ConflictDeclaration.user_id.in_(ids), ConflictDeclaration.has_conflict.is_(True))
    )
    return {user_id: statement for user_id, statement in rows}


def mark_counts(session: Session, submission_ids: Iterable[int]) -> dict[int, dict[int, int]]:
    """Return, per submission id, how many people say it reads on each claim (by claim id)."""
    ids = list(submission_ids)
    result: dict[int, dict[int, int]] = defaultdict(dict)
    if ids:
        for submission_id, claim_id, count in session.execute(
                select(ClaimMark.submission_id, ClaimMark.claim_id, func.count())
                .where(ClaimMark.submission_id.in_(ids))
                .group_by(ClaimMark.submission_id, ClaimMark.claim_id)):
            result[submission_id][claim_id] = count
    return result


def feedback_of(session: Session, submission_ids: Iterable[int]) -> dict[int, list[Feedback]]:
    """Return every examiner's verdict on each submission, oldest first, by submission id."""
    ids = list(submission_ids)
    result: dict[int, list[Feedback]] = defaultdict(list)
    if ids:
        for feedback in session.scalars(
                select(Feedback).where(Feedback.submission_id.in_(ids))
                .options(joinedload(Feedback.examiner)).order_by(Feedback.id)):
            result[feedback.submission_id].append(feedback)
    return result


def review_items(session: Session, application: Application, submissions: Sequence[Submission], *,
                 offset: int, top_n: int, examiner: User | None = None) -> list[ReviewItem]:
    """Return the ranked items of one page, with scores, votes, conflicts, marks and verdicts."""
    ids = [s.id for s in submissions]
    report = get_report(session, application)
    frozen = {item.get("submission_id") for item in report.items} if report is not None else None
    scores, votes = scores_of(session, ids), vote_tallies(session, ids)
    people = {s.id: [s.submitter_id, *(e.user_id for e in s.endorsements)] for s in submissions}
    everyone = {user_id for users in people.values() for user_id in users}
    conflicts = conflict_statements(session, application, everyone)
    marks, verdicts = mark_counts(session, ids), feedback_of(session, ids)
    numbers = {claim.id: claim.number for claim in application.document.claims}
    items = []
    for position, submission in enumerate(submissions, offset + 1):
        up, down = votes[submission.id]
        score = scores.get(submission.id)
        feedback = verdicts.get(submission.id, [])
        items.append(ReviewItem(
            submission=submission, position=position, score=score, reasons=reasons(score),
            up=up, down=down,
            forwarded=submission.id in frozen if frozen is not None else position <= top_n,
            conflicts={uid: conflicts[uid] for uid in people[submission.id] if uid in conflicts},
            marks={numbers[cid]: n for cid, n in marks[submission.id].items() if cid in numbers},
            feedback=feedback,
            mine=next((f for f in feedback if examiner and f.examiner_id == examiner.id), None),
        ))
    return items


@dataclass(frozen=True)
class Charts:
    """The review's pictures, as inline SVG."""

    scores: Markup
    weekly: Markup
    coverage: Markup


def review_charts(session: Session, application: Application, chart: ClaimChart,
                  now: dt.datetime | None = None) -> Charts:
    """Build the score histogram, the submissions per week and the claim coverage of a review."""
    now = now or utcnow()
    active = (Submission.application_id == application.id, Submission.status == ACTIVE)
    values = session.scalars(select(Score.score).where(*active)
                             .join(Submission, Submission.id == Score.submission_id)).all()
    created = [moment for moment in (as_utc(m) for m in session.scalars(
        select(Submission.created_at).where(*active))) if moment is not None]
    start = as_utc(application.opens_at) or min(created, default=now)
    end = as_utc(application.closes_at) or now  # the whole window, weeks to come included
    return Charts(
        scores=charts.bar_chart(charts.histogram(values), title="Score distribution",
                                empty="No stored scores yet."),
        weekly=charts.bar_chart(charts.weekly_counts(created, start, max(end, start)),
                                title="Submissions per week of the review window"),
        coverage=charts.bar_chart(coverage_bars(chart), title="Submissions bearing on each claim",
                                  empty="No claims."),
    )


@dataclass
class ReviewPage:
    """Everything the examiner's page of one application shows."""

    application: Application
    items: list[ReviewItem]
    chart: ClaimChart
    charts: Charts
    versions: list[str]
    report: ForwardedReport | None
    top_n: int


def review_page(session: Session, application: Application, submissions: Sequence[Submission], *,
                offset: int, top_n: int, examiner: User | None = None) -> ReviewPage:
    """Return one page of the ranked review with the claim chart of the top and the charts."""
    top = session.scalars(ranked_query(application).limit(max(CHART_COLUMNS, top_n))).all()
    chart = claim_chart(session, application, top)
    return ReviewPage(
        application=application, chart=chart, charts=review_charts(session, application, chart),
        items=review_items(session, application, submissions, offset=offset, top_n=top_n,
                           examiner=examiner),
        versions=model_versions(session, application), report=get_report(session, application),
        top_n=top_n,
    )
