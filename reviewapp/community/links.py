"""Where the site shows an item: the page of the list that holds it, at the item's anchor.

Lists are paged, and an item's page moves as others come and go (the discussion shows its
newest threads first), so a link is worked out when it is shown or mailed.
"""
from __future__ import annotations

from collections.abc import Iterable

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import Application, Comment, Submission, User
from ..models.submission import ACTIVE
from .common import site_path
from .discussion import thread_position, thread_root


def page_of(position: int | None) -> int | None:
    """Return the page (None for the first) holding a list's item at `position` (0: first)."""
    page = (position or 0) // current_app.config["ITEMS_PER_PAGE"] + 1
    return page if page > 1 else None


def submission_paths(session: Session, submissions: Iterable[Submission]) -> dict[int, str]:
    """Return where each submission is seen, by id: its application's page that lists it.

    That page lists the active items, oldest first (as `applications.services.submissions_query`
    does); a withdrawn or hidden one is shown on its own page, with its history.
    """
    items = list(submissions)
    active = [s for s in items if s.status == ACTIVE]
    places: dict[int, int] = {}
    if active:
        ranked = (select(Submission.id, func.row_number().over(
            partition_by=Submission.application_id,
            order_by=(Submission.created_at, Submission.id)).label("n"))
            .where(Submission.application_id.in_({s.application_id for s in active}),
                   Submission.status == ACTIVE).subquery())
        places = {submission_id: n - 1 for submission_id, n in session.execute(
            select(ranked.c.id, ranked.c.n).where(ranked.c.id.in_([s.id for s in active])))}
    paths = {}
    for submission in items:
        if submission.id in places:
            paths[submission.id] = site_path(
                "applications.detail", f"submission-{submission.id}",
                number=submission.application.number, page=page_of(places[submission.id]))
        else:
            paths[submission.id] = site_path("priorart.detail", submission_id=submission.id)
    return paths


def submission_path(session: Session, submission: Submission) -> str:
    """Return where `submission` is seen (see `submission_paths`)."""
    return submission_paths(session, [submission])[submission.id]


def comment_path(session: Session, comment: Comment, viewer: User | None) -> str:
    """Return the discussion page that shows `viewer` the thread of `comment`, at the comment."""
    application = session.get(Application, comment.application_id)
    number = application.number if application else ""
    position = (thread_position(session, application, thread_root(session, comment).id, viewer)
                if application else None)
    anchor = f"comment-{comment.id}" if comment.can_view(viewer) else None
    return site_path("community.discussion", anchor, number=number, page=page_of(position))
