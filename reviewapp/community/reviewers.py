"""A volunteer's public record: their submissions, endorsements, votes received and verdicts."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..models import Endorsement, Feedback, Submission, User
from ..models.feedback import VERDICTS
from .common import paginate
from .links import submission_paths
from .votes import net_votes, net_votes_received


@dataclass
class ReviewerPage:
    """A volunteer's public record."""

    user: User
    submissions: Pagination
    endorsements: Pagination
    verdicts: dict[int, list[str]]  # submission id -> examiner verdict labels
    votes: dict[int, int]  # submission id -> net votes
    net_votes_received: int
    links: dict[int, str]  # submission id -> the page that shows it (see `links.submission_paths`)


def verdict_labels(session: Session, submission_ids: Iterable[int]) -> dict[int, list[str]]:
    """Return the examiners' verdict labels of each submission (never their notes)."""
    labels: dict[int, list[str]] = defaultdict(list)
    ids = list(set(submission_ids))
    if ids:
        for submission_id, verdict in session.execute(
                select(Feedback.submission_id, Feedback.verdict)
                .where(Feedback.submission_id.in_(ids))
                .order_by(Feedback.submission_id, Feedback.id)):
            label = VERDICTS.get(verdict, verdict)
            if label not in labels[submission_id]:
                labels[submission_id].append(label)
    return dict(labels)


def reviewer_page(session: Session, user: User, viewer: User | None, *, page: int = 1,
                  endorsement_page: int = 1, per_page: int = 20) -> ReviewerPage:
    """Return a reviewer's submissions, endorsements, votes received and verdicts, as `viewer` may see them."""
    shown = Submission.visible_to(viewer)
    submissions = paginate(session, select(Submission).where(Submission.submitter_id == user.id, shown)
                           .options(selectinload(Submission.application))
                           .order_by(Submission.created_at.desc(), Submission.id.desc()), page, per_page)
    endorsements = paginate(session, select(Endorsement).join(Endorsement.submission).where(
        Endorsement.user_id == user.id, shown)
        .options(selectinload(Endorsement.submission).selectinload(Submission.application))
        .order_by(Endorsement.created_at.desc(), Endorsement.id.desc()), endorsement_page, per_page)
    ids = [s.id for s in submissions.items]
    listed = [*submissions.items, *(e.submission for e in endorsements.items)]
    return ReviewerPage(user=user, submissions=submissions, endorsements=endorsements,
                        verdicts=verdict_labels(session, ids), votes=net_votes(session, ids),
                        net_votes_received=net_votes_received(session, user, viewer),
                        links=submission_paths(session, listed))
