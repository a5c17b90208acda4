"""Application services: listing, loading, claim trees, review windows."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from ..models import Application, Claim, Classification, Document
from ..models.application import CLOSED, OPEN
from ..models.base import utcnow


class WindowError(ValueError):
    """A review-window change refused, with a message for the admin."""


def applications_query(*, status: str | None = None, cpc: str | None = None,
                       sort: str = "closing") -> Select:
    """Return a select of applications filtered by status and CPC prefix."""
    stmt = select(Application).join(Application.document)
    if status:
        stmt = stmt.where(Application.status == status)
    if cpc:
        stmt = stmt.where(
            Document.classifications.any(
                (Classification.scheme == "cpc") & Classification.symbol.startswith(cpc.strip().upper())
            )
        )
    order = {
        "closing": (Application.closes_at.is_(None), Application.closes_at, Document.publication_number),
        "newest": (Document.publication_date.desc(), Document.publication_number),
    }.get(sort, (Document.publication_number,))
    return stmt.order_by(*order)


def get_application(session: Session, number: str) -> Application | None:
    """Return the application with this publication number, claims loaded."""
    return session.scalar(
        select(Application)
        .join(Application.document)
        .where(Document.publication_number == number.strip().upper())
        .options(selectinload(Application.document).selectinload(Document.claims))
    )


@dataclass
class ClaimNode:
    """A claim with the claims that depend on it."""

    claim: Claim
    children: list[ClaimNode] = field(default_factory=list)


def claim_tree(claims: list[Claim]) -> list[ClaimNode]:
    """Arrange claims as independent claims with their dependants beneath."""
    nodes = {claim.number: ClaimNode(claim) for claim in claims}
    roots: list[ClaimNode] = []
    for claim in claims:
        parents = [n for n in claim.depends_on if n in nodes and n != claim.number]
        if parents:
            nodes[parents[0]].children.append(nodes[claim.number])
        else:
            roots.append(nodes[claim.number])
    return roots


def open_window(session: Session, application: Application, days: int,
                now: dt.datetime | None = None) -> None:
    """Open the review window for `days` days from now."""
    if days < 1 or days > 365:
        raise WindowError("A review window lasts between 1 and 365 days.")
    now = now or utcnow()
    application.status = OPEN
    application.opens_at = now
    application.closes_at = now + dt.timedelta(days=days)
    session.flush()


def close_window(session: Session, application: Application, now: dt.datetime | None = None) -> None:
    """Close the review window now."""
    if application.status != OPEN:
        raise WindowError("This review window is not open.")
    application.status = CLOSED
    application.closes_at = now or utcnow()
    session.flush()
