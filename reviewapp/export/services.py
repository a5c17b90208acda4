"""Export services: one streaming query per kind of CSV, with its filters."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, String, and_, case, cast, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from ..applications.services import window_status_is
from ..classification import (
    CPC_FILTER_TEXT,
    MAX_CPC_FILTER,
    cpc_symbol_starts_with,
    normalise_cpc_prefix,
)
from ..community.votes import down_votes_of, up_votes_of
from ..models import (
    Application,
    Claim,
    Classification,
    Comment,
    Document,
    Endorsement,
    Feedback,
    Score,
    Submission,
    User,
    Vote,
    submission_claims,
)
from ..models.application import CLOSED, OPEN, PENDING
from ..models.base import utcnow
from ..models.comment import VISIBLE
from ..models.submission import ACTIVE, KIND_LABELS

KINDS = ("applications", "submissions", "feedback", "reviewers")
YIELD_PER = 1000  # rows fetched per round trip; PostgreSQL uses a server-side cursor
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class ExportError(ValueError):
    """A bad export request, with a message for the person asking."""


@dataclass(frozen=True)
class ExportFilters:
    """Rows changed on or after `since` (a UTC day), on applications classed under `cpc`."""

    since: dt.date | None = None
    cpc: str | None = None

    @property
    def since_moment(self) -> dt.datetime | None:
        if self.since is None:
            return None
        return dt.datetime.combine(self.since, dt.time.min, tzinfo=dt.UTC)


def parse_since(text: str | None) -> dt.date | None:
    """Return the date of a `YYYY-MM-DD` string, None for blank; refuse anything else."""
    text = (text or "").strip()
    if not text:
        return None
    if ISO_DATE.fullmatch(text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    raise ExportError(f"{text[:40]!r} is not a date: write it as YYYY-MM-DD, e.g. 2024-01-31.")


def parse_cpc(text: str | None) -> str | None:
    """Return a CPC prefix as the site compacts it ("h04l 9" -> "H04L9/"), None for blank."""
    text = (text or "").strip()
    if not text:
        return None
    if not CPC_FILTER_TEXT.fullmatch(text):  # checked first: the message must not echo junk
        raise ExportError(f"A CPC class is up to {MAX_CPC_FILTER} letters, digits, spaces and "
                          "'/', e.g. H04L 9/32.")
    try:
        return normalise_cpc_prefix(text)
    except ValueError as error:
        raise ExportError(str(error)) from error


def classed_under(application_id, prefix: str):
    """Return a clause: the application has a CPC symbol starting with the compacted `prefix`."""
    # An alias, so that the outer query's own `applications` row is not correlated away.
    classed = aliased(Application)
    return exists().where(
        classed.id == application_id,
        Classification.document_id == classed.document_id,
        Classification.scheme == "cpc",
        # Compared without spaces, as the site's own filter does ("H04L9/" matches "H04L 9/32").
        cpc_symbol_starts_with(prefix),
    )


def changed_since(model, moment: dt.datetime):
    """Return a clause: the row was created or updated on or after `moment`."""
    return or_(model.created_at >= moment, model.updated_at >= moment)


def any_changed_since(model, moment: dt.datetime, *where) -> ColumnElement[bool]:
    """Return a clause: some `model` row under `where` was created or updated on or after `moment`."""
    return exists().where(*where, changed_since(model, moment))


def readable(column, viewer: User | None) -> Any:
    """Return a submission's text `column`, blank where `viewer` may not see it (`can_view`)."""
    if viewer is None:  # the command line: whoever runs it holds the database itself
        return column
    # The row stays, its status "hidden" says why it is blank; only its words are withheld.
    return case((Submission.visible_to(viewer), column), else_=None)


def _count(column, *where) -> Any:
    """Return a correlated count of `column` under `where`, for one column of an export."""
    return select(func.count(column)).where(*where).scalar_subquery()


# --------------------------------------------------------------------------- kinds

def applications_export(filters: ExportFilters, viewer: User | None) -> tuple[list[str], Select]:
    """Return the columns and query of the applications export."""
    now = utcnow()
    active = and_(Submission.application_id == Application.id, Submission.status == ACTIVE)
    cpc_main = (
        select(Classification.symbol)
        .where(Classification.document_id == Document.id, Classification.scheme == "cpc")
        .order_by(Classification.position, Classification.id).limit(1).scalar_subquery()
    )
    columns = {
        "number": Document.publication_number,
        "kind": Document.kind,
        "title": Document.title,
        # In force at the export, as the site and the API show it: a window past its end is
        # closed even before the closing job has run.
        "status": case((window_status_is(OPEN, now), OPEN), (window_status_is(CLOSED, now), CLOSED),
                       else_=PENDING),
        "publication_date": Document.publication_date,
        "filing_date": Document.filing_date,
        "priority_date": Document.priority_date,
        "opens_at": Application.opens_at,
        "closes_at": Application.closes_at,
        "cpc_main": cpc_main,
        "claims": _count(Claim.id, Claim.document_id == Document.id),
        "independent_claims": _count(Claim.id, Claim.document_id == Document.id, Claim.independent),
        "submissions": _count(Submission.id, active),
        "endorsements": select(func.count(Endorsement.id)).join(Submission, Endorsement.submission_id == Submission.id)
        .where(active).scalar_subquery(),
        "votes": select(func.count(Vote.id)).join(Submission, Vote.submission_id == Submission.id)
        .where(active).scalar_subquery(),
        "comments": _count(Comment.id, Comment.application_id == Application.id, Comment.status == VISIBLE),
        "verdicts": select(func.count(Feedback.id)).join(Submission, Feedback.submission_id == Submission.id)
        .where(Submission.application_id == Application.id).scalar_subquery(),
        "created_at": Application.created_at,
        "updated_at": Application.updated_at,
    }
    stmt = select(*columns.values()).join(Document, Application.document_id == Document.id)
    moment = filters.since_moment
    if moment is not None:
        # The counts and the document's text change without the application's own row: a new
        # submission, endorsement, vote, comment or verdict, or a re-import, is an update too.
        mine = Submission.application_id == Application.id
        stmt = stmt.where(or_(
            changed_since(Application, moment),
            changed_since(Document, moment),
            any_changed_since(Submission, moment, mine),
            any_changed_since(Endorsement, moment, Endorsement.submission_id == Submission.id, mine),
            any_changed_since(Vote, moment, Vote.submission_id == Submission.id, mine),
            any_changed_since(Feedback, moment, Feedback.submission_id == Submission.id, mine),
            any_changed_since(Comment, moment, Comment.application_id == Application.id),
        ))
    if filters.cpc:
        stmt = stmt.where(classed_under(Application.id, filters.cpc))
    return list(columns), stmt.order_by(Application.id)


def submissions_export(filters: ExportFilters, viewer: User | None) -> tuple[list[str], Select]:
    """Return the columns and query of the submissions export: votes, score, rank, verdict."""
    latest_feedback = (
        select(Feedback).where(Feedback.submission_id == Submission.id)
        .order_by(Feedback.updated_at.desc(), Feedback.id.desc()).limit(1)
    )
    claim_numbers = (
        select(func.aggregate_strings(cast(Claim.number, String), ","))
        .select_from(submission_claims)
        .join(Claim, Claim.id == submission_claims.c.claim_id)
        .where(submission_claims.c.submission_id == Submission.id)
        .scalar_subquery()
    )
    columns = {
        "id": Submission.id,
        "application": Document.publication_number,
        "identifier": readable(Submission.cited_identifier, viewer),
        "kind": Submission.kind,
        "kind_label": case(KIND_LABELS, value=Submission.kind, else_=Submission.kind),
        "title": readable(Submission.title, viewer),
        "authors": readable(Submission.authors, viewer),
        "publication_date": Submission.publication_date,
        "url": readable(Submission.url, viewer),
        "pinpoint": readable(Submission.pinpoint, viewer),
        "excerpt": readable(Submission.excerpt, viewer),
        "explanation": readable(Submission.explanation, viewer),
        "status": Submission.status,
        "submitter_id": Submission.submitter_id,
        "submitted_at": Submission.created_at,
        "updated_at": Submission.updated_at,
        "claims": claim_numbers,
        "votes_up": up_votes_of(Submission.id),
        "votes_down": down_votes_of(Submission.id),
        "endorsements": _count(Endorsement.id, Endorsement.submission_id == Submission.id),
        "score": Score.score,
        "rank": Score.rank,
        "model_version": Score.model_version,
        "scored_at": Score.computed_at,
        "verdict": latest_feedback.with_only_columns(Feedback.verdict).scalar_subquery(),
        "verdict_at": latest_feedback.with_only_columns(Feedback.updated_at).scalar_subquery(),
        "verdicts": _count(Feedback.id, Feedback.submission_id == Submission.id),
    }
    stmt = (
        select(*columns.values())
        .join(Application, Submission.application_id == Application.id)
        .join(Document, Application.document_id == Document.id)
        .outerjoin(Score, Score.submission_id == Submission.id)
    )
    moment = filters.since_moment
    if moment is not None:
        # A new score, verdict, vote or endorsement changes the exported row: an update too.
        stmt = stmt.where(or_(
            changed_since(Submission, moment),
            Score.computed_at >= moment,
            exists().where(Feedback.submission_id == Submission.id, Feedback.updated_at >= moment),
            any_changed_since(Vote, moment, Vote.submission_id == Submission.id),
            any_changed_since(Endorsement, moment, Endorsement.submission_id == Submission.id),
        ))
    if filters.cpc:
        stmt = stmt.where(classed_under(Submission.application_id, filters.cpc))
    return list(columns), stmt.order_by(Submission.id)


def feedback_export(filters: ExportFilters, viewer: User | None) -> tuple[list[str], Select]:
    """Return the columns and query of the examiner feedback export, notes included."""
    columns = {
        "id": Feedback.id,
        "submission_id": Feedback.submission_id,
        "application": Document.publication_number,
        "identifier": readable(Submission.cited_identifier, viewer),
        "examiner_id": Feedback.examiner_id,
        "verdict": Feedback.verdict,
        "note": Feedback.note,
        "created_at": Feedback.created_at,
        "updated_at": Feedback.updated_at,
    }
    stmt = (
        select(*columns.values())
        .join(Submission, Feedback.submission_id == Submission.id)
        .join(Application, Submission.application_id == Application.id)
        .join(Document, Application.document_id == Document.id)
    )
    if filters.since_moment is not None:
        stmt = stmt.where(changed_since(Feedback, filters.since_moment))
    if filters.cpc:
        stmt = stmt.where(classed_under(Submission.application_id, filters.cpc))
    return list(columns), stmt.order_by(Feedback.id)


def reviewers_export(filters: ExportFilters, viewer: User | None) -> tuple[list[str], Select]:
    """Return the columns and query of the reviewers export: never an email address."""
    columns = {
        "id": User.id,
        "display_name": User.display_name,
        "role": User.role,
        "joined_at": User.created_at,
        "submissions": _count(Submission.id, Submission.submitter_id == User.id),
        "active_submissions": _count(Submission.id, Submission.submitter_id == User.id,
                                     Submission.status == ACTIVE),
        "endorsements": _count(Endorsement.id, Endorsement.user_id == User.id),
        "votes": _count(Vote.id, Vote.user_id == User.id),
        "comments": _count(Comment.id, Comment.author_id == User.id),
        "verdicts_total": User.verdicts_total,
        "verdicts_positive": User.verdicts_positive,
        "reputation": User.reputation,
    }
    stmt = select(*columns.values())
    moment = filters.since_moment
    if moment is not None:
        # A reviewer's counts change with rows of their own, not with the account's row.
        stmt = stmt.where(or_(
            changed_since(User, moment),
            any_changed_since(Submission, moment, Submission.submitter_id == User.id),
            any_changed_since(Endorsement, moment, Endorsement.user_id == User.id),
            any_changed_since(Vote, moment, Vote.user_id == User.id),
            any_changed_since(Comment, moment, Comment.author_id == User.id),
        ))
    if filters.cpc:
        # A reviewer "in" a class is one who put prior art forward on an application of it.
        stmt = stmt.where(exists().where(
            Submission.submitter_id == User.id, classed_under(Submission.application_id, filters.cpc)
        ))
    return list(columns), stmt.order_by(User.id)


BUILDERS: dict[str, Callable[[ExportFilters, User | None], tuple[list[str], Select]]] = {
    "applications": applications_export,
    "submissions": submissions_export,
    "feedback": feedback_export,
    "reviewers": reviewers_export,
}


def export_query(kind: str, filters: ExportFilters,
                 viewer: User | None = None) -> tuple[list[str], Select]:
    """Return the header and the query of one export kind, as `viewer` may read it."""
    if kind not in BUILDERS:
        raise ExportError(f"Unknown export {kind!r}: choose one of {', '.join(KINDS)}.")
    return BUILDERS[kind](filters, viewer)


def iter_export(session: Session, kind: str, filters: ExportFilters,
                viewer: User | None = None) -> tuple[list[str], Iterator[tuple]]:
    """Return the header and a lazy iterator over the rows of one export, as `viewer` may read it.

    A download passes the account asking; None is the command line, which sees everything.
    """
    header, stmt = export_query(kind, filters, viewer)
    claims_at = header.index("claims") if kind == "submissions" else None

    def rows() -> Iterator[tuple]:
        # Core execution: plain column rows need no ORM processing, which would cost a third.
        result = session.connection().execute(stmt.execution_options(yield_per=YIELD_PER))
        try:
            for row in result:
                if claims_at is not None and row[claims_at]:
                    # The databases aggregate in no set order: sort the numbers here.
                    numbers = sorted(int(n) for n in row[claims_at].split(","))
                    yield (*row[:claims_at], " ".join(map(str, numbers)), *row[claims_at + 1:])
                else:
                    yield tuple(row)
        finally:
            result.close()

    return header, rows()
