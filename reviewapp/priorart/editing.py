"""Changing one's own submission: editing it, withdrawing it or handing it over to an endorser."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..models import Claim, ClaimMark, Endorsement, Feedback, Submission, User
from ..models.base import utcnow
from ..models.submission import ACTIVE, NPL, WITHDRAWN, lock_submission
from ..signals import submission_changed, submission_withdrawn, submitter_changed
from .checks import SubmissionDetails, SubmissionError, check_details
from .citations import cited_details
from .endorsing import drop_own_marks, drop_own_vote
from .identifiers import Identifier, rekey_npl
from .revisions import apply_values, record_revision


def ensure_can_edit(submission: Submission, user: User) -> None:
    """Refuse a change by anyone but the submitter, or once it is no longer active or open."""
    refusal = submission.edit_refusal(user)
    if refusal:
        raise SubmissionError(refusal)


def edit_submission(session: Session, submission: Submission, user: User, details: SubmissionDetails,
                    now: dt.datetime | None = None) -> bool:
    """Change one's own submission while the window is open; return False when nothing changed."""
    now = now or utcnow()
    # Locked and read again, as a withdrawal or hand-over locks it: an edit at the same time
    # as one of those (or another edit) waits, then sees who the submitter is now.
    lock_submission(session, submission)
    ensure_can_edit(submission, user)
    library = submission.library_document
    cited = (cited_details(session, submission.identifier)
             if library is None and submission.kind != NPL else None)
    values = check_details(submission.application, details, submission.kind, library, now, cited)
    rekeyed = npl_rekeyed(submission, values)
    if rekeyed is not None:
        identifier, field = rekeyed
        if identifier.key != submission.identifier:
            ensure_not_judged(session, submission, field)
        values.update(identifier=identifier.key, identifier_raw=identifier.display[:255])
        ensure_key_free(session, submission, identifier.key, field)
    if all(getattr(submission, name) == value for name, value in values.items()):
        return False
    try:
        # A savepoint: a refused edit leaves nothing for the re-shown form's request to commit.
        with session.begin_nested():
            record_revision(session, submission, user, "edit", now)
            apply_values(submission, values)
    except IntegrityError:
        if rekeyed is None:
            raise
        # The same document was put forward on the application a moment ago, under the new key.
        ensure_key_free(session, submission, rekeyed[0].key, rekeyed[1])
        raise
    submission_changed.send(submission, session=session)
    return True


def npl_rekeyed(submission: Submission, values: dict[str, Any]) -> tuple[Identifier, str] | None:
    """Return the identifier edited non-patent literature gets, and the field it comes from."""
    # Its key (duplicate detection) came from the address or the title: it follows them.
    if submission.kind != NPL:
        return None
    return rekey_npl(submission.identifier, submission.identifier_raw,
                     (submission.url, submission.title), (values["url"], values["title"]))


def ensure_not_judged(session: Session, submission: Submission, field: str) -> None:
    """Refuse to turn a submission an examiner has judged into another document."""
    # The verdict, the submitter's track record and the ranker's labels would follow the item
    # to a document the examiner never read.
    if session.scalar(select(Feedback.id).where(Feedback.submission_id == submission.id).limit(1)):
        what = "web address" if field == "url" else "title"
        raise SubmissionError(f"An examiner has already judged this document: changing its {what} "
                              "would make it another one. Submit the other document on its own.",
                              field)


def ensure_key_free(session: Session, submission: Submission, key: str, field: str) -> None:
    """Refuse to give `submission` a key another item of its application has."""
    other = session.scalar(select(Submission).where(
        Submission.application_id == submission.application_id, Submission.identifier == key,
        Submission.id != submission.id))
    if other is None:
        return
    what = "web address" if field == "url" else "title"
    if other.status == ACTIVE:
        message = (f"Another submission on this application has this {what}: endorse it "
                   "instead of changing yours into the same document.")
    elif other.status == WITHDRAWN:
        message = (f"A withdrawn submission on this application has this {what}: submit the "
                   "document again instead of changing yours into it.")
    else:
        message = f"A submission with this {what} was removed from this review by the moderators."
    raise SubmissionError(message, field)


def withdraw_submission(session: Session, submission: Submission, user: User,
                        now: dt.datetime | None = None) -> User | None:
    """Withdraw one's own submission while the window is open, keeping its history.

    While someone still puts the document forward, it stays: the earliest endorser whose account
    is active becomes its submitter of record (returned), with their explanation, pinpoint and
    claims; everyone else's endorsements, votes and marks stay with it. Otherwise it is
    withdrawn (None) and `submission_withdrawn` is sent.
    """
    now = now or utcnow()
    # Locked and read again: a second withdrawal at once (a double click) waits, then finds the
    # item handed over or withdrawn and is refused.
    lock_submission(session, submission)
    ensure_can_edit(submission, user)
    previous_submitter_id = submission.submitter_id
    successor = earliest_endorsement(session, submission)
    if successor is None:
        record_revision(session, submission, user, "withdraw", now)
        submission.status = WITHDRAWN
    else:
        record_revision(session, submission, user, "handover", now)
        hand_over(session, submission, successor)
    session.flush()
    if successor is None:
        submission_withdrawn.send(submission, session=session)
        return None
    submission_changed.send(submission, session=session)
    submitter_changed.send(submission, session=session, previous_submitter_id=previous_submitter_id)
    return successor.user


def earliest_endorsement(session: Session, submission: Submission) -> Endorsement | None:
    """Return the first endorsement of `submission` by an account neither banned nor deactivated."""
    # A banned or deactivated account could no longer edit or withdraw the item (it would be
    # stuck with it), and its text would go to the examiner: the next active endorser takes over.
    return session.scalar(
        select(Endorsement).join(User, User.id == Endorsement.user_id)
        .where(Endorsement.submission_id == submission.id, User.active.is_(True),
               User.banned_at.is_(None))
        .order_by(Endorsement.created_at, Endorsement.id).limit(1))


def hand_over(session: Session, submission: Submission, endorsement: Endorsement) -> None:
    """Make an endorser the submitter of record, with what they said about the document."""
    claims = session.scalars(
        select(Claim).join(ClaimMark, ClaimMark.claim_id == Claim.id)
        .where(ClaimMark.submission_id == submission.id, ClaimMark.user_id == endorsement.user_id)
        .order_by(Claim.number)).all()
    submission.submitter_id = endorsement.user_id
    submission.explanation = endorsement.explanation or submission.explanation
    submission.pinpoint = endorsement.pinpoint
    if claims:
        submission.claims = list(claims)
    submission.endorsements.remove(endorsement)
    drop_own_vote(session, submission, endorsement.user_id)
    drop_own_marks(session, submission, endorsement.user_id)
