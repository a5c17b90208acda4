"""The ranking's jobs and reactions: rescore and train handlers, and the signals it answers.

`register(app)` (called by the factory) gives the queue the "rescore" job (an outbox row,
run until it succeeds) and the "train" task (a Huey message), and connects the receivers:
changes to an application's submissions or their verdicts queue its rescoring in the
transaction of the change; a report about to freeze is rescored at once, inside the freeze.
"""
from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy.orm import Session, object_session

from ..extensions import db
from ..models import Application, Feedback, Submission
from ..signals import (
    report_freezing,
    submission_changed,
    submission_created,
    submission_rated,
    submission_withdrawn,
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
    """Queue the rescoring of the application whose submission just got a verdict."""
    # The verdict changes the submitter's track record, a feature of their submissions.
    session = session or object_session(feedback)
    if session is not None:
        rescore_after_commit(session, feedback.submission.application_id)


def rescore_before_freeze(application: Application, session: Session, **_: Any) -> None:
    """Rescore an application in the freezing transaction, so its report copies fresh scores."""
    rescore_application(session, application.id)
