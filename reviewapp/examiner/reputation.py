"""The submitter's track record: verdict counters and reputation, recounted from the verdicts."""
from __future__ import annotations

from sqlalchemy import case, func, select, update
from sqlalchemy.orm import Session

from ..models import Feedback, Submission, User
from ..models.feedback import POSITIVE_VERDICTS


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
