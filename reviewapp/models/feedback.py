"""Examiner verdicts, stored scores, frozen forwarded reports and API tokens."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from .base import TimestampMixin, utcnow

if TYPE_CHECKING:
    from .submission import Submission
    from .user import User

USED, RELEVANT, KNOWN, NOT_RELEVANT = "used", "relevant", "known", "not_relevant"
VERDICTS = {
    USED: "used in a rejection",
    RELEVANT: "relevant",
    KNOWN: "already known",
    NOT_RELEVANT: "not relevant",
}
# The verdicts saying the examiner relied on the document. "known" is not one: the office had
# it already, so it adds nothing. Reputation, the track-record feature, the training labels and
# the calibration all count this way.
POSITIVE_VERDICTS = frozenset({USED, RELEVANT})


class Feedback(TimestampMixin, Model):
    """An examiner's verdict on one submission; the latest one counts."""

    __tablename__ = "feedback"
    __table_args__ = (UniqueConstraint("submission_id", "examiner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    examiner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    verdict: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")  # examiner-only until the report

    submission: Mapped[Submission] = relationship()
    examiner: Mapped[User] = relationship()


class Score(Model):
    """The model's score of one submission, with the model version that made it."""

    __tablename__ = "scores"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), unique=True, index=True
    )
    score: Mapped[float] = mapped_column(Float)
    rank: Mapped[int] = mapped_column(Integer)
    model_version: Mapped[str] = mapped_column(String(64))
    explanation: Mapped[list] = mapped_column(JSON, default=list)
    computed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    submission: Mapped[Submission] = relationship()


class ForwardedReport(Model):
    """The top items frozen when a window closes: what goes to the examiner."""

    __tablename__ = "forwarded_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), unique=True, index=True
    )
    frozen_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    model_version: Mapped[str] = mapped_column(String(64), default="")
    items: Mapped[list] = mapped_column(JSON, default=list)  # copies, so later votes change nothing


class ApiToken(TimestampMixin, Model):
    """A bearer token for the JSON API; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship()
