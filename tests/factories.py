"""Factory helpers that build consistent rows for tests (flush, never commit)."""
from __future__ import annotations

import datetime as dt
import itertools

from reviewapp.extensions import db
from reviewapp.models import Application, Claim, Classification, Document, Submission, User
from reviewapp.models.application import OPEN
from reviewapp.models.base import utcnow

_counter = itertools.count(1)
PASSWORD = "correct horse battery"


def make_user(role: str = "volunteer", *, email: str | None = None, name: str | None = None,
              password: str = PASSWORD, **fields) -> User:
    """Create an account with a known password."""
    n = next(_counter)
    user = User(email=email or f"user{n}@example.test", display_name=name or f"Reviewer {n}",
                role=role, **fields)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def make_document(*, doc_type: str = "grant", number: str | None = None, title: str = "A widget",
                  claims: list[tuple[int, str, list[int]]] | None = None,
                  publication_date: dt.date | None = dt.date(2010, 1, 5),
                  priority_date: dt.date | None = None, cpc: list[str] | None = None,
                  abstract: str = "A widget with a sprocket.", **fields) -> Document:
    """Create a library document with claims and CPC classes."""
    n = next(_counter)
    if number is None:
        number = f"US{2020000000 + n}A1" if doc_type == "application" else f"US{7000000 + n}B2"
    document = Document(
        publication_number=number, doc_type=doc_type, country="US", doc_number=number[2:-2],
        kind=number[-2:], title=title, abstract=abstract, publication_date=publication_date,
        priority_date=priority_date, filing_date=priority_date, **fields,
    )
    document.claims = [
        Claim(number=num, text=text, depends_on=deps, independent=not deps)
        for num, text, deps in (claims or [(1, "A widget comprising a sprocket.", [])])
    ]
    document.classifications = [
        Classification(scheme="cpc", symbol=symbol, position=i) for i, symbol in enumerate(cpc or [])
    ]
    db.session.add(document)
    db.session.flush()
    return document


def make_application(*, status: str = OPEN, days_left: int = 60,
                     priority_date: dt.date = dt.date(2019, 6, 1), **fields) -> Application:
    """Create an application under review, its window open by default."""
    fields.setdefault("claims", [
        (1, "A method of cooling a battery comprising circulating a coolant.", []),
        (2, "The method of claim 1, wherein the coolant is glycol.", [1]),
        (3, "A system comprising a pump and a battery pack.", []),
    ])
    fields.setdefault("cpc", ["H01M 10/613", "H01M 10/625"])
    document = make_document(doc_type="application", priority_date=priority_date,
                             publication_date=priority_date + dt.timedelta(days=540), **fields)
    now = utcnow()
    application = Application(document=document, status=status)
    if status != "pending":
        application.opens_at = now - dt.timedelta(days=90 - days_left)
        application.closes_at = now + dt.timedelta(days=days_left)
    db.session.add(application)
    db.session.flush()
    return application


def make_submission(application: Application, submitter: User, *, identifier: str | None = None,
                    publication_date: dt.date = dt.date(2015, 3, 3), claim_numbers=(1,),
                    explanation: str = "Shows the coolant loop of claim 1.", **fields) -> Submission:
    """Create an active prior-art submission tied to some claims."""
    n = next(_counter)
    submission = Submission(
        application=application, submitter=submitter, kind=fields.pop("kind", "us"),
        identifier=identifier or f"US{6000000 + n}B1", title=fields.pop("title", f"Prior widget {n}"),
        publication_date=publication_date, explanation=explanation, **fields,
    )
    submission.claims = [c for c in application.document.claims if c.number in claim_numbers]
    db.session.add(submission)
    db.session.flush()
    return submission
