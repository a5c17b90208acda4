"""Threaded discussion on an application, optionally about one claim."""
from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from .base import TimestampMixin
from .moderation import ModeratedContent
from .user import is_moderator

if TYPE_CHECKING:
    from .claim import Claim
    from .user import User

VISIBLE, HIDDEN = "visible", "hidden"


class Comment(ModeratedContent, TimestampMixin, Model):
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

    flag_target = "comment"

    @property
    def owner_id(self) -> int | None:
        """Return the id of its author."""
        return self.author_id

    def view_refusal(self, user: User | None) -> str | None:
        """Return why `user` may not read it, or None: hidden comments are for moderators only."""
        if self.status != HIDDEN or is_moderator(user):
            return None
        return "This comment was removed by the moderators."

    def can_view(self, user: User | None) -> bool:
        """Tell whether `user` may read it (see `view_refusal`)."""
        return self.view_refusal(user) is None
