"""The forwarded report: frozen when the review window closes, previewed until then.

`freeze_report` sends `signals.report_freezing` before it copies the ranked top, so the ranking
feature rescores the application inside the freeze (a rescoring job may still be queued behind
the window's last vote or submission); `close_and_freeze` sends `signals.window_closed` after.
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..applications.services import (
    close_window,
)
from ..models import (
    Application,
    ForwardedReport,
    Submission,
)
from ..models.application import CLOSED, OPEN, as_utc
from ..models.base import utcnow
from ..models.submission import HIDDEN
from ..models.user import is_moderator
from ..signals import report_freezing, window_closed
from .report import (
    Section,
    get_report,
    reopened_since,
    report_item,
    report_model_version,
    sections,
    stored_report,
)
from .review import ranked_query, scores_of

logger = logging.getLogger(__name__)


class ReportError(ValueError):
    """A report that cannot be frozen yet, with a message."""


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
    """Freeze the ranked top of a closed review as copies; a second call returns the first.

    A window reopened after its report froze gets a new one when it closes again: the report
    forwards what the whole review found, not what it had found at the first closing.
    """
    existing = stored_report(session, application)
    if existing is not None and not reopened_since(application, existing):
        return existing
    if application.status != CLOSED:
        raise ReportError("The report is frozen when the review window closes.")
    # Scores from this transaction, not the last rescoring job's: one may still be queued
    # behind a vote or a submission of the window's last minutes. The receivers (ranking)
    # rescore now, synchronously, in this transaction.
    report_freezing.send(application, session=session)
    items = current_items(session, application, forwarded_top_n(top_n))
    if existing is not None:
        existing.items, existing.model_version = items, report_model_version(items)
        existing.frozen_at = utcnow()
        session.flush()
        return existing
    report = ForwardedReport(application_id=application.id, items=items,
                             model_version=report_model_version(items))
    try:
        with session.begin_nested():
            session.add(report)
    except IntegrityError:  # frozen at the same moment elsewhere: theirs stands
        existing = stored_report(session, application)
        if existing is None:
            raise
        return existing
    return report


def freeze_closed_report(session: Session, application: Application,
                         now: dt.datetime | None = None) -> ForwardedReport:
    """Freeze the report of a closed review, closing first a window past its end.

    `reviewapp windows close-due` closes such windows from cron; until it runs, the site already
    treats them as closed, and so does the examiner who asks for the report.
    """
    if application.status == OPEN and application.is_closed(now):
        # The window closed when it was due, as close-due would record it.
        return close_and_freeze(session, application, as_utc(application.closes_at))
    return freeze_report(session, application)


def close_and_freeze(session: Session, application: Application, now: dt.datetime | None = None,
                     top_n: int | None = None) -> ForwardedReport:
    """Close an open review window and freeze its report (WindowError when it is not open)."""
    close_window(session, application, now)
    report = freeze_report(session, application, top_n)
    window_closed.send(application, session=session, report=report)
    return report


@dataclass
class DueWindows:
    """What close_due_windows did: the windows it closed, and those it could not, with why."""

    closed: list[Application]
    failed: list[tuple[Application, str]]


def close_due_windows(session: Session, now: dt.datetime | None = None,
                      top_n: int | None = None) -> DueWindows:
    """Close every open window whose closing time has passed and freeze its report.

    Each window closes in a savepoint: one that fails (its rescoring, say) stays open, is
    reported and logged, and the others still close.
    """
    now = now or utcnow()
    due = session.scalars(
        select(Application).where(Application.status == OPEN, Application.closes_at.is_not(None),
                                  Application.closes_at <= now)
        .order_by(Application.closes_at, Application.id)
    ).all()
    result = DueWindows([], [])
    for application in due:
        try:
            with session.begin_nested():
                # The window closed when it was due, not when this command happened to run.
                close_and_freeze(session, application, as_utc(application.closes_at), top_n)
        except Exception as error:  # one application must not keep all the others open
            logger.exception("the review window of %s could not be closed", application.number)
            result.failed.append((application, f"{type(error).__name__}: {error}"))
        else:
            result.closed.append(application)
    return result


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


def report_view(session: Session, application: Application, viewer: Any = None,
                top_n: int | None = None) -> ReportView:
    """Return the frozen report of an application, else a preview of the current top `top_n`.

    Items the moderators hid since the report froze are left out, but for moderators: the
    frozen copy keeps them (it is what was forwarded), the site no longer shows their text.
    """
    report = get_report(session, application)
    if report is not None:
        items = list(report.items)
        if not is_moderator(viewer):
            hidden = set(session.scalars(select(Submission.id).where(
                Submission.id.in_([item.get("submission_id") for item in items]),
                Submission.status == HIDDEN)))
            items = [item for item in items if item.get("submission_id") not in hidden]
        return ReportView(application, items, as_utc(report.frozen_at), report.model_version)
    items = current_items(session, application, forwarded_top_n(top_n))
    return ReportView(application, items, None, report_model_version(items))


def can_read_report(user: Any, application: Application, report: ReportView) -> bool:
    """Tell whether `user` may read a report: examiners always, others once frozen and closed."""
    if user is None or not user.is_authenticated:
        return False
    return user.is_examiner or (report.frozen and application.status == CLOSED)
