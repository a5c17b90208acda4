"""The claim chart: every claim of an application against its top submissions."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import (
    Application,
    Claim,
    ClaimMark,
    Submission,
    submission_claims,
)
from ..models.submission import ACTIVE
from . import charts


def ordered_claims(claims: Iterable[Claim]) -> list[Claim]:
    """Return claims with the independent ones first, then the dependants, each by number."""
    return sorted(claims, key=lambda claim: (not claim.independent, claim.number))


@dataclass(frozen=True)
class Cell:
    """Whether a submission targets a claim, and how many volunteers say it reads on it."""

    targeted: bool
    marks: int

    @property
    def filled(self) -> bool:
        return self.targeted or self.marks > 0


@dataclass
class ChartRow:
    """One claim of the chart: its cells and how many active submissions bear on it."""

    claim: Claim
    cells: list[Cell]
    count: int

    @property
    def uncovered(self) -> bool:
        return self.count == 0


@dataclass
class ClaimChart:
    """Claims by submissions (the top ones, in rank order)."""

    columns: list[Submission]
    rows: list[ChartRow]
    total: int  # active submissions, shown or not

    @property
    def uncovered(self) -> list[int]:
        return [row.claim.number for row in self.rows if row.uncovered]


Pair = tuple[int, int]  # (submission id, claim id)


def claim_pairs(session: Session, application: Application) -> tuple[set[Pair], dict[Pair, int]]:
    """Return the (submission, claim) pairs active submissions target, and the marks per pair."""
    active = (Submission.application_id == application.id, Submission.status == ACTIVE)
    targeted = {(submission_id, claim_id) for submission_id, claim_id in session.execute(
        select(submission_claims.c.submission_id, submission_claims.c.claim_id)
        .join(Submission, Submission.id == submission_claims.c.submission_id).where(*active))}
    marked = {(sid, cid): n for sid, cid, n in session.execute(
        select(ClaimMark.submission_id, ClaimMark.claim_id, func.count())
        .join(Submission, Submission.id == ClaimMark.submission_id).where(*active)
        .group_by(ClaimMark.submission_id, ClaimMark.claim_id))}
    return targeted, marked


def claim_chart(session: Session, application: Application,
                columns: Sequence[Submission]) -> ClaimChart:
    """Return the claim chart of an application: every claim against the given (top) submissions."""
    targeted, marked = claim_pairs(session, application)
    bearing: dict[int, set[int]] = defaultdict(set)
    for submission_id, claim_id in targeted | set(marked):
        bearing[claim_id].add(submission_id)
    rows = [
        ChartRow(claim, [Cell((s.id, claim.id) in targeted, marked.get((s.id, claim.id), 0))
                         for s in columns], len(bearing[claim.id]))
        for claim in ordered_claims(application.document.claims)
    ]
    total = session.scalar(select(func.count(Submission.id)).where(
        Submission.application_id == application.id, Submission.status == ACTIVE)) or 0
    return ClaimChart(list(columns), rows, total)


def coverage_bars(chart: ClaimChart) -> list[charts.Bar]:
    """Return one bar per claim, by number: the submissions bearing on it (none: marked)."""
    return [
        charts.Bar(str(row.claim.number), row.count,
                   f"claim {row.claim.number}: {row.count} submission(s)"
                   + (", no prior art" if row.uncovered else ""),
                   ("independent" if row.claim.independent else "dependent")
                   + (" none" if row.uncovered else ""))
        for row in sorted(chart.rows, key=lambda row: row.claim.number)
    ]
