"""The submitter's track record: verdict counters and reputation, recounted from the verdicts."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Flask
from sqlalchemy import case, func, select, update
from sqlalchemy.orm import Session, object_session

from ..models import Feedback, Submission, User
from ..models.feedback import POSITIVE_VERDICTS
from ..signals import submitter_changed


def recount_track_record(session: Session, submitter: User) -> None:
    """Set a submitter's verdict counters and reputation from the feedback rows on their work."""
    # Counted, never incremented: concurrent verdicts on one submitter's work once left counters
    # such as 3 total / 5 positive. Call it after writing the feedback: the row lock makes each
    # recount wait for the one before to commit, and (READ COMMITTED) the count, a statement
    # after the lock, then sees that commit, so the last recount counts every verdict.
    session.execute(select(User.id).where(User.id == submitter.id).with_for_update())
    relied_on = case((Feedback.verdict.in_(POSITIVE_VERDICTS), 1), else_=0)
    total, positive = session.execute(
        select(func.count(Feedback.id), func.sum(relied_on))
        .join(Submission, Submission.id == Feedback.submission_id)
        .where(Submission.submitter_id == submitter.id)).one()
    total, positive = int(total), int(positive or 0)
    # reputation = (positive + 1) / (total + 2): the Laplace-smoothed share of verdicts where
    # the examiner relied on the submitter's art, so one lucky verdict is not a perfect score.
    session.execute(
        update(User).where(User.id == submitter.id).values(
            verdicts_total=total, verdicts_positive=positive,
            reputation=(positive + 1) / (total + 2) if total else 0.0,
        ).execution_options(synchronize_session=False))
    session.expire(submitter, ["verdicts_total", "verdicts_positive", "reputation"])


def recount_track_records(session: Session, submitters: Iterable[User]) -> None:
    """Recount several submitters' track records, locking their rows in id order."""
    # Always in id order: two transactions recounting the same two people (two handovers
    # between them) then wait for each other instead of deadlocking.
    for submitter in sorted(set(submitters), key=lambda user: user.id):
        recount_track_record(session, submitter)


def recount_after_handover(submission: Submission, session: Session | None = None,
                           previous_submitter_id: int | None = None, **_: Any) -> None:
    """Recount the track records of a submission's previous and new submitter."""
    # Verdicts count for whoever is the submitter of record: they moved with the submission.
    session = session or object_session(submission)
    if session is None:
        return
    ids = {submission.submitter_id, previous_submitter_id} - {None}
    recount_track_records(session, session.scalars(select(User).where(User.id.in_(ids))).all())


def register(app: Flask) -> None:
    """Connect the track record's receivers (once whatever the number of apps: blinker dedupes)."""
    submitter_changed.connect(recount_after_handover)
