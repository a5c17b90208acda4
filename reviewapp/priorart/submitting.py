"""Putting prior art forward: a new submission, or an endorsement of the same document."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from ..models import Application, Document, Endorsement, Submission, User
from ..models.base import utcnow
from ..models.submission import US, WITHDRAWN, lock_submission
from ..signals import submission_created, submission_rated
from .checks import SubmissionData, SubmissionError, check_conflict, check_details, parse
from .citations import cited_details
from .conflicts import declare_conflict, needs_conflict_declaration
from .endorsing import display_identifier, endorse, ensure_can_endorse, resubmit
from .identifiers import Identifier, strip_kind_code
from .queries import find_submission

CREATED, ENDORSED = "created", "endorsed"


@dataclass
class SubmissionOutcome:
    """What `submit_prior_art` did: created a submission or endorsed an existing one."""

    status: str  # created | endorsed
    submission: Submission
    endorsement: Endorsement | None = None

    @property
    def created(self) -> bool:
        return self.status == CREATED

    @property
    def message(self) -> str:
        if self.created:
            return "Your prior art was submitted. Thank you!"
        return "This document was already submitted; your explanation was added as an endorsement."


def find_library_document(session: Session, identifier: Identifier) -> Document | None:
    """Return the library's copy of a US document, whatever its kind code, preferring the one given."""
    if identifier.kind != US:
        return None
    candidates = session.scalars(
        select(Document).where(Document.number_key == identifier.key)
        .options(selectinload(Document.classifications))
    ).all()
    matches = [d for d in candidates if strip_kind_code(d.publication_number, identifier.key) is not None]
    # The kind code the volunteer gave first, then the earliest publication (the one that is prior art).
    matches.sort(key=lambda d: (strip_kind_code(d.publication_number, identifier.key) != identifier.kind_code,
                                d.publication_date or dt.date.max, d.publication_number))
    return matches[0] if matches else None


def submit_prior_art(session: Session, application: Application, user: User, data: SubmissionData,
                     now: dt.datetime | None = None) -> SubmissionOutcome:
    """Put a document forward on `application`; a document already there gets an endorsement instead.

    A new (or resubmitted) item sends `submission_created`, an endorsement `submission_rated`.
    """
    outcome = store_prior_art(session, application, user, data, now)
    signal = submission_created if outcome.status == CREATED else submission_rated
    signal.send(outcome.submission, session=session)
    return outcome


def store_prior_art(session: Session, application: Application, user: User, data: SubmissionData,
                    now: dt.datetime | None = None) -> SubmissionOutcome:
    """Check and store a submission or an endorsement (see `submit_prior_art`)."""
    now = now or utcnow()
    refusal = application.submit_refusal(user, now)
    if refusal:
        raise SubmissionError(f"{refusal} Nothing was saved.")
    identifier = parse(data)
    library = find_library_document(session, identifier)
    cited = cited_details(session, identifier.key) if library is None and identifier.is_patent else None
    values = check_details(application, data, data.kind, library, now, cited)
    first = needs_conflict_declaration(session, application, user)
    if first:
        check_conflict(data)
    existing = find_submission(session, application, identifier.key)
    if existing is not None:
        # Locked and read again, as a withdrawal locks it: one at the same time waits for this
        # endorsement (and hands the item over to it), or this sees the item withdrawn and
        # resubmits it; never an endorsement of a withdrawn item.
        lock_submission(session, existing)
        ensure_can_endorse(existing, user)
    # Every check passed: from here on, writes.
    if first:
        declare_conflict(session, application, user, has_conflict=bool(data.has_conflict),
                         statement=data.conflict_statement)
    if existing is None:
        submission = Submission(
            application_id=application.id, submitter_id=user.id, kind=data.kind,
            identifier=identifier.key, identifier_raw=display_identifier(identifier, library),
            library_document_id=library.id if library else None, **values,
        )
        try:
            # Two volunteers may submit the same document at once: the unique constraint picks one.
            with session.begin_nested():
                session.add(submission)
            return SubmissionOutcome(CREATED, submission)
        except IntegrityError:
            existing = find_submission(session, application, identifier.key)
            if existing is None:
                raise
            lock_submission(session, existing)
            ensure_can_endorse(existing, user)
    if existing.status == WITHDRAWN:
        return SubmissionOutcome(CREATED, resubmit(session, existing, user, identifier, library, values, now))
    return SubmissionOutcome(ENDORSED, existing, endorse(session, existing, user, values))
