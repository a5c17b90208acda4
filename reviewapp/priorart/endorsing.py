"""Putting forward a document already on an application: an endorsement, or a resubmission."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..models import ClaimMark, Document, Endorsement, Submission, User, Vote
from ..models.base import insert_missing
from ..models.submission import ACTIVE, ALREADY_ENDORSED
from ..signals import submitter_changed
from .checks import SubmissionError
from .identifiers import Identifier
from .revisions import apply_values, record_revision


def ensure_can_endorse(submission: Submission, user: User) -> None:
    """Refuse a duplicate that cannot become an endorsement: one's own, already endorsed, hidden."""
    refusal = submission.endorse_refusal(user)
    if refusal:
        raise SubmissionError(refusal, "identifier")


def display_identifier(identifier: Identifier, library: Document | None) -> str:
    """Return the identifier as shown and reported: with the kind code given, else the library's."""
    if library is not None and not identifier.kind_code:
        return library.publication_number
    return identifier.display[:255]


def drop_own_vote(session: Session, submission: Submission, user_id: int) -> None:
    """Delete `user_id`'s vote on `submission`: nobody votes on what they put forward."""
    session.execute(delete(Vote).where(Vote.submission_id == submission.id, Vote.user_id == user_id))


def drop_own_marks(session: Session, submission: Submission, user_id: int) -> None:
    """Delete `user_id`'s claim marks on `submission`, now theirs: its claims say what they read.

    A submitter can't mark (or unmark) claims on their own item, and their marks would count
    twice beside the claims the item targets.
    """
    session.execute(delete(ClaimMark).where(ClaimMark.submission_id == submission.id,
                                            ClaimMark.user_id == user_id))


def endorse(session: Session, submission: Submission, user: User, values: dict[str, Any]) -> Endorsement:
    """Add `user`'s explanation and pinpoint to `submission`, and mark the claims they chose."""
    # By id, not relationship: a refused insert must not linger in the loaded collection.
    endorsement = Endorsement(submission_id=submission.id, user_id=user.id,
                              explanation=values["explanation"], pinpoint=values["pinpoint"])
    try:
        with session.begin_nested():
            session.add(endorsement)
    except IntegrityError:
        raise SubmissionError(ALREADY_ENDORSED, "identifier") from None
    drop_own_vote(session, submission, user.id)  # endorsers do not vote on what they endorse
    # The endorser's choice of claims is kept as their "reads on claim N" marks (some may be there).
    insert_missing(session, ClaimMark, [
        {"submission_id": submission.id, "user_id": user.id, "claim_id": claim.id}
        for claim in values["claims"]])
    session.flush()
    session.expire(submission, ["endorsements"])
    return endorsement


def resubmit(session: Session, submission: Submission, user: User, identifier: Identifier,
             library: Document | None, values: dict[str, Any], now: dt.datetime) -> Submission:
    """Bring a withdrawn submission back as `user`'s, keeping its history and endorsements.

    Sends `submitter_changed`: the verdicts it got count for `user` from now on.
    """
    previous_submitter_id = submission.submitter_id
    record_revision(session, submission, user, "resubmit", now)
    for endorsement in list(submission.endorsements):
        if endorsement.user_id == user.id:  # the new submitter no longer endorses their own item
            submission.endorsements.remove(endorsement)
    submission.submitter_id = user.id
    drop_own_vote(session, submission, user.id)  # a vote cast before resubmitting would be on one's own
    drop_own_marks(session, submission, user.id)
    submission.identifier_raw = display_identifier(identifier, library)
    submission.library_document_id = library.id if library else None
    apply_values(submission, values)
    submission.status = ACTIVE
    session.flush()
    submitter_changed.send(submission, session=session, previous_submitter_id=previous_submitter_id)
    return submission
