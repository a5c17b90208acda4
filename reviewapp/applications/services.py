"""Application services: listing, loading, claim trees, review windows, watches."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, Select, and_, delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, contains_eager, joinedload, selectinload

from ..classification import cpc_matches, cpc_prefix_or_literal, expertise_prefixes
from ..models import (
    Application,
    Claim,
    ClaimMark,
    Document,
    Endorsement,
    ForwardedReport,
    Submission,
    Tag,
    User,
    Watch,
    application_tags,
)
from ..models.application import CLOSED, CLOSING_SOON, LAST_WEEK, OPEN, PENDING, as_utc
from ..models.base import execute_count, utcnow
from ..models.submission import ACTIVE, submission_claims
from ..models.tag import tag_name
from ..tasks import mark_for_index

# Named home-page views: presets of the one query builder.
ALL, CLOSING, NEEDS_REVIEWERS, EXPERTISE = "", "closing-soon", "needs-reviewers", "expertise"
VIEWS = {
    ALL: "All",
    CLOSING: "Closing soon",
    NEEDS_REVIEWERS: "Needs reviewers",
    EXPERTISE: "Matching my expertise",
}


class WindowError(ValueError):
    """A review-window change refused, with a message for the admin."""


def active_submissions_count() -> ColumnElement[int]:
    """Return a correlated count of an application's active submissions."""
    return (
        select(func.count(Submission.id))
        .where(Submission.application_id == Application.id, Submission.status == ACTIVE)
        .correlate(Application)
        .scalar_subquery()
    )


def window_open(now: dt.datetime) -> ColumnElement[bool]:
    """Return a condition: the review window is open at `now`."""
    return and_(
        Application.status == OPEN,
        Application.opens_at <= now,
        or_(Application.closes_at.is_(None), Application.closes_at > now),
    )


def window_status_is(status: str, now: dt.datetime) -> ColumnElement[bool]:
    """Return a condition: the application's `window_status` at `now` is `status`."""
    # Pending is the rest, spelt out: NOT of a comparison with a NULL time would drop rows.
    if status == OPEN:
        return window_open(now)
    if status == CLOSED:
        return or_(Application.status == CLOSED,
                   and_(Application.status == OPEN, Application.closes_at <= now))
    return or_(Application.status == PENDING, and_(
        Application.status == OPEN,
        or_(Application.opens_at.is_(None), Application.opens_at > now),
        or_(Application.closes_at.is_(None), Application.closes_at > now),
    ))


def applications_query(*, status: str | None = None, cpc: str | None = None, tag: str | None = None,
                       expertise: Iterable[str] | None = None, closing_within: dt.timedelta | None = None,
                       sort: str = "closing", now: dt.datetime | None = None) -> Select:
    """Return a select of applications filtered by the status in force, CPC prefix, tag,
    expertise and closing time."""
    now = now or utcnow()
    stmt = (
        select(Application)
        .join(Application.document)
        .options(contains_eager(Application.document).selectinload(Document.classifications))
    )
    if status:
        stmt = stmt.where(window_status_is(status, now))
    if closing_within is not None:
        stmt = stmt.where(window_open(now), Application.closes_at <= now + closing_within)
    if cpc:
        stmt = stmt.where(cpc_matches([cpc_prefix_or_literal(cpc)]))
    if expertise is not None:
        prefixes = expertise_prefixes(expertise)
        stmt = stmt.where(cpc_matches(prefixes) if prefixes else Application.id.is_(None))
    if tag:
        tagged = select(application_tags.c.application_id).join(Tag).where(Tag.name == tag_name(tag))
        stmt = stmt.where(Application.id.in_(tagged))
    closing = (Application.closes_at.is_(None), Application.closes_at)
    order = {
        "closing": (*closing, Document.publication_number),
        "newest": (Document.publication_date.desc(), Document.publication_number),
        "fewest-submissions": (active_submissions_count(), *closing, Document.publication_number),
    }.get(sort, (Document.publication_number,))
    return stmt.order_by(*order)


def browse_query(view: str = ALL, *, status: str | None = OPEN, cpc: str | None = None,
                 tag: str | None = None, user: User | None = None,
                 now: dt.datetime | None = None) -> Select:
    """Return the home page's list for a named view, narrowed by status, class and tag."""
    options: dict = {"cpc": cpc, "tag": tag, "now": now}
    if view == CLOSING:
        options |= {"status": OPEN, "closing_within": CLOSING_SOON}
    elif view == NEEDS_REVIEWERS:
        options |= {"status": OPEN, "sort": "fewest-submissions"}
    elif view == EXPERTISE:
        expertise = user.expertise if user is not None and user.is_authenticated else []
        options |= {"status": OPEN, "expertise": expertise or []}
    else:
        options |= {"status": status or None}
    return applications_query(**options)


def has_expertise(user: User | None) -> bool:
    """Tell whether `user` lists CPC expertise the home page can match."""
    return bool(user is not None and user.is_authenticated and expertise_prefixes(user.expertise))


@dataclass
class ClaimNode:
    """A claim with the claims that depend on it."""

    claim: Claim
    children: list[ClaimNode] = field(default_factory=list)
    art: int = 0  # active submissions that bear on the claim
    reads_on: int = 0  # volunteers' "reads on" marks on active submissions


def claim_tree(claims: list[Claim], facts: dict[int, tuple[int, int]] | None = None) -> list[ClaimNode]:
    """Arrange claims as independent claims with their dependants beneath, with their counts."""
    facts = facts or {}
    nodes = {claim.number: ClaimNode(claim, [], *facts.get(claim.id, (0, 0))) for claim in claims}
    roots: list[ClaimNode] = []
    for claim in claims:
        parents = [n for n in claim.depends_on if n in nodes and n != claim.number]
        if parents:
            nodes[parents[0]].children.append(nodes[claim.number])
        else:
            roots.append(nodes[claim.number])
    return roots


@dataclass(frozen=True)
class Countdown:
    """How long a review window stays open, in whole days and hours."""

    closes_at: dt.datetime
    days: int
    hours: int
    minutes: int

    @property
    def label(self) -> str:
        if self.days:
            return f"{self.days} day{'s' if self.days != 1 else ''}, {self.hours} h left"
        if self.hours:
            return f"{self.hours} h {self.minutes} min left"
        return f"{self.minutes} min left"


def countdown(application: Application, now: dt.datetime | None = None) -> Countdown | None:
    """Return the time left in the window, or None when it is not open or has no end."""
    left, closes = application.time_left(now), as_utc(application.closes_at)
    if left is None or closes is None:
        return None
    minutes = max(int(left.total_seconds()) // 60, 0)
    return Countdown(closes, minutes // 1440, minutes % 1440 // 60, minutes % 60)


def countdowns(applications: Iterable[Application], now: dt.datetime | None = None) -> dict[int, Countdown]:
    """Return the countdown of each open application, by id."""
    now = now or utcnow()
    return {a.id: left for a in applications if (left := countdown(a, now)) is not None}


@dataclass
class ListFacts:
    """What a list of applications shows beside each one, by application id."""

    countdowns: dict[int, Countdown]
    counts: dict[int, int]
    tags: dict[int, list[str]]
    statuses: dict[int, str]  # the window status in force (a window past its end is closed)


def list_facts(session: Session, applications: Iterable[Application],
               now: dt.datetime | None = None) -> ListFacts:
    """Return the countdowns, active submission counts, tags and statuses of listed applications."""
    now = now or utcnow()
    applications = list(applications)
    ids = [application.id for application in applications]
    return ListFacts(countdowns(applications, now), active_submission_counts(session, ids),
                     application_tag_names(session, ids),
                     {application.id: application.window_status(now) for application in applications})


@dataclass(frozen=True)
class SiteNumbers:
    """The live figures of the landing page."""

    open_applications: int
    closing_this_week: int
    submissions: int
    reviewers: int
    forwarded_reports: int


def site_numbers(session: Session, now: dt.datetime | None = None) -> SiteNumbers:
    """Count what is under review, what was submitted, by how many, and what reached examiners."""
    now = now or utcnow()
    open_now = window_open(now)
    return SiteNumbers(
        open_applications=session.scalar(select(func.count(Application.id)).where(open_now)) or 0,
        closing_this_week=session.scalar(
            select(func.count(Application.id))
            .where(open_now, Application.closes_at <= now + LAST_WEEK)) or 0,
        submissions=session.scalar(select(func.count(Submission.id)).where(Submission.status == ACTIVE)) or 0,
        # As "Prior art submitted": withdrawn and hidden submissions count for neither.
        reviewers=session.scalar(select(func.count(func.distinct(Submission.submitter_id)))
                                 .where(Submission.status == ACTIVE)) or 0,
        forwarded_reports=session.scalar(select(func.count(ForwardedReport.id))) or 0,
    )


def active_submission_counts(session: Session, application_ids: Iterable[int]) -> dict[int, int]:
    """Return how many active submissions each application has, by id."""
    ids = list(application_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(Submission.application_id, func.count(Submission.id))
        .where(Submission.application_id.in_(ids), Submission.status == ACTIVE)
        .group_by(Submission.application_id)
    )
    return {application_id: count for application_id, count in rows}


def application_tag_names(session: Session, application_ids: Iterable[int]) -> dict[int, list[str]]:
    """Return the tag names of each application, alphabetically, by id."""
    ids = list(application_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(application_tags.c.application_id, Tag.name)
        .join(Tag, Tag.id == application_tags.c.tag_id)
        .where(application_tags.c.application_id.in_(ids))
        .order_by(Tag.name)
    )
    names: dict[int, list[str]] = {}
    for application_id, name in rows:
        names.setdefault(application_id, []).append(name)
    return names


def claim_counts(session: Session, application: Application) -> dict[int, tuple[int, int]]:
    """Return (submissions bearing on it, reads-on marks) of each claim, by claim id."""
    active = and_(Submission.application_id == application.id, Submission.status == ACTIVE)
    art = session.execute(
        select(submission_claims.c.claim_id, func.count())
        .join(Submission, Submission.id == submission_claims.c.submission_id)
        .where(active).group_by(submission_claims.c.claim_id))
    marks = dict(session.execute(
        select(ClaimMark.claim_id, func.count(ClaimMark.id))
        .join(Submission, Submission.id == ClaimMark.submission_id)
        .where(active).group_by(ClaimMark.claim_id)).all())
    counts = {claim_id: (count, marks.pop(claim_id, 0)) for claim_id, count in art}
    counts.update({claim_id: (0, count) for claim_id, count in marks.items()})
    return counts


def submissions_query(application: Application) -> Select:
    """Return a select of an application's active submissions, oldest first, with what the page shows."""
    return (
        select(Submission)
        .where(Submission.application_id == application.id, Submission.status == ACTIVE)
        .options(
            joinedload(Submission.submitter),
            selectinload(Submission.claims),
            selectinload(Submission.endorsements).joinedload(Endorsement.user),
        )
        .order_by(Submission.created_at, Submission.id)
    )


def is_watching(session: Session, application: Application, user: User | None) -> bool:
    """Tell whether `user` watches `application`."""
    if user is None or not user.is_authenticated:
        return False
    return session.scalar(
        select(Watch.id).where(Watch.user_id == user.id, Watch.application_id == application.id)
    ) is not None


def watch_application(session: Session, application: Application, user: User) -> Watch:
    """Make `user` watch `application`; watching twice changes nothing."""
    existing = session.scalar(
        select(Watch).where(Watch.user_id == user.id, Watch.application_id == application.id)
    )
    if existing is not None:
        return existing
    watch = Watch(user_id=user.id, application_id=application.id)
    try:
        # A double click may insert the same watch twice: the unique constraint decides.
        with session.begin_nested():
            session.add(watch)
    except IntegrityError:
        return session.scalars(
            select(Watch).where(Watch.user_id == user.id, Watch.application_id == application.id)
        ).one()
    return watch


def unwatch_application(session: Session, application: Application, user: User) -> bool:
    """Stop `user` watching `application`; return whether they were watching."""
    removed = execute_count(
        session, delete(Watch).where(Watch.user_id == user.id, Watch.application_id == application.id))
    session.flush()
    return bool(removed)


def open_window(session: Session, application: Application, days: int,
                now: dt.datetime | None = None) -> None:
    """Open the review window for `days` days from now; WindowError while one is open or unclosed."""
    if days < 1 or days > 365:
        raise WindowError("A review window lasts between 1 and 365 days.")
    now = now or utcnow()
    if application.is_open(now):
        # Opening again would restart a running review: a shorter one, its opening time lost.
        closes = as_utc(application.closes_at)
        until = f" (it closes on {closes:%Y-%m-%d %H:%M} UTC)" if closes is not None else ""
        raise WindowError(f"This review window is already open{until}: close it first.")
    if application.is_closed(now) and application.status == OPEN:
        # Past its end but not closed yet: its report must freeze before a new window opens.
        raise WindowError("This review window has ended but is not closed yet: close it first.")
    application.status = OPEN
    application.opens_at = now
    application.closes_at = now + dt.timedelta(days=days)
    session.flush()
    mark_for_index(session, [application.document_id])  # the status is a search facet


def close_window(session: Session, application: Application, now: dt.datetime | None = None) -> None:
    """Close the review window now."""
    if application.status != OPEN:
        raise WindowError("This review window is not open.")
    application.status = CLOSED
    application.closes_at = now or utcnow()
    session.flush()
    mark_for_index(session, [application.document_id])
