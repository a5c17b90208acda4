"""Examiner verdicts: record one (the latest counts), then tell the other features.

`record_feedback` recounts the submitter's track record (`reputation`) in the same
transaction and sends `signals.verdict_recorded`: ranking queues the application's rescoring.
When a submission changes hands, `reputation` recounts both submitters (`submitter_changed`).
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..models import (
    Feedback,
    Submission,
    User,
)
from ..models.feedback import VERDICTS
from ..models.submission import lock_submission
from ..signals import verdict_recorded
from .reputation import recount_track_record

MAX_NOTE = 2000


class FeedbackError(ValueError):
    """A verdict refused, with a message for the examiner and the field it concerns."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def record_feedback(session: Session, submission: Submission, examiner: User, verdict: str,
                    note: str = "") -> Feedback:
    """Store an examiner's verdict (the latest counts) and update the submitter's record at once."""
    if verdict not in VERDICTS:
        raise FeedbackError("Choose a verdict from the list.", "verdict")
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise FeedbackError(f"Keep the note under {MAX_NOTE:,} characters.", "note")
    # Read again under a shared lock: a handover or withdrawal at the same time waits for this
    # verdict, or this one sees its result (the submitter whose record it counts in, the status).
    lock_submission(session, submission, shared=True)
    refusal = submission.judge_refusal(examiner)
    if refusal:
        raise FeedbackError(refusal)
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
    verdict_recorded.send(feedback, session=session)
    return feedback


def find_feedback(session: Session, submission: Submission, examiner: User) -> Feedback | None:
    """Return an examiner's verdict on a submission, if any."""
    return session.scalar(select(Feedback).where(Feedback.submission_id == submission.id,
                                                 Feedback.examiner_id == examiner.id))


