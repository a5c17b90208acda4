"""A submission's history: snapshots before each change, and applying checked values."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from ..models import Submission, SubmissionRevision, User


def apply_values(submission: Submission, values: dict[str, Any]) -> None:
    """Copy checked values onto `submission`."""
    for name, value in values.items():
        setattr(submission, name, value)


def snapshot(submission: Submission) -> dict[str, Any]:
    """Return the submission's current content as JSON-ready data."""
    return {
        "submitter_id": submission.submitter_id,
        "submitter_name": submission.submitter.display_name if submission.submitter else "",
        "status": submission.status,
        "identifier": submission.identifier_raw or submission.identifier,
        "title": submission.title,
        "authors": submission.authors,
        "publication_date": submission.publication_date.isoformat() if submission.publication_date else None,
        "url": submission.url,
        "pinpoint": submission.pinpoint,
        "excerpt": submission.excerpt,
        "claims": [claim.number for claim in submission.claims],
        "explanation": submission.explanation,
    }


def record_revision(session: Session, submission: Submission, editor: User, action: str,
                    now: dt.datetime) -> SubmissionRevision:
    """Store the submission as it is before `action`, and count a new version."""
    revision = SubmissionRevision(submission=submission, editor_id=editor.id, version=submission.version,
                                  action=action, data=snapshot(submission), created_at=now)
    session.add(revision)
    submission.version += 1
    return revision
