"""API services: parameter checks, applications and ranked prior art as JSON-ready dicts, tokens."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask
from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session, joinedload, selectinload

from ..applications.services import applications_query
from ..classification import CPC_FILTER_TEXT, MAX_CPC_FILTER, normalise_cpc_prefix
from ..community.votes import down_votes_of, net_votes_of, up_votes_of, vote_tallies
from ..loaders import get_application, get_submission
from ..models import (
    ApiToken,
    Application,
    ConflictDeclaration,
    Endorsement,
    Feedback,
    Score,
    Submission,
    User,
)
from ..models.application import STATUSES, as_utc
from ..models.base import utcnow
from ..models.feedback import VERDICTS
from ..models.submission import ACTIVE, kind_label
from ..ranking.model_store import describe_model
from ..signals import credentials_revoked
from .auth import hash_token, new_token

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
MAX_PAGE = 1_000_000_000  # bounds the offset: no database integer overflows
WHOLE_NUMBER = re.compile(r"[0-9]{1,12}")
MAX_NUMBER_LENGTH = 64
MAX_TOKENS = 20  # active tokens per account


class ApiError(Exception):
    """A refused request, with its message and HTTP status."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message, self.status = message, status


@dataclass(frozen=True)
class Paging:
    """Which page of how many items."""

    page: int = 1
    per_page: int = DEFAULT_PER_PAGE

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


# --------------------------------------------------------------------------- parameters

def _whole_number(args: Mapping[str, str], name: str, default: int, maximum: int) -> int:
    """Return a query parameter as a whole number from 1 to `maximum`, `default` when absent."""
    raw = args.get(name)
    if raw is None:
        return default
    if not WHOLE_NUMBER.fullmatch(raw) or not 1 <= int(raw) <= maximum:
        raise ApiError(f"{name} must be a whole number from 1 to {maximum}; got {raw[:20]!r}.")
    return int(raw)


def parse_paging(args: Mapping[str, str]) -> Paging:
    """Return the `page` and `per_page` asked for; refuse anything but whole numbers in range."""
    return Paging(page=_whole_number(args, "page", 1, MAX_PAGE),
                  per_page=_whole_number(args, "per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE))


def parse_filters(args: Mapping[str, str]) -> dict[str, str | None]:
    """Return the `status` and `cpc` filters; refuse an unknown status or a malformed class."""
    status, cpc = args.get("status"), args.get("cpc")
    if status is not None and status not in STATUSES:
        raise ApiError(f"status must be one of {', '.join(STATUSES)}; got {status[:20]!r}.")
    if cpc is not None and not CPC_FILTER_TEXT.fullmatch(cpc):  # first: never echo junk
        raise ApiError(f"cpc must be the start of a CPC symbol: up to {MAX_CPC_FILTER} letters, "
                       "digits, spaces and '/', e.g. H04L 9/32.")
    cpc = (cpc or "").strip().upper() or None
    if cpc is not None:
        try:
            normalise_cpc_prefix(cpc)  # the export's rule: "banana" or "H4L" is no class at all
        except ValueError:
            raise ApiError(f"cpc must be the start of a CPC symbol, such as H04, H04L, H04L 9/ or "
                           f"H04L 9/32; {cpc!r} is not one.") from None
    return {"status": status, "cpc": cpc}


# --------------------------------------------------------------------------- serialisers

def _moment(value: dt.datetime | None) -> str | None:
    """Return an ISO 8601 UTC time ending in Z, or None."""
    value = as_utc(value)
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z") if value else None


def _day(value: dt.date | None) -> str | None:
    """Return an ISO 8601 date, or None."""
    return value.isoformat() if value else None


def application_summary(application: Application, now: dt.datetime | None = None) -> dict[str, Any]:
    """Return the public fields of an application for a list."""
    document = application.document
    return {
        "number": document.publication_number,
        "title": document.title,
        "kind": document.kind,
        "status": application.window_status(now),
        "publication_date": _day(document.publication_date),
        "priority_date": _day(document.priority_date),
        "opens_at": _moment(application.opens_at),
        "closes_at": _moment(application.closes_at),
        "cpc": document.cpc,
    }


def application_record(application: Application, submissions: int) -> dict[str, Any]:
    """Return an application's bibliographic data and claims."""
    document = application.document
    return {
        **application_summary(application),
        "application_number": document.application_number,
        "filing_date": _day(document.filing_date),
        "abstract": document.abstract,
        "applicants": list(document.applicants or []),
        "inventors": list(document.inventors or []),
        "classifications": {"cpc": document.cpc, "ipc": document.ipc, "uspc": document.uspc},
        "claims": [
            {"number": claim.number, "text": claim.text, "independent": claim.independent,
             "depends_on": list(claim.depends_on or [])}
            for claim in document.claims
        ],
        "submissions": submissions,
    }


# --------------------------------------------------------------------------- queries

def _count(session: Session, stmt: Select) -> int:
    """Return how many rows `stmt` selects."""
    return session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0


def list_applications(session: Session, *, status: str | None, cpc: str | None,
                      paging: Paging) -> tuple[list[dict[str, Any]], int]:
    """Return one page of applications, newest publication first, and the total."""
    now = utcnow()
    # The site's own query: the same filters and matching, classes loaded with each page.
    stmt = applications_query(status=status, cpc=cpc, sort="newest", now=now)
    total = _count(session, stmt)
    if paging.offset >= total:
        return [], total
    rows = session.scalars(stmt.limit(paging.per_page).offset(paging.offset)).unique()
    return [application_summary(application, now) for application in rows], total


def find_application(session: Session, number: str) -> Application | None:
    """Return the application with this publication number, or None for anything unknown."""
    # NUL cannot reach PostgreSQL, and no publication number is this long: unknown either way.
    if "\x00" in number or len(number) > MAX_NUMBER_LENGTH:
        return None
    return get_application(session, number)


def application_detail(session: Session, number: str) -> dict[str, Any] | None:
    """Return an application's bibliographic data and claims, None when unknown."""
    application = find_application(session, number)
    if application is None:
        return None
    active = session.scalar(select(func.count(Submission.id)).where(
        Submission.application_id == application.id, Submission.status == ACTIVE))
    return application_record(application, active or 0)


def list_prior_art(session: Session, application: Application, *, paging: Paging,
                   examiner: bool = False) -> tuple[list[dict[str, Any]], int]:
    """Return one page of an application's active prior art, best ranked first, and the total."""
    base = select(Submission.id).where(Submission.application_id == application.id,
                                       Submission.status == ACTIVE)
    total = _count(session, base)
    if paging.offset >= total:
        return [], total
    net = net_votes_of(Submission.id).label("net")
    stmt = (
        select(Submission, Score, up_votes_of(Submission.id), down_votes_of(Submission.id), net)
        .outerjoin(Score, Score.submission_id == Submission.id)
        .where(Submission.application_id == application.id, Submission.status == ACTIVE)
        .options(joinedload(Submission.submitter), selectinload(Submission.claims),
                 selectinload(Submission.endorsements).joinedload(Endorsement.user))
        # Scored items by rank; unscored ones after them, most net votes first.
        .order_by(Score.rank.is_(None), Score.rank, net.desc(), Submission.id)
        .limit(paging.per_page).offset(paging.offset)
    )
    rows = session.execute(stmt).unique().all()
    items = [prior_art_item(sub, score, up, down, net_votes, examiner)
             for sub, score, up, down, net_votes in rows]
    if examiner:
        add_examiner_fields(session, application, items, [row[0] for row in rows])
    return items, total


def submission_detail(session: Session, submission_id: int, viewer: User | None) -> dict[str, Any] | None:
    """Return one submission as the API shows it to `viewer` (a token's examiner, or None), if they may see it."""
    submission = get_submission(session, submission_id)
    if submission is None or not submission.can_view(viewer):
        return None
    score = session.scalar(select(Score).where(Score.submission_id == submission.id))
    tally = vote_tallies(session, [submission.id])[submission.id]
    item = prior_art_item(submission, score, tally.up, tally.down, tally.net, viewer is not None)
    if viewer is not None:
        add_examiner_fields(session, submission.application, [item], [submission])
    return item


def _person(user: User) -> dict[str, Any]:
    """Return the public face of an account: id and display name, never the email."""
    return {"id": user.id, "display_name": user.display_name}


def prior_art_item(submission: Submission, score: Score | None, up: int, down: int, net: int,
                   examiner: bool) -> dict[str, Any]:
    """Return one submission as the API shows it; score explanations for examiners only."""
    scored = None
    if score is not None:
        scored = {"value": score.score, "rank": score.rank, "model_version": score.model_version,
                  "model": describe_model(score.model_version),
                  "computed_at": _moment(score.computed_at)}
        if examiner:
            # Explanations cite the submitter's verdict record: examiner-level data.
            scored["explanation"] = list(score.explanation or [])
    return {
        "id": submission.id,
        "status": submission.status,
        "identifier": submission.cited_identifier,
        "kind": submission.kind,
        "kind_label": kind_label(submission.kind),
        "title": submission.title,
        "authors": submission.authors,
        "publication_date": _day(submission.publication_date),
        "url": submission.url,
        "pinpoint": submission.pinpoint,
        "excerpt": submission.excerpt,
        "explanation": submission.explanation,
        "submitter": _person(submission.submitter),
        "submitted_at": _moment(submission.created_at),
        "updated_at": _moment(submission.updated_at),
        "claims": [claim.number for claim in submission.claims],
        "votes": {"up": int(up), "down": int(down), "net": int(net)},
        "endorsements": [
            {"reviewer": _person(e.user), "explanation": e.explanation, "pinpoint": e.pinpoint,
             "created_at": _moment(e.created_at)}
            for e in submission.endorsements
        ],
        "score": scored,
    }


def add_examiner_fields(session: Session, application: Application, items: list[dict[str, Any]],
                        submissions: list[Submission]) -> None:
    """Add examiners' verdicts and notes and the submitter's conflict declaration to each item."""
    ids = [submission.id for submission in submissions]
    verdicts: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    for feedback in session.scalars(select(Feedback).where(Feedback.submission_id.in_(ids))
                                    .order_by(Feedback.updated_at.desc(), Feedback.id.desc())):
        verdicts[feedback.submission_id].append({
            "examiner_id": feedback.examiner_id, "verdict": feedback.verdict,
            "verdict_label": VERDICTS.get(feedback.verdict, feedback.verdict), "note": feedback.note,
            "created_at": _moment(feedback.created_at), "updated_at": _moment(feedback.updated_at),
        })
    declarations = {
        d.user_id: d for d in session.scalars(select(ConflictDeclaration).where(
            ConflictDeclaration.application_id == application.id,
            ConflictDeclaration.user_id.in_({s.submitter_id for s in submissions})))
    }
    for item, submission in zip(items, submissions):
        item["feedback"] = verdicts[submission.id]
        declaration = declarations.get(submission.submitter_id)
        item["conflict"] = None if declaration is None else {
            "has_conflict": declaration.has_conflict, "statement": declaration.statement,
            "declared_at": _moment(declaration.created_at),
        }


# --------------------------------------------------------------------------- tokens

def list_tokens(session: Session, user: User) -> list[ApiToken]:
    """Return the user's tokens, newest first, revoked ones included."""
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def create_token(session: Session, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token for an examiner; return it with its secret, which is never stored."""
    if not user.is_examiner:
        raise ApiError("Only examiners and administrators hold API tokens.", 403)
    # Lock the account's row (PostgreSQL): concurrent creations count one after the other,
    # so the cap holds (22 tokens against a cap of 20 were made at once without it).
    session.execute(select(User.id).where(User.id == user.id).with_for_update())
    active = session.scalar(select(func.count(ApiToken.id)).where(
        ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)))
    if (active or 0) >= MAX_TOKENS:
        raise ApiError(f"You have {MAX_TOKENS} active tokens: revoke one first.")
    secret = new_token()
    token = ApiToken(user_id=user.id, name=name.strip()[:80], token_hash=hash_token(secret))
    session.add(token)
    session.flush()
    return token, secret


def own_token(session: Session, user: User, token_id: int) -> ApiToken | None:
    """Return one of the user's own tokens; None when it is not theirs."""
    token = session.get(ApiToken, token_id)
    return token if token is not None and token.user_id == user.id else None


def revoke_token(session: Session, user: User, token_id: int) -> ApiToken | None:
    """Revoke one of the user's own tokens; None when it is not theirs."""
    token = own_token(session, user, token_id)
    if token is None:
        return None
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.flush()
    return token


def revoke_all_tokens(user: User, session: Session, **_: object) -> None:
    """Revoke every live token of `user` (receiver of `credentials_revoked`)."""
    session.execute(update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                    .values(revoked_at=utcnow()))


def register(app: Flask) -> None:
    """Connect the tokens' receivers (once whatever the number of apps: blinker dedupes)."""
    credentials_revoked.connect(revoke_all_tokens)
