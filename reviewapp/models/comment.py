"""Threaded discussion on an application, optionally about one claim."""
from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import TimestampMixin

if TYPE_CHECKING:
    from .claim import Claim
    from .user import User

VISIBLE, HIDDEN = "visible", "hidden"


class Comment(TimestampMixin, db.Model):
    """A Markdown comment; replies point at their parent."""

    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), index=True)
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)  # Markdown source; rendered and sanitised on display
    status: Mapped[str] = mapped_column(String(16), default=VISIBLE, index=True)

    author: Mapped[User] = relationship()
    claim: Mapped[Claim | None] = relationship()
    parent: Mapped[Comment | None] = relationship(remote_side="Comment.id")
