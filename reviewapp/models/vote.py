"""Votes on submissions and per-claim "reads on claim N" marks."""
from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, SmallInteger, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from .base import TimestampMixin

if TYPE_CHECKING:
    from .claim import Claim
    from .submission import Submission
    from .user import User


class Vote(TimestampMixin, Model):
    """One person's up (+1) or down (-1) vote on a submission."""

    __tablename__ = "votes"
    # Two votes at the same moment count once: the database refuses the second row.
    __table_args__ = (
        UniqueConstraint("submission_id", "user_id"),
        CheckConstraint("value IN (-1, 1)", name="value_is_up_or_down"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    value: Mapped[int] = mapped_column(SmallInteger)

    submission: Mapped[Submission] = relationship()
    user: Mapped[User] = relationship()


class ClaimMark(TimestampMixin, Model):
    """One person saying a submission reads on one claim."""

    __tablename__ = "claim_marks"
    __table_args__ = (UniqueConstraint("submission_id", "user_id", "claim_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), index=True)

    submission: Mapped[Submission] = relationship()
    claim: Mapped[Claim] = relationship()
