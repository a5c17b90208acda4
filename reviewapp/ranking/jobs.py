"""The ranking's jobs and reactions: rescore and train handlers, and the signals it answers.

`register(app)` (called by the factory) gives the queue the "rescore" job (an outbox row,
run until it succeeds) and the "train" task (a Huey message), and connects the receivers:
changes to an application's submissions or their verdicts queue its rescoring in the
transaction of the change (verdicts only while it is open), and a verdict or a handover also queues every open application
where the submitters whose track record it changes have active submissions; a report about
to freeze is rescored at once, inside the freeze.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from ..extensions import db
from ..models import Application, Feedback, Submission
from ..models.application import OPEN
from ..models.submission import ACTIVE
from ..signals import (
    report_freezing,
    submission_changed,
    submission_created,
    submission_rated,
    submission_withdrawn,
    submitter_changed,
    verdict_recorded,
    vote_cast,
)
from ..tasks import register_job, register_queue_task, rescore_after_commit
from .candidates import store_machine_leads
from .scores import RESCORE_JOB, rescore_application
from .training import TRAIN_JOB, train_model


def register(app: Flask) -> None:
    """Register the ranking's jobs with the app's queue and connect its signal receivers."""
    register_job(app, RESCORE_JOB, run_rescore_job)
    register_queue_task(app, TRAIN_JOB, run_train_job)
    connect_receivers()


def connect_receivers() -> None:
    """Connect the ranking's receivers (once: connecting again changes nothing)."""
    for signal in (submission_created, submission_withdrawn, submission_rated, vote_cast,
                   submission_changed):
        signal.connect(rescore_submission_application)
    verdict_recorded.connect(rescore_judged_application)
    submitter_changed.connect(rescore_after_handover)
    report_freezing.connect(rescore_before_freeze)


def run_rescore_job(application_id: int) -> int:
    """Recompute the stored scores and the machine-found leads of one application."""
    with Session(db.engine) as session:
        count = rescore_application(session, application_id)
        # Commit before the leads' searches: on SQLite a transaction that has written holds
        # the database's one write lock, and every web worker's write would wait on them.
        session.commit()
        store_machine_leads(session, application_id)  # the searches pages no longer run
        session.commit()
    return count


def run_train_job() -> dict:
    """Retrain the ranker from examiner feedback and bootstrap data."""
    return train_model()


def rescore_submission_application(submission: Submission, session: Session | None = None,
                                   **_: Any) -> None:
    """Queue the rescoring of a submission's application with the change to it."""
    session = session or object_session(submission)
    if session is not None:
        rescore_after_commit(session, submission.application_id)


def rescore_judged_application(feedback: Feedback, session: Session | None = None,
                               **_: Any) -> None:
    """Queue the rescoring of the judged application while it is open, and of the submitter's open ones."""
    session = session or object_session(feedback)
    if session is not None:
        submission = feedback.submission
        # Examiners mostly judge once the window has closed: a closed application keeps the
        # scores (and the order) it was reviewed with, as its page says.
        if submission.application.status == OPEN:
            rescore_after_commit(session, submission.application_id)
        # The verdict changes the submitter's track record, a feature of their submissions on
        # every other application (this one's verdicts are left out of it here).
        rescore_submitters_applications(session, [submission.submitter_id])


def rescore_after_handover(submission: Submission, session: Session | None = None,
                           previous_submitter_id: int | None = None, **_: Any) -> None:
    """Queue the rescoring of the open applications of a submission's old and new submitter."""
    # The submission's verdicts moved from one track record to the other with it.
    session = session or object_session(submission)
    if session is not None:
        rescore_submitters_applications(session, [submission.submitter_id,
                                                  previous_submitter_id])


def rescore_submitters_applications(session: Session,
                                    submitter_ids: Iterable[int | None]) -> None:
    """Queue the rescoring of every open application where these people have active submissions."""
    ids = sorted({i for i in submitter_ids if i is not None})
    if not ids:
        return
    for application_id in session.scalars(
            select(Submission.application_id).distinct()
            .join(Application, Application.id == Submission.application_id)
            .where(Submission.submitter_id.in_(ids), Submission.status == ACTIVE,
                   Application.status == OPEN)):
        rescore_after_commit(session, application_id)


def rescore_before_freeze(application: Application, session: Session, **_: Any) -> None:
    """Rescore an application in the freezing transaction, so its report copies fresh scores."""
    rescore_application(session, application.id)
