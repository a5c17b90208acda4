"""Watches on applications, notifications to people, conflict declarations."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, DateTime, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from .base import TimestampMixin
from .user import User, is_member


class Watch(TimestampMixin, Model):
    """A person following an application."""

    __tablename__ = "watches"
    __table_args__ = (UniqueConstraint("user_id", "application_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)


class Notification(TimestampMixin, Model):
    """A message for one person: new submission, new comment, window closing."""

    __tablename__ = "notifications"
    # A "closing in 7 days" notice is sent once per person and application.
    __table_args__ = (UniqueConstraint("user_id", "dedupe_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))  # submission | comment | closing
    message: Mapped[str] = mapped_column(Text)
    url: Mapped[str] = mapped_column(String(512), default="")
    dedupe_key: Mapped[str] = mapped_column(String(128))
    read_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    mailed: Mapped[bool] = mapped_column(Boolean, default=False)

    def view_refusal(self, user: User | None) -> str | None:
        """Return why `user` may not read or mark it, or None: a notification is its addressee's."""
        if is_member(user) and user is not None and user.id == self.user_id:
            return None
        return "This notification is not yours."

    def can_view(self, user: User | None) -> bool:
        """Tell whether `user` may read or mark it (see `view_refusal`)."""
        return self.view_refusal(user) is None


class ConflictDeclaration(TimestampMixin, Model):
    """A volunteer's statement, before a first submission, on conflicts with the applicant."""

    __tablename__ = "conflict_declarations"
    __table_args__ = (UniqueConstraint("user_id", "application_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    has_conflict: Mapped[bool] = mapped_column(Boolean, default=False)
    statement: Mapped[str] = mapped_column(Text, default="")  # shown to the examiner only
