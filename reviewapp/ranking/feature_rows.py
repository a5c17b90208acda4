"""Feature rows from the database: the QueryDoc of an application, the Candidates of its submissions.

Both serving (`scores`) and training (`training`) read submissions through `candidates_where`
and `with_library_signals`, so a feature is computed the same way whether it is scored or
learned from. Training reads the community counts as they were at each item's first verdict
(`as_of_first_verdict`), serving as they are now.
"""
from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from scoring import Candidate, QueryDoc
from scoring.bootstrap import document_key
from scoring.listwise import mentioned_keys

from ..models import (
    Application,
    Claim,
    ClaimMark,
    Classification,
    Document,
    Endorsement,
    Feedback,
    Submission,
    User,
    Vote,
    submission_claims,
)
from ..models.feedback import POSITIVE_VERDICTS
from ..models.submission import ACTIVE
from .library import OwnDocuments, add_library_signals, split_identifier


@dataclass(slots=True)
class ListedQuery(QueryDoc):
    """A QueryDoc whose pairs are only part of its list: `listed` is the whole list.

    Training keeps the judged submissions of an application, while serving ranks all of
    them; `scoring.listwise` counts the list features over `listed`, as serving would.
    """

    listed: list[Candidate] = field(default_factory=list)


def query_for(application: Application) -> QueryDoc:
    """Return the QueryDoc of an application under review."""
    document = application.document
    return QueryDoc(
        id=document.publication_number,
        claims=[(c.number, c.text or "", bool(c.independent)) for c in document.claims],
        priority_date=document.priority_date or document.filing_date,
        cpc=document.cpc, ipc=document.ipc, uspc=document.uspc,
        title=document.title or "", abstract=document.abstract or "",
        countries=list(document.countries or []),
        parties=[*(document.applicants or []), *(document.inventors or [])],
        # The documents the applicant's own description cites by number (already known to them).
        mentions=mentioned_keys(document.description or ""),
    )


def listed_query(query: QueryDoc, listed: Sequence[Candidate]) -> ListedQuery:
    """Return `query` as a ListedQuery whose whole list is `listed`."""
    return ListedQuery(**{f.name: getattr(query, f.name) for f in fields(QueryDoc)},
                       listed=list(listed))


def with_library_signals(session: Session, application: Application, query: QueryDoc,
                         candidates: Sequence[Candidate]) -> None:
    """Fill the candidates' citation-network and full-text signals from the library."""
    if not candidates:
        return
    ids = [int(c.id) for c in candidates]
    rows = {row.id: row for row in session.execute(
        select(Submission.id, Submission.identifier, Document.publication_number)
        .outerjoin(Document, Document.id == Submission.library_document_id)
        .where(Submission.id.in_(ids)))}
    keys: list[str | None] = []
    numbers: dict[str, str] = {}
    for candidate in candidates:
        row = rows.get(int(candidate.id))
        country, number, _ = split_identifier(row.identifier if row else "")
        key = document_key(country, number) if number else None
        keys.append(key)
        if key and row is not None and row.publication_number:
            numbers[key] = row.publication_number
    add_library_signals(session, query, candidates, keys, numbers,
                        OwnDocuments.of(application.document))


def with_library_signals_for_documents(session: Session, application: Application,
                                      query: QueryDoc, candidates: Sequence[Candidate],
                                      documents: Sequence[Document]) -> None:
    """Fill the library signals of candidates that are library documents (machine-found)."""
    keys: list[str | None] = [document_key(d.country, d.doc_number) for d in documents]
    numbers = {k: d.publication_number for k, d in zip(keys, documents) if k}
    add_library_signals(session, query, candidates, keys, numbers,
                        OwnDocuments.of(application.document))


def candidates_for(session: Session, application: Application) -> list[Candidate]:
    """Return a Candidate per active submission of `application`, by submission id."""
    where = (Submission.application_id == application.id, Submission.status == ACTIVE)
    return candidates_where(session, where).get(application.id, [])


def candidates_where(session: Session, where: Sequence[Any], *,
                     as_of_first_verdict: bool = False) -> dict[int, list[Candidate]]:
    """Return the Candidates of the submissions matching `where`, by application id.

    With `as_of_first_verdict`, a judged submission's votes, endorsements and claim marks
    are those recorded up to its first verdict (training); otherwise all of them (serving).
    """
    # A fixed number of queries, whatever the number of submissions. The app records every
    # vote, endorsement and mark, so their zeros are real; what it does not know stays None
    # or empty (no library copy: no text, no classes; no verdict elsewhere: no track record).
    ids = select(Submission.id).where(*where)
    as_of = as_of_first_verdict
    rows = session.execute(
        select(Submission.id, Submission.application_id, Submission.kind, Submission.title,
               Submission.identifier, Submission.authors,
               Submission.publication_date, Submission.excerpt, Submission.explanation,
               Submission.library_document_id, Submission.submitter_id,
               User.verdicts_positive, User.verdicts_total)
        .join(User, User.id == Submission.submitter_id)
        .where(*where).order_by(Submission.application_id, Submission.id)).all()
    if not rows:
        return {}
    targeted = _grouped(session.execute(
        select(submission_claims.c.submission_id, Claim.number)
        .join(Claim, Claim.id == submission_claims.c.claim_id)
        .where(submission_claims.c.submission_id.in_(ids))
        .order_by(submission_claims.c.submission_id, Claim.number)))
    votes: dict[int, tuple[int, int]] = {}
    for submission_id, up, down in session.execute(
            select(Vote.submission_id, _count_if(Vote.value > 0), _count_if(Vote.value < 0))
            .where(Vote.submission_id.in_(ids),
                   *_until_first_verdict(as_of, Vote.submission_id, Vote.updated_at))
            .group_by(Vote.submission_id)):
        votes[submission_id] = (int(up or 0), int(down or 0))
    endorsements = _grouped(session.execute(
        select(Endorsement.submission_id, Endorsement.explanation)
        .where(Endorsement.submission_id.in_(ids),
               *_until_first_verdict(as_of, Endorsement.submission_id, Endorsement.created_at))
        .order_by(Endorsement.id)))
    marks = dict(session.execute(
        select(ClaimMark.submission_id, func.count(ClaimMark.id))
        .where(ClaimMark.submission_id.in_(ids),
               *_until_first_verdict(as_of, ClaimMark.submission_id, ClaimMark.created_at))
        .group_by(ClaimMark.submission_id)).all())
    library = _library(session, select(Submission.library_document_id).where(*where))
    own = _verdicts_by_application(session, select(Submission.application_id).where(*where))
    out: dict[int, list[Candidate]] = defaultdict(list)
    for row in rows:
        doc = library.get(row.library_document_id)
        up, down = votes.get(row.id, (0, 0))
        notes = [text for text in (row.explanation, *endorsements.get(row.id, ())) if text]
        used, judged = _track_record(row, own.get((row.application_id, row.submitter_id), (0, 0)))
        country, number, kind_code = split_identifier(row.identifier)
        names = list(doc.names) if doc else [n for n in re.split(r";|\band\b", row.authors or "")
                                             if n.strip()]
        out[row.application_id].append(Candidate(
            id=str(row.id), kind=row.kind,
            publication_date=row.publication_date or (doc.publication_date if doc else None),
            title=row.title or (doc.title if doc else ""),
            text=doc.text if doc else "",
            excerpt=row.excerpt or "", explanation="\n\n".join(notes),
            cpc=list(doc.cpc) if doc else [], ipc=list(doc.ipc) if doc else [],
            uspc=list(doc.uspc) if doc else [],
            claims_targeted=targeted.get(row.id, []),
            votes_up=up, votes_down=down,
            endorsements=len(endorsements.get(row.id, ())),
            claim_marks=int(marks.get(row.id, 0)),
            submitter_used=used, submitter_judged=judged,
            country=country, kind_code=kind_code, names=names,
            key=document_key(country, number) if number else "",
        ))
    return dict(out)


@dataclass(frozen=True, slots=True)
class _LibraryDoc:
    title: str
    publication_date: dt.date | None
    text: str
    cpc: tuple[str, ...]
    ipc: tuple[str, ...]
    uspc: tuple[str, ...]
    names: tuple[str, ...] = ()


def _library(session: Session, document_ids: Any) -> dict[int, _LibraryDoc]:
    """Return the text (abstract + claims) and classes of the library documents selected."""
    heads = session.execute(select(Document.id, Document.title, Document.abstract,
                                   Document.publication_date, Document.applicants,
                                   Document.inventors)
                            .where(Document.id.in_(document_ids))).all()
    if not heads:
        return {}
    claims = _grouped(session.execute(
        select(Claim.document_id, Claim.text).where(Claim.document_id.in_(document_ids))
        .order_by(Claim.document_id, Claim.number)))
    classes: dict[tuple[int, str], list[str]] = defaultdict(list)
    for doc_id, scheme, symbol in session.execute(
            select(Classification.document_id, Classification.scheme, Classification.symbol)
            .where(Classification.document_id.in_(document_ids))
            .order_by(Classification.document_id, Classification.scheme,
                      Classification.position)):
        classes[doc_id, scheme].append(symbol)
    return {
        head.id: _LibraryDoc(
            title=head.title or "", publication_date=head.publication_date,
            text="\n".join(t for t in (head.abstract, *claims.get(head.id, ())) if t),
            cpc=tuple(classes[head.id, "cpc"]), ipc=tuple(classes[head.id, "ipc"]),
            uspc=tuple(classes[head.id, "uspc"]),
            names=(*(head.applicants or []), *(head.inventors or [])))
        for head in heads
    }


def _verdicts_by_application(session: Session, application_ids: Any
                             ) -> dict[tuple[int, int], tuple[int, int]]:
    """Return (verdicts, positive verdicts) per (application, submitter) on those applications."""
    rows = session.execute(
        select(Submission.application_id, Submission.submitter_id, func.count(Feedback.id),
               _count_if(Feedback.verdict.in_(POSITIVE_VERDICTS)))
        .join(Feedback, Feedback.submission_id == Submission.id)
        .where(Submission.application_id.in_(application_ids))
        .group_by(Submission.application_id, Submission.submitter_id))
    return {(app, user): (int(total), int(positive or 0)) for app, user, total, positive in rows}


def _track_record(row: Any, own: tuple[int, int]) -> tuple[int | None, int | None]:
    """Return (used, judged) of the submitter's verdicts on other applications, None if none."""
    # Verdicts on this very application are left out: in training they would hand the label
    # to the feature, and serving must compute the feature the same way.
    judged = (row.verdicts_total or 0) - own[0]
    if judged <= 0:
        return None, None
    used = min(max((row.verdicts_positive or 0) - own[1], 0), judged)
    return used, judged


def _until_first_verdict(bounded: bool, submission_id: Any, when: Any) -> tuple[Any, ...]:
    """Return the conditions keeping rows made no later than the first verdict on their item."""
    # Signals given after a verdict may answer it (verdicts are shown on reviewer pages), so
    # training must not read them. A vote is timed by when it took its value (it can be
    # changed), a mark or an endorsement by when it was made (they are only added, deleted).
    if not bounded:
        return ()
    first = (select(func.min(Feedback.created_at)).where(Feedback.submission_id == submission_id)
             .scalar_subquery())
    return (when <= func.coalesce(first, when),)  # an unjudged item: everything counts


def _count_if(condition: Any) -> Any:
    return func.sum(case((condition, 1), else_=0))


def _grouped(rows: Iterable[tuple[Any, Any]]) -> dict[Any, list[Any]]:
    out: dict[Any, list[Any]] = defaultdict(list)
    for key, value in rows:
        out[key].append(value)
    return out
