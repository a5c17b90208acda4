"""What a volunteer says about a document, and the checks it must pass to be stored."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..inputs import normalise_text
from ..models import Application, Claim, Document
from ..models.base import utcnow
from ..models.submission import KINDS, MAX_EXPLANATION, NPL, US
from .citations import CitedDetails
from .identifiers import Identifier, IdentifierError, UrlError, check_url, parse_identifier

MAX_PINPOINT = 255
# The year of the first US patent (and the search's lowest year): an earlier date is almost
# surely a typo (0215 for 2015), which the edit form could not even show back as typed.
EARLIEST_PUBLICATION = dt.date(1790, 1, 1)
NO_CONFLICT_STATEMENT = "Describe your conflict of interest: the examiner reads it."


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


def earliest_priority(application: Application) -> dt.date | None:
    """Return the date prior art must precede: the earliest priority date, else the filing date."""
    document = application.document
    return document.priority_date or document.filing_date


def check_date(application: Application, published: dt.date | None, now: dt.datetime) -> dt.date:
    """Return the publication date when it can make the document prior art; refuse it otherwise."""
    if published is None:
        raise SubmissionError("Give the publication date: the examiner checks it against the "
                              "application's priority date.", "publication_date")
    if published < EARLIEST_PUBLICATION:
        raise SubmissionError(
            f"{published.isoformat()} is before {EARLIEST_PUBLICATION.year}, the year of the first US "
            "patent: check the year of the publication date.", "publication_date")
    priority = earliest_priority(application)
    if priority is not None and published >= priority:
        raise SubmissionError(
            f"Published {published.isoformat()}, on or after this application's earliest priority "
            f"date {priority.isoformat()}: it cannot be prior art against these claims.",
            "publication_date")
    if published > now.date():
        raise SubmissionError(f"{published.isoformat()} is in the future: give the date the document "
                              "was published.", "publication_date")
    return published


def check_library_date(application: Application, typed: dt.date | None, library: Document | None,
                       now: dt.datetime) -> dt.date | None:
    """Return the library copy's publication date when it has one, checked; else the typed date.

    The library's date is the record's, not a guess: it is checked and stored whatever was typed,
    so a typed earlier date cannot get a later document past the priority date. A typed date
    that differs is refused rather than replaced: it may mean the volunteer read another
    document (a mistyped number, another publication of the family), so they check which,
    instead of the item silently carrying a date they never gave.
    """
    if library is None or library.publication_date is None:
        return typed
    known = library.publication_date
    try:
        check_date(application, known, now)
    except SubmissionError as error:
        raise SubmissionError(f"The library holds {library.publication_number}. {error.message}",
                              error.field) from None
    if typed is not None and typed != known:
        raise SubmissionError(
            f"The library's copy, {library.publication_number}, was published {known.isoformat()}, "
            f"not {typed.isoformat()}: give its date (or leave the date blank), or check the number.",
            "publication_date")
    return known


def check_claims(application: Application, numbers: list[int]) -> list[Claim]:
    """Return the application's claims with these numbers; refuse none or unknown ones."""
    by_number = {claim.number: claim for claim in application.document.claims}
    if not numbers:
        raise SubmissionError("Choose at least one claim this document bears on.", "claims")
    unknown = sorted(set(numbers) - set(by_number))
    if unknown:
        raise SubmissionError(f"This application has no claim {', '.join(map(str, unknown))}.", "claims")
    return [by_number[n] for n in sorted(set(numbers))]


def check_explanation(text: str) -> str:
    """Return the concise description of relevance; refuse an empty or too long one."""
    text = normalise_text(text)
    if not text:
        raise SubmissionError("Explain concisely how this document is relevant to the claims.",
                              "explanation")
    if len(text) > MAX_EXPLANATION:
        raise SubmissionError(f"{len(text):,} characters: shorten the explanation to at most "
                              f"{MAX_EXPLANATION:,}, the limit of the USPTO's preissuance form.",
                              "explanation")
    return text


def check_details(application: Application, details: SubmissionDetails, kind: str,
                  library: Document | None, now: dt.datetime,
                  cited: CitedDetails | None = None) -> dict[str, Any]:
    """Return the checked column values of `details`, filled from the library copy when left blank.

    The library copy's publication date is authoritative (see `check_library_date`). A document
    the library does not hold but its documents cite gets the date and the patentee those
    citations give (`cited`) when left blank.
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
    published = check_library_date(application, details.publication_date, library, now)
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
        raise SubmissionError("Confirm you have no conflict of interest with the applicant, or "
                              "declare one.", "conflict")
    if data.has_conflict and not normalise_text(data.conflict_statement):
        raise SubmissionError(NO_CONFLICT_STATEMENT, "conflict_statement")


def submission_problems(application: Application, data: SubmissionData,
                        now: dt.datetime | None = None) -> list[SubmissionError]:
    """Return the refusals of the checks that need no database, so a form shows them all at once."""
    checks: list[Callable[[], object]] = [lambda: parse(data)]
    if data.publication_date is not None:  # a blank date may come from the library copy
        checks.append(lambda: check_date(application, data.publication_date, now or utcnow()))
    problems = []
    for check in checks:
        try:
            check()
        except SubmissionError as error:
            problems.append(error)
    return problems
