"""Loading submissions: by id with what their pages show, by document, and their history."""
from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, joinedload, selectinload

from ..models import Application, Endorsement, Submission, SubmissionRevision


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
