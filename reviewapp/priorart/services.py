"""Prior-art services: submit, endorse duplicates, edit, withdraw, declare conflicts."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from sqlalchemy import Select, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, selectinload

from ..models import (
    Application, Claim, ClaimMark, ConflictDeclaration, Document, Endorsement, Submission,
    SubmissionRevision, User, Vote,
)
from ..models.application import CLOSED
from ..models.base import insert_missing, utcnow
from ..models.submission import ACTIVE, HIDDEN, KINDS, MAX_EXPLANATION, NPL, US, WITHDRAWN
from ..community.services import notify_new_submission
from ..tasks import rescore_after_commit
from .citations import CitedDetails, cited_details
from .identifiers import Identifier, IdentifierError, UrlError, check_url, parse_identifier, strip_kind_code

CREATED, ENDORSED = "created", "endorsed"
MAX_PINPOINT = 255
NO_CONFLICT_STATEMENT = "Describe your conflict of interest: the examiner reads it."
ALREADY_ENDORSED = "You already endorsed this document on this application."


class SubmissionError(ValueError):
    """A prior-art operation refused, with a message for the volunteer and the field it concerns."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass
class SubmissionDetails:
    """What a volunteer says about a document: the part of a submission they may edit."""

    title: str = ""
    authors: str = ""
    publication_date: dt.date | None = None
    url: str = ""
    pinpoint: str = ""
    excerpt: str = ""
    claim_numbers: list[int] = field(default_factory=list)
    explanation: str = ""


@dataclass
class SubmissionData(SubmissionDetails):
    """A new submission: the document, the details and, before a first one, the conflict statement."""

    kind: str = US
    identifier: str = ""
    has_conflict: bool | None = None  # None: not answered
    conflict_statement: str = ""


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


# --- reading ------------------------------------------------------------------------------

def get_submission(session: Session, submission_id: int) -> Submission | None:
    """Return a submission with its application, claims and endorsements loaded."""
    return session.scalar(
        select(Submission).where(Submission.id == submission_id).options(
            joinedload(Submission.submitter),
            selectinload(Submission.claims),
            selectinload(Submission.endorsements).joinedload(Endorsement.user),
        )
    )


def find_submission(session: Session, application: Application, key: str) -> Submission | None:
    """Return the submission of the document keyed `key` on `application`, whatever its status."""
    return session.scalar(
        select(Submission).where(Submission.application_id == application.id, Submission.identifier == key)
    )


def revisions_query(submission: Submission) -> Select:
    """Return a select of a submission's earlier versions, newest first."""
    return (
        select(SubmissionRevision)
        .where(SubmissionRevision.submission_id == submission.id)
        .options(joinedload(SubmissionRevision.editor))
        .order_by(SubmissionRevision.version.desc(), SubmissionRevision.id.desc())
    )


def can_view(submission: Submission, user: User | None) -> bool:
    """Tell whether `user` may see a submission: hidden ones only its submitter and moderators."""
    if submission.status != HIDDEN:
        return True
    return bool(user is not None and user.is_authenticated
                and (user.id == submission.submitter_id or submission.application.can_manage(user)))


def edit_refusal(submission: Submission, user: User | None) -> str | None:
    """Return why `user` may not edit or withdraw `submission`, or None when they may."""
    if submission.can_edit(user):
        return None
    if user is None or not user.is_authenticated or user.id != submission.submitter_id:
        return "Only the volunteer who submitted this prior art may change it."
    if submission.status != ACTIVE:
        return f"This submission is {submission.status}; it can no longer be changed."
    return "The review window is closed; submissions can no longer be changed."


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


def needs_conflict_declaration(session: Session, application: Application, user: User) -> bool:
    """Tell whether `user` must still state their conflicts of interest on `application`."""
    return conflict_declaration(session, application, user) is None


def conflict_declaration(session: Session, application: Application,
                         user: User) -> ConflictDeclaration | None:
    """Return what `user` declared about conflicts on `application`, if anything."""
    return session.scalar(
        select(ConflictDeclaration).where(
            ConflictDeclaration.user_id == user.id, ConflictDeclaration.application_id == application.id
        )
    )


# --- checks shared by submitting and editing -----------------------------------------------

def earliest_priority(application: Application) -> dt.date | None:
    """Return the date prior art must precede: the earliest priority date, else the filing date."""
    document = application.document
    return document.priority_date or document.filing_date


def check_window(application: Application, now: dt.datetime) -> None:
    """Refuse when the review window is not open."""
    if not application.is_open(now):
        state = "closed" if application.status == CLOSED else "not open"
        raise SubmissionError(f"The review window of {application.number} is {state}: prior art can be "
                              "submitted or changed only while it is open. Nothing was saved.")


def check_date(application: Application, published: dt.date | None, now: dt.datetime) -> dt.date:
    """Return the publication date when it can make the document prior art; refuse it otherwise."""
    if published is None:
        raise SubmissionError("Give the publication date: the examiner checks it against the application's "
                              "priority date.", "publication_date")
    priority = earliest_priority(application)
    if priority is not None and published >= priority:
        raise SubmissionError(
            f"Published {published.isoformat()}, on or after this application's earliest priority date "
            f"{priority.isoformat()}: it cannot be prior art against these claims.", "publication_date")
    if published > now.date():
        raise SubmissionError(f"{published.isoformat()} is in the future: give the date the document was "
                              "published.", "publication_date")
    return published


def check_claims(application: Application, numbers: list[int]) -> list[Claim]:
    """Return the application's claims with these numbers; refuse none or unknown ones."""
    by_number = {claim.number: claim for claim in application.document.claims}
    if not numbers:
        raise SubmissionError("Choose at least one claim this document bears on.", "claims")
    unknown = sorted(set(numbers) - set(by_number))
    if unknown:
        raise SubmissionError(f"This application has no claim {', '.join(map(str, unknown))}.", "claims")
    return [by_number[n] for n in sorted(set(numbers))]


def normalise_text(text: str | None) -> str:
    """Return `text` trimmed, with browser line endings (CRLF) counted as one character."""
    return re.sub(r"\r\n?", "\n", text or "").strip()


def check_explanation(text: str) -> str:
    """Return the concise description of relevance; refuse an empty or too long one."""
    text = normalise_text(text)
    if not text:
        raise SubmissionError("Explain concisely how this document is relevant to the claims.", "explanation")
    if len(text) > MAX_EXPLANATION:
        raise SubmissionError(f"{len(text):,} characters: shorten the explanation to at most "
                              f"{MAX_EXPLANATION:,}, the limit of the USPTO's preissuance form.",
                              "explanation")
    return text


def check_details(application: Application, details: SubmissionDetails, kind: str,
                  library: Document | None, now: dt.datetime, cited: CitedDetails | None = None) -> dict:
    """Return the checked column values of `details`, filled from the library copy when left blank.

    A document the library does not hold but its documents cite gets the date and the patentee
    those citations give (`cited`).
    """
    try:
        url = check_url(details.url)
    except UrlError as error:
        raise SubmissionError(str(error), "url") from None
    pinpoint = normalise_text(details.pinpoint)
    if len(pinpoint) > MAX_PINPOINT:
        raise SubmissionError(f"Keep the pinpoint under {MAX_PINPOINT} characters.", "pinpoint")
    title = normalise_text(details.title) or (library.title if library else "")
    if kind == NPL and not title:
        raise SubmissionError("Give the title of this non-patent literature.", "title")
    published = details.publication_date or (library.publication_date if library else None)
    authors = normalise_text(details.authors)
    if library is None and cited is not None:
        published = published or cited.publication_date
        authors = authors or cited.name
    return {
        "title": title,
        "authors": authors,
        "publication_date": check_date(application, published, now),
        "url": url,
        "pinpoint": pinpoint,
        "excerpt": normalise_text(details.excerpt),
        "claims": check_claims(application, details.claim_numbers),
        "explanation": check_explanation(details.explanation),
    }


def parse(data: SubmissionData) -> Identifier:
    """Return the identifier of the submitted document, or refuse it next to the identifier field."""
    if data.kind not in KINDS:
        raise SubmissionError("Choose the kind of document.", "kind")
    try:
        return parse_identifier(data.kind, data.identifier, url=data.url, title=data.title)
    except IdentifierError as error:
        raise SubmissionError(str(error), "identifier") from None


def check_conflict(data: SubmissionData) -> None:
    """Refuse a first submission without a conflict-of-interest statement."""
    if data.has_conflict is None:
        raise SubmissionError("Confirm you have no conflict of interest with the applicant, or declare one.",
                              "conflict")
    if data.has_conflict and not normalise_text(data.conflict_statement):
        raise SubmissionError(NO_CONFLICT_STATEMENT, "conflict_statement")


def submission_problems(application: Application, data: SubmissionData,
                        now: dt.datetime | None = None) -> list[SubmissionError]:
    """Return the refusals of the checks that need no database, so a form shows them all at once."""
    checks = [lambda: parse(data)]
    if data.publication_date is not None:  # a blank date may come from the library copy
        checks.append(lambda: check_date(application, data.publication_date, now or utcnow()))
    problems = []
    for check in checks:
        try:
            check()
        except SubmissionError as error:
            problems.append(error)
    return problems


# --- writing ------------------------------------------------------------------------------

def submit_prior_art(session: Session, application: Application, user: User, data: SubmissionData,
                     now: dt.datetime | None = None) -> SubmissionOutcome:
    """Put a document forward on `application`; a document already there gets an endorsement instead."""
    outcome = store_prior_art(session, application, user, data, now)
    if outcome.status == CREATED:
        notify_new_submission(session, outcome.submission)
    rescore_after_commit(session, application.id)
    return outcome


def store_prior_art(session: Session, application: Application, user: User, data: SubmissionData,
                    now: dt.datetime | None = None) -> SubmissionOutcome:
    """Check and store a submission or an endorsement (see `submit_prior_art`)."""
    now = now or utcnow()
    check_window(application, now)
    identifier = parse(data)
    library = find_library_document(session, identifier)
    cited = cited_details(session, identifier.key) if library is None and identifier.is_patent else None
    values = check_details(application, data, data.kind, library, now, cited)
    first = needs_conflict_declaration(session, application, user)
    if first:
        check_conflict(data)
    existing = find_submission(session, application, identifier.key)
    if existing is not None:
        check_can_endorse(session, existing, user)
    # Every check passed: from here on, writes.
    if first:
        declare_conflict(session, application, user, has_conflict=bool(data.has_conflict),
                         statement=data.conflict_statement)
    if existing is None:
        submission = Submission(
            application_id=application.id, submitter_id=user.id, kind=data.kind, identifier=identifier.key,
            identifier_raw=display_identifier(identifier, library),
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
            check_can_endorse(session, existing, user)
    if existing.status == WITHDRAWN:
        return SubmissionOutcome(CREATED, resubmit(session, existing, user, identifier, library, values, now))
    return SubmissionOutcome(ENDORSED, existing, endorse(session, existing, user, values))


def display_identifier(identifier: Identifier, library: Document | None) -> str:
    """Return the identifier as shown and reported: with the kind code given, else the library's."""
    if library is not None and not identifier.kind_code:
        return library.publication_number
    return identifier.display[:255]


def check_can_endorse(session: Session, submission: Submission, user: User) -> None:
    """Refuse a duplicate that cannot become an endorsement: one's own, or already endorsed."""
    if submission.status == HIDDEN:
        raise SubmissionError("This document was removed from this review by the moderators.", "identifier")
    if submission.status != ACTIVE:
        return
    if submission.submitter_id == user.id:
        raise SubmissionError("You already submitted this document on this application: edit your "
                              "submission to change it. Nothing was duplicated.", "identifier")
    if session.scalar(select(Endorsement.id).where(Endorsement.submission_id == submission.id,
                                                   Endorsement.user_id == user.id)) is not None:
        raise SubmissionError(ALREADY_ENDORSED, "identifier")


def endorse(session: Session, submission: Submission, user: User, values: dict) -> Endorsement:
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
    insert_missing(session, ClaimMark.__table__, [
        {"submission_id": submission.id, "user_id": user.id, "claim_id": claim.id}
        for claim in values["claims"]])
    session.flush()
    session.expire(submission, ["endorsements"])
    return endorsement


def resubmit(session: Session, submission: Submission, user: User, identifier: Identifier,
             library: Document | None, values: dict, now: dt.datetime) -> Submission:
    """Bring a withdrawn submission back as `user`'s, keeping its history and endorsements."""
    record_revision(session, submission, user, "restore", now)
    for endorsement in list(submission.endorsements):
        if endorsement.user_id == user.id:  # the new submitter no longer endorses their own item
            submission.endorsements.remove(endorsement)
    submission.submitter_id = user.id
    drop_own_vote(session, submission, user.id)  # a vote cast before resubmitting would be on one's own
    submission.identifier_raw = display_identifier(identifier, library)
    submission.library_document_id = library.id if library else None
    apply_values(submission, values)
    submission.status = ACTIVE
    session.flush()
    return submission


def edit_submission(session: Session, submission: Submission, user: User, details: SubmissionDetails,
                    now: dt.datetime | None = None) -> bool:
    """Change one's own submission while the window is open; return False when nothing changed."""
    now = now or utcnow()
    refusal = edit_refusal(submission, user)
    if refusal:
        raise SubmissionError(refusal)
    library = submission.library_document
    cited = cited_details(session, submission.identifier) if library is None and submission.kind != NPL else None
    values = check_details(submission.application, details, submission.kind, library, now, cited)
    if all(getattr(submission, name) == value for name, value in values.items()):
        return False
    record_revision(session, submission, user, "edit", now)
    apply_values(submission, values)
    session.flush()
    rescore_after_commit(session, submission.application_id)
    return True


def withdraw_submission(session: Session, submission: Submission, user: User,
                        now: dt.datetime | None = None) -> User | None:
    """Withdraw one's own submission while the window is open, keeping its history.

    While someone still puts the document forward, it stays: the earliest endorser becomes its
    submitter of record (returned), with their explanation, pinpoint and claims; everyone
    else's endorsements, votes and marks stay with it. Otherwise it is withdrawn (None).
    """
    now = now or utcnow()
    # Locked and read again (PostgreSQL): a second withdrawal at once (a double click) waits,
    # then finds the item handed over or withdrawn and is refused.
    session.execute(select(Submission.id).where(Submission.id == submission.id).with_for_update())
    session.refresh(submission)
    refusal = edit_refusal(submission, user)
    if refusal:
        raise SubmissionError(refusal)
    successor = earliest_endorsement(session, submission)
    if successor is None:
        record_revision(session, submission, user, "withdraw", now)
        submission.status = WITHDRAWN
    else:
        record_revision(session, submission, user, "handover", now)
        hand_over(session, submission, successor)
    session.flush()
    rescore_after_commit(session, submission.application_id)
    return successor.user if successor else None


def earliest_endorsement(session: Session, submission: Submission) -> Endorsement | None:
    """Return the first endorsement of `submission`."""
    return session.scalar(
        select(Endorsement).where(Endorsement.submission_id == submission.id)
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


def drop_own_vote(session: Session, submission: Submission, user_id: int) -> None:
    """Delete `user_id`'s vote on `submission`: nobody votes on what they put forward."""
    session.execute(delete(Vote).where(Vote.submission_id == submission.id, Vote.user_id == user_id))


def apply_values(submission: Submission, values: dict) -> None:
    """Copy checked values onto `submission`."""
    for name, value in values.items():
        setattr(submission, name, value)


def snapshot(submission: Submission) -> dict:
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


def declare_conflict(session: Session, application: Application, user: User, *, has_conflict: bool,
                     statement: str = "") -> ConflictDeclaration:
    """Record `user`'s conflict-of-interest statement on `application` (replacing an earlier one)."""
    statement = normalise_text(statement) if has_conflict else ""
    if has_conflict and not statement:
        raise SubmissionError(NO_CONFLICT_STATEMENT, "conflict_statement")
    declaration = conflict_declaration(session, application, user)
    if declaration is None:
        declaration = ConflictDeclaration(user_id=user.id, application_id=application.id)
        try:
            with session.begin_nested():
                session.add(declaration)
        except IntegrityError:  # declared at the same moment in another request
            declaration = conflict_declaration(session, application, user)
    declaration.has_conflict = has_conflict
    declaration.statement = statement
    session.flush()
    return declaration
