"""Examiner services: the queue, the ranked review, the claim chart, feedback, the frozen report."""
from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, has_app_context
from markupsafe import Markup
from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, selectinload

from ..applications.services import (
    active_submissions_count, close_window, cpc_matches, normalise_cpc_prefix,
)
from ..models import (
    Application, Claim, ClaimMark, ConflictDeclaration, Document, Endorsement, Feedback,
    ForwardedReport, Score, Submission, User, Vote, submission_claims,
)
from ..models.application import CLOSED, OPEN, as_utc
from ..models.base import utcnow
from ..models.feedback import VERDICTS
from ..models.submission import ACTIVE
from ..ranking.services import recount_track_record, rescore_application
from ..tasks import rescore_after_commit
from . import charts
from .report import Section, report_item, report_model_version, sections

MAX_NOTE = 2000
CHART_COLUMNS = 20  # the claim chart shows at least the top 20 (and always the forwarded top)

# Queue filters: window state and sort orders.
WINDOWS = {"": "Open or closed", OPEN: "Under review (open)", CLOSED: "Closed"}
SORTS = {
    "needs-verdicts": "Still needing verdicts first",
    "closing": "Closing date, soonest first",
    "closing-desc": "Closing date, latest first",
    "most-submissions": "Most submissions first",
    "fewest-submissions": "Fewest submissions first",
}


class FeedbackError(ValueError):
    """A verdict refused, with a message for the examiner and the field it concerns."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ReportError(ValueError):
    """A report that cannot be frozen yet, with a message."""


# --- the queue ----------------------------------------------------------------------------

def awaiting_verdicts_count() -> ColumnElement[int]:
    """Return a correlated count of an application's active submissions without a verdict."""
    judged = select(Feedback.id).where(Feedback.submission_id == Submission.id).exists()
    return (
        select(func.count(Submission.id))
        .where(Submission.application_id == Application.id, Submission.status == ACTIVE, ~judged)
        .correlate(Application)
        .scalar_subquery()
    )


def queue_query(*, cpc: str | None = None, window: str = "", min_submissions: int | None = None,
                sort: str = "needs-verdicts") -> Select:
    """Return a select of applications under review or closed, filtered and sorted for examiners."""
    count = active_submissions_count()
    stmt = (
        select(Application).join(Application.document)
        .options(selectinload(Application.document).selectinload(Document.classifications))
        .where(Application.status.in_([window] if window in (OPEN, CLOSED) else [OPEN, CLOSED]))
    )
    if cpc:
        try:
            prefix = normalise_cpc_prefix(cpc)
        except ValueError:  # the form refuses bad prefixes with a message; here they match as typed
            prefix = "".join(cpc.split()).upper()
        stmt = stmt.where(cpc_matches([prefix]))
    if min_submissions:
        stmt = stmt.where(count >= min_submissions)
    closing = Application.closes_at.is_(None)
    order = {
        "closing": (closing, Application.closes_at),
        "closing-desc": (closing, Application.closes_at.desc()),
        "most-submissions": (count.desc(), closing, Application.closes_at),
        "fewest-submissions": (count, closing, Application.closes_at),
    }.get(sort, (awaiting_verdicts_count() == 0, closing, Application.closes_at))
    return stmt.order_by(*order, Document.publication_number)


def verdict_counts(session: Session, application_ids: Iterable[int]) -> dict[int, int]:
    """Return how many active submissions of each application have at least one verdict, by id."""
    ids = list(application_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(Submission.application_id, func.count(func.distinct(Feedback.submission_id)))
        .join(Feedback, Feedback.submission_id == Submission.id)
        .where(Submission.application_id.in_(ids), Submission.status == ACTIVE)
        .group_by(Submission.application_id)
    )
    return {application_id: count for application_id, count in rows}


def frozen_report_ids(session: Session, application_ids: Iterable[int]) -> set[int]:
    """Return the ids of the applications whose report is frozen."""
    ids = list(application_ids)
    if not ids:
        return set()
    return set(session.scalars(select(ForwardedReport.application_id)
                               .where(ForwardedReport.application_id.in_(ids))))


# --- the ranked review --------------------------------------------------------------------

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


def vote_counts(session: Session, submission_ids: Iterable[int]) -> dict[int, tuple[int, int]]:
    """Return (up, down) votes of each submission, by id (absent when none)."""
    ids = list(submission_ids)
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    if ids:
        for submission_id, value, count in session.execute(
                select(Vote.submission_id, Vote.value, func.count())
                .where(Vote.submission_id.in_(ids)).group_by(Vote.submission_id, Vote.value)):
            counts[submission_id][0 if value > 0 else 1] = count
    return {submission_id: (up, down) for submission_id, (up, down) in counts.items()}


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


def get_report(session: Session, application: Application) -> ForwardedReport | None:
    """Return the frozen report of an application, if any."""
    return session.scalar(
        select(ForwardedReport).where(ForwardedReport.application_id == application.id))


def review_items(session: Session, application: Application, submissions: Sequence[Submission], *,
                 offset: int, top_n: int, examiner: User | None = None) -> list[ReviewItem]:
    """Return the ranked items of one page, with scores, votes, conflicts, marks and verdicts."""
    ids = [s.id for s in submissions]
    report = get_report(session, application)
    frozen = {item.get("submission_id") for item in report.items} if report is not None else None
    scores, votes = scores_of(session, ids), vote_counts(session, ids)
    people = {s.id: [s.submitter_id, *(e.user_id for e in s.endorsements)] for s in submissions}
    everyone = {user_id for users in people.values() for user_id in users}
    conflicts = conflict_statements(session, application, everyone)
    marks, verdicts = mark_counts(session, ids), feedback_of(session, ids)
    numbers = {claim.id: claim.number for claim in application.document.claims}
    items = []
    for position, submission in enumerate(submissions, offset + 1):
        up, down = votes.get(submission.id, (0, 0))
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


# --- the claim chart and the pictures -----------------------------------------------------

def ordered_claims(claims: Iterable[Claim]) -> list[Claim]:
    """Return claims with the independent ones first, then the dependants, each by number."""
    return sorted(claims, key=lambda claim: (not claim.independent, claim.number))


@dataclass(frozen=True)
class Cell:
    """Whether a submission targets a claim, and how many volunteers say it reads on it."""

    targeted: bool
    marks: int

    @property
    def filled(self) -> bool:
        return self.targeted or self.marks > 0


@dataclass
class ChartRow:
    """One claim of the chart: its cells and how many active submissions bear on it."""

    claim: Claim
    cells: list[Cell]
    count: int

    @property
    def uncovered(self) -> bool:
        return self.count == 0


@dataclass
class ClaimChart:
    """Claims by submissions (the top ones, in rank order)."""

    columns: list[Submission]
    rows: list[ChartRow]
    total: int  # active submissions, shown or not

    @property
    def uncovered(self) -> list[int]:
        return [row.claim.number for row in self.rows if row.uncovered]


Pair = tuple[int, int]  # (submission id, claim id)


def claim_pairs(session: Session, application: Application) -> tuple[set[Pair], dict[Pair, int]]:
    """Return the (submission, claim) pairs active submissions target, and the marks per pair."""
    active = (Submission.application_id == application.id, Submission.status == ACTIVE)
    targeted = {(submission_id, claim_id) for submission_id, claim_id in session.execute(
        select(submission_claims.c.submission_id, submission_claims.c.claim_id)
        .join(Submission, Submission.id == submission_claims.c.submission_id).where(*active))}
    marked = {(sid, cid): n for sid, cid, n in session.execute(
        select(ClaimMark.submission_id, ClaimMark.claim_id, func.count())
        .join(Submission, Submission.id == ClaimMark.submission_id).where(*active)
        .group_by(ClaimMark.submission_id, ClaimMark.claim_id))}
    return targeted, marked


def claim_chart(session: Session, application: Application,
                columns: Sequence[Submission]) -> ClaimChart:
    """Return the claim chart of an application: every claim against the given (top) submissions."""
    targeted, marked = claim_pairs(session, application)
    bearing: dict[int, set[int]] = defaultdict(set)
    for submission_id, claim_id in targeted | set(marked):
        bearing[claim_id].add(submission_id)
    rows = [
        ChartRow(claim, [Cell((s.id, claim.id) in targeted, marked.get((s.id, claim.id), 0))
                         for s in columns], len(bearing[claim.id]))
        for claim in ordered_claims(application.document.claims)
    ]
    total = session.scalar(select(func.count(Submission.id)).where(
        Submission.application_id == application.id, Submission.status == ACTIVE)) or 0
    return ClaimChart(list(columns), rows, total)


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
    created = [as_utc(m) for m in session.scalars(select(Submission.created_at).where(*active))]
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


def coverage_bars(chart: ClaimChart) -> list[charts.Bar]:
    """Return one bar per claim, by number: the submissions bearing on it (none: marked)."""
    return [
        charts.Bar(str(row.claim.number), row.count,
                   f"claim {row.claim.number}: {row.count} submission(s)"
                   + (", no prior art" if row.uncovered else ""),
                   ("independent" if row.claim.independent else "dependent")
                   + (" none" if row.uncovered else ""))
        for row in sorted(chart.rows, key=lambda row: row.claim.number)
    ]


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


# --- feedback -----------------------------------------------------------------------------

def record_feedback(session: Session, submission: Submission, examiner: User, verdict: str,
                    note: str = "") -> Feedback:
    """Store an examiner's verdict (the latest counts) and update the submitter's record at once."""
    if verdict not in VERDICTS:
        raise FeedbackError("Choose a verdict from the list.", "verdict")
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise FeedbackError(f"Keep the note under {MAX_NOTE:,} characters.", "note")
    if not examiner.is_examiner:
        raise FeedbackError("Only examiners give verdicts.")
    if submission.status != ACTIVE:
        raise FeedbackError(f"This submission is {submission.status}: it cannot be judged.")
    if submission.submitter_id == examiner.id:
        raise FeedbackError("You cannot judge your own submission.")
    feedback = find_feedback(session, submission, examiner)
    if feedback is None:
        feedback = Feedback(submission=submission, examiner=examiner, verdict=verdict, note=note)
        try:
            # Two clicks at once may insert twice: the unique constraint keeps one; this updates it.
            with session.begin_nested():
                session.add(feedback)
        except IntegrityError:
            feedback = find_feedback(session, submission, examiner)
            if feedback is None:
                raise
    feedback.verdict, feedback.note = verdict, note
    session.flush()
    recount_track_record(session, submission.submitter)
    rescore_after_commit(session, submission.application_id)
    return feedback


def find_feedback(session: Session, submission: Submission, examiner: User) -> Feedback | None:
    """Return an examiner's verdict on a submission, if any."""
    return session.scalar(select(Feedback).where(Feedback.submission_id == submission.id,
                                                 Feedback.examiner_id == examiner.id))




def get_submission(session: Session, submission_id: int) -> Submission | None:
    """Return a submission with its application loaded."""
    return session.scalar(select(Submission).where(Submission.id == submission_id)
                          .options(joinedload(Submission.application)))


# --- the forwarded report -----------------------------------------------------------------

def forwarded_top_n(top_n: int | None = None) -> int:
    """Return how many items are forwarded: `top_n`, else the app's FORWARDED_TOP_N, else 10."""
    if top_n is not None:
        return top_n
    return int(current_app.config.get("FORWARDED_TOP_N", 10)) if has_app_context() else 10


def current_items(session: Session, application: Application, top_n: int) -> list[dict[str, Any]]:
    """Return what would be forwarded now: the ranked top `top_n`, as report items."""
    top = session.scalars(ranked_query(application).limit(top_n)).all()
    scores = scores_of(session, [s.id for s in top])
    return [report_item(submission, scores.get(submission.id), rank)
            for rank, submission in enumerate(top, 1)]


def freeze_report(session: Session, application: Application,
                  top_n: int | None = None) -> ForwardedReport:
    """Freeze the ranked top of a closed review as copies; a second call returns the first."""
    existing = get_report(session, application)
    if existing is not None:
        return existing
    if application.status != CLOSED:
        raise ReportError("The report is frozen when the review window closes.")
    # Scores from this transaction, not the last rescoring job's: one may still be queued
    # behind a vote or a submission of the window's last minutes.
    rescore_application(session, application.id)
    items = current_items(session, application, forwarded_top_n(top_n))
    report = ForwardedReport(application_id=application.id, items=items,
                             model_version=report_model_version(items))
    try:
        with session.begin_nested():
            session.add(report)
    except IntegrityError:  # frozen at the same moment elsewhere: theirs stands
        existing = get_report(session, application)
        if existing is None:
            raise
        return existing
    return report


def close_and_freeze(session: Session, application: Application, now: dt.datetime | None = None,
                     top_n: int | None = None) -> ForwardedReport:
    """Close an open review window and freeze its report (WindowError when it is not open)."""
    close_window(session, application, now)
    return freeze_report(session, application, top_n)


def close_due_windows(session: Session, now: dt.datetime | None = None,
                      top_n: int | None = None) -> list[Application]:
    """Close every open window whose closing time has passed and freeze its report."""
    now = now or utcnow()
    due = session.scalars(
        select(Application).where(Application.status == OPEN, Application.closes_at.is_not(None),
                                  Application.closes_at <= now)
        .order_by(Application.closes_at, Application.id)
    ).all()
    for application in due:
        # The window closed when it was due, not when this command happened to run.
        close_and_freeze(session, application, as_utc(application.closes_at), top_n)
    return list(due)


@dataclass
class ReportView:
    """A report to show: the frozen one, or a preview of what would be forwarded now."""

    application: Application
    items: list[dict[str, Any]]
    frozen_at: dt.datetime | None
    model_version: str

    @property
    def frozen(self) -> bool:
        return self.frozen_at is not None

    @property
    def sections(self) -> list[Section]:
        return sections(self.items)


def report_view(session: Session, application: Application,
                top_n: int | None = None) -> ReportView:
    """Return the frozen report of an application, else a preview of the current top `top_n`."""
    report = get_report(session, application)
    if report is not None:
        return ReportView(application, list(report.items), as_utc(report.frozen_at),
                          report.model_version)
    items = current_items(session, application, forwarded_top_n(top_n))
    return ReportView(application, items, None, report_model_version(items))


def can_read_report(user: Any, application: Application, report: ReportView) -> bool:
    """Tell whether `user` may read a report: examiners always, others once frozen and closed."""
    if user is None or not user.is_authenticated:
        return False
    return user.is_examiner or (report.frozen and application.status == CLOSED)
