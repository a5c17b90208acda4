"""Votes and "reads on claim N" marks on submissions, their tallies, and each viewer's controls."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, NamedTuple

from sqlalchemy import ScalarSelect, delete, func, literal, select
from sqlalchemy.orm import Session, selectinload

from ..models import Claim, ClaimMark, Submission, User, Vote
from ..models.base import execute_count, insert_missing
from ..models.submission import HIDDEN
from ..models.user import is_member
from ..signals import submission_rated, vote_cast
from .common import CommunityError, get_by_id, insert_once
from .tags import submission_tag_names


class VoteError(CommunityError):
    """A vote or claim mark refused."""


class Tally(NamedTuple):
    """A submission's up and down votes."""

    up: int = 0
    down: int = 0

    @property
    def net(self) -> int:
        return self.up - self.down


def vote_tallies(session: Session, submission_ids: Iterable[int]) -> dict[int, Tally]:
    """Return the up and down votes of each submission, by id; Tally(0, 0) when it has none."""
    ids = list(set(submission_ids))
    counts = {submission_id: [0, 0] for submission_id in ids}
    if ids:
        for submission_id, value, count in session.execute(
                select(Vote.submission_id, Vote.value, func.count())
                .where(Vote.submission_id.in_(ids)).group_by(Vote.submission_id, Vote.value)):
            counts[submission_id][0 if value > 0 else 1] = count
    return {submission_id: Tally(up, down) for submission_id, (up, down) in counts.items()}


def net_votes(session: Session, submission_ids: Iterable[int]) -> dict[int, int]:
    """Return the net votes (ups minus downs) of each submission, 0 when none."""
    return {submission_id: tally.net for submission_id, tally in vote_tallies(session, submission_ids).items()}


def up_votes_of(submission_id: Any) -> ScalarSelect[int]:
    """Return a correlated count of the up votes of the submission `submission_id` (a column)."""
    return select(func.count(Vote.id)).where(Vote.submission_id == submission_id,
                                             Vote.value > 0).scalar_subquery()


def down_votes_of(submission_id: Any) -> ScalarSelect[int]:
    """Return a correlated count of the down votes of the submission `submission_id` (a column)."""
    return select(func.count(Vote.id)).where(Vote.submission_id == submission_id,
                                             Vote.value < 0).scalar_subquery()


def net_votes_of(submission_id: Any) -> ScalarSelect[int]:
    """Return the correlated net votes of the submission `submission_id` (a column), 0 when none."""
    return select(func.coalesce(func.sum(Vote.value), 0)).where(
        Vote.submission_id == submission_id).scalar_subquery()


def net_votes_received(session: Session, user: User, viewer: User | None) -> int:
    """Return the net votes on `user`'s submissions that `viewer` may see."""
    # The same items as the reviewer page lists for `viewer` (its owner and moderators also see
    # the hidden ones), so that the total is the sum of the rows shown.
    received = session.scalar(
        select(func.coalesce(func.sum(Vote.value), 0))
        .join(Submission, Submission.id == Vote.submission_id)
        .where(Submission.submitter_id == user.id, Submission.visible_to(viewer)))
    return int(received or 0)


def _ensure_can(refusal: str | None) -> None:
    if refusal:
        raise VoteError(refusal)


def _find_vote(session: Session, submission_id: int, user_id: int) -> Vote | None:
    return session.scalar(select(Vote).where(Vote.submission_id == submission_id,
                                             Vote.user_id == user_id))


def cast_vote(session: Session, submission: Submission, user: User, value: int) -> Vote:
    """Vote `submission` up (+1) or down (-1), replacing the user's earlier vote."""
    if value not in (1, -1):
        raise VoteError("A vote is either up or down.")
    _ensure_can(submission.vote_refusal(user))
    vote = _find_vote(session, submission.id, user.id)
    if vote is None:
        new, created = insert_once(
            session, Vote(submission_id=submission.id, user_id=user.id, value=value),
            partial(_find_vote, session, submission.id, user.id))
        if created:
            vote_cast.send(submission, session=session, user=user, value=value)
            return new
        vote = new  # a twin request voted first: this vote replaces its value
    vote.value = value
    session.flush()
    vote_cast.send(submission, session=session, user=user, value=value)
    return vote


def remove_vote(session: Session, submission: Submission, user: User) -> bool:
    """Withdraw the user's vote on `submission`; tell whether there was one."""
    _ensure_can(submission.vote_refusal(user))
    removed = execute_count(session, delete(Vote).where(Vote.submission_id == submission.id,
                                                        Vote.user_id == user.id))
    if removed:
        vote_cast.send(submission, session=session, user=user, value=0)
    return bool(removed)


def set_claim_mark(session: Session, submission: Submission, user: User, claim_id: int,
                   marked: bool) -> bool:
    """Mark (or unmark) "reads on this claim" as asked; return whether that changed anything.

    Idempotent: the same request twice (a double click) leaves the state the first one set.
    """
    _ensure_can(submission.mark_refusal(user))
    claim = get_by_id(session, Claim, claim_id)
    if claim is None or claim.document_id != submission.application.document_id:
        raise VoteError("Choose one of this application's claims.", "claim_id")
    if marked:
        # A twin request may insert the same mark meanwhile: then it is marked, as asked.
        changed = insert_missing(session, ClaimMark, [
            {"submission_id": submission.id, "user_id": user.id, "claim_id": claim.id}]) > 0
    else:
        changed = execute_count(session, delete(ClaimMark).where(
            ClaimMark.submission_id == submission.id, ClaimMark.user_id == user.id,
            ClaimMark.claim_id == claim.id)) > 0
    if changed:
        submission_rated.send(submission, session=session)
    return changed


@dataclass
class MarkCount:
    """How many people say a submission reads on one claim, and whether the viewer does."""

    claim_id: int
    number: int
    count: int
    mine: bool


@dataclass
class Controls:
    """What the per-submission vote, mark, tag and moderation controls show one viewer."""

    submission_id: int
    up: int = 0
    down: int = 0
    my_vote: int = 0
    refusal: str | None = None  # why the viewer may not vote
    # Endorsers and past submitters may not vote but may mark claims (`Submission.mark_refusal`).
    can_mark: bool = False
    marks: list[MarkCount] = field(default_factory=list)
    claim_choices: list[tuple[int, int]] = field(default_factory=list)  # (claim id, claim number)
    tags: list[str] = field(default_factory=list)
    can_tag: bool = False
    can_flag: bool = False
    can_moderate: bool = False
    hidden: bool = False

    @property
    def net(self) -> int:
        return self.up - self.down

    @property
    def can_vote(self) -> bool:
        return self.refusal is None


def submission_controls(session: Session, submissions: Iterable[Submission],
                        user: User | None) -> dict[int, Controls]:
    """Return the controls of each submission for `user`, keyed by submission id."""
    submissions = list(submissions)
    ids = [s.id for s in submissions]
    if not ids:
        return {}
    user_id = user.id if is_member(user) and user is not None else None
    if user_id is not None:  # who endorsed or once submitted each item: one query each, not one per item
        session.scalars(select(Submission).where(Submission.id.in_(ids))
                        .options(selectinload(Submission.endorsements),
                                 selectinload(Submission.revisions))).all()
    controls = {
        s.id: Controls(
            submission_id=s.id, refusal=s.vote_refusal(user), can_mark=s.can_mark(user),
            claim_choices=[(c.id, c.number) for c in s.application.document.claims],
            can_tag=s.can_tag(user), can_flag=s.can_flag(user), can_moderate=s.can_moderate(user),
            hidden=s.status == HIDDEN)
        for s in submissions
    }

    # Counts and the viewer's own vote and marks, one query each (these pages are the busiest).
    def by_viewer(column):
        return func.count().filter(column == user_id) if user_id is not None else literal(0)

    for submission_id, value, count, own in session.execute(
            select(Vote.submission_id, Vote.value, func.count(), by_viewer(Vote.user_id))
            .where(Vote.submission_id.in_(ids)).group_by(Vote.submission_id, Vote.value)):
        if value > 0:
            controls[submission_id].up = count
        else:
            controls[submission_id].down = count
        if own:
            controls[submission_id].my_vote = value
    for submission_id, claim_id, number, count, own in session.execute(
            select(ClaimMark.submission_id, Claim.id, Claim.number, func.count(),
                   by_viewer(ClaimMark.user_id))
            .join(Claim, Claim.id == ClaimMark.claim_id).where(ClaimMark.submission_id.in_(ids))
            .group_by(ClaimMark.submission_id, Claim.id, Claim.number)
            .order_by(ClaimMark.submission_id, Claim.number)):
        controls[submission_id].marks.append(MarkCount(claim_id, number, count, bool(own)))
    for submission_id, names in submission_tag_names(session, ids).items():
        controls[submission_id].tags = names
    return controls
