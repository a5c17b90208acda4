"""The examiner's queue: applications under review or closed, filtered and sorted."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session, selectinload

from ..applications.services import active_submissions_count, window_status_is
from ..classification import cpc_matches, cpc_prefix_or_literal
from ..models import Application, Document, Feedback, ForwardedReport, Submission
from ..models.application import CLOSED, OPEN
from ..models.base import utcnow
from ..models.submission import ACTIVE
from .report import report_in_force

# Queue filters: window state and sort orders.
WINDOWS = {"": "Open or closed", OPEN: "Under review (open)", CLOSED: "Closed"}


SORTS = {
    "needs-verdicts": "Still needing verdicts first",
    "closing": "Closing date, soonest first",
    "closing-desc": "Closing date, latest first",
    "most-submissions": "Most submissions first",
    "fewest-submissions": "Fewest submissions first",
}


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
                sort: str = "needs-verdicts", now: dt.datetime | None = None) -> Select:
    """Return a select of applications under review or closed, filtered and sorted for examiners.

    A window past its end counts as closed, as on the rest of the site, before the closing job
    has run.
    """
    count = active_submissions_count()
    stmt = (
        select(Application).join(Application.document)
        .options(selectinload(Application.document).selectinload(Document.classifications))
        .where(Application.status.in_([OPEN, CLOSED]))
    )
    if window in (OPEN, CLOSED):
        stmt = stmt.where(window_status_is(window, now or utcnow()))
    if cpc:
        stmt = stmt.where(cpc_matches([cpc_prefix_or_literal(cpc)]))
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
    """Return the ids of the applications whose report is frozen (and not reopened since)."""
    ids = list(application_ids)
    if not ids:
        return set()
    return set(session.scalars(
        select(ForwardedReport.application_id)
        .join(Application, Application.id == ForwardedReport.application_id)
        .where(ForwardedReport.application_id.in_(ids), report_in_force())))
