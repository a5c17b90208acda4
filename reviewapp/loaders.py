"""Loading the row a URL names: with what its pages show, and for views visible or 404.

The one home of these loaders (the issue of two `get_submission`s with different eager loads);
it depends on the models alone, so every feature may use it without an import cycle.
"""
from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session, contains_eager, joinedload, selectinload

from .extensions import db
from .models import Application, Document, Endorsement, Submission


def get_application(session: Session, number: str) -> Application | None:
    """Return the application with what its page shows loaded: document, claims, classes."""
    document = contains_eager(Application.document)
    return session.scalar(
        select(Application)
        .join(Application.document)
        .where(Document.publication_number == number.strip().upper())
        .options(document.undefer(Document.description),
                 document.selectinload(Document.claims),
                 document.selectinload(Document.classifications))
    )


def get_submission(session: Session, submission_id: int) -> Submission | None:
    """Return a submission with its application, submitter, claims and endorsements loaded."""
    return session.scalar(
        select(Submission).where(Submission.id == submission_id).options(
            joinedload(Submission.application),
            joinedload(Submission.submitter),
            selectinload(Submission.claims),
            selectinload(Submission.endorsements).joinedload(Endorsement.user),
        )
    )


def application_or_404(number: str) -> Application:
    """Return the application with this publication number, with what its pages show, or abort 404."""
    application = get_application(db.session, number)
    if application is None:
        abort(404)
    return application


def submission_or_404(submission_id: int) -> Submission:
    """Return the submission with this id if the current user may see it (`can_view`), or abort 404."""
    submission = get_submission(db.session, submission_id)
    if submission is None or not submission.can_view(current_user):
        abort(404)
    return submission
