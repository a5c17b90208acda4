"""Flags raised by anyone, what they may be raised on, and the audit log of moderation actions."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, ClassVar

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from .base import TimestampMixin, utcnow
from .user import content_flag_refusal, moderation_refusal

if TYPE_CHECKING:
    from .user import User

FLAG_TARGETS = ("submission", "comment", "user")


class ModeratedContent:
    """What volunteers write, others may flag and moderators hide or restore (a submission, a
    comment): the permissions they share."""

    flag_target: ClassVar[str]  # its name among FLAG_TARGETS

    @property
    def owner_id(self) -> int | None:
        """Return the id of the user who wrote it (nobody flags their own)."""
        raise NotImplementedError

    def flag_refusal(self, user: User | None) -> str | None:
        """Return why `user` may not flag it to the moderators, or None (never one's own)."""
        return content_flag_refusal(user, self.owner_id, self.flag_target)

    def can_flag(self, user: User | None) -> bool:
        """Tell whether `user` may flag it (see `flag_refusal`)."""
        return self.flag_refusal(user) is None

    def moderation_refusal(self, user: User | None) -> str | None:
        """Return why `user` may not hide or restore it, or None."""
        return moderation_refusal(user)

    def can_moderate(self, user: User | None) -> bool:
        """Tell whether `user` may hide or restore it (see `moderation_refusal`)."""
        return self.moderation_refusal(user) is None


class Flag(TimestampMixin, Model):
    """Someone asking the moderators to look at a submission, comment or user."""

    __tablename__ = "flags"

    id: Mapped[int] = mapped_column(primary_key=True)
    target_type: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[int] = mapped_column(Integer, index=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    resolution: Mapped[str] = mapped_column(String(32), default="")


class AuditEntry(Model):
    """One moderation or administrative action: who did what to what, and when."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(32), index=True)  # hide, restore, ban, grant-role...
    target_type: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[int] = mapped_column(Integer)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
