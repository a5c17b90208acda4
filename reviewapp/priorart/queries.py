"""Finding submissions: by document on an application, and their history (by id: loaders)."""
from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, joinedload

from ..models import Application, Submission, SubmissionRevision


def find_submission(session: Session, application: Application, key: str) -> Submission | None:
    """Return the submission of the document keyed `key` on `application`, whatever its status."""
    return session.scalar(
        select(Submission).where(Submission.application_id == application.id,
                                 Submission.identifier == key)
    )


def revisions_query(submission: Submission) -> Select:
    """Return a select of a submission's earlier versions, newest first."""
    return (
        select(SubmissionRevision)
        .where(SubmissionRevision.submission_id == submission.id)
        .options(joinedload(SubmissionRevision.editor))
        .order_by(SubmissionRevision.version.desc(), SubmissionRevision.id.desc())
    )
