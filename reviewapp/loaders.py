"""Loading the row a URL names for a view: found and visible to the current user, or 404."""
from __future__ import annotations

from flask import abort
from flask_login import current_user

from .applications.services import get_application
from .extensions import db
from .models import Application, Submission
from .priorart.queries import get_submission


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
