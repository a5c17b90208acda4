"""A published application opened (or to be opened) to public review."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import TimestampMixin, utcnow

if TYPE_CHECKING:
    from .document import Document
    from .submission import Submission
    from .tag import Tag
    from .user import User

PENDING, OPEN, CLOSED = "pending", "open", "closed"
STATUSES = (PENDING, OPEN, CLOSED)


def as_utc(moment: dt.datetime | None) -> dt.datetime | None:
    """Return `moment` as an aware UTC time (SQLite hands back naive ones)."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=dt.timezone.utc)


class Application(TimestampMixin, db.Model):
    """The review of one published application: its window and status."""

    __tablename__ = "applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), unique=True, index=True
    )
    status: Mapped[str] = mapped_column(String(16), default=PENDING, index=True)
    opens_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    closes_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), index=True)

    document: Mapped[Document] = relationship(back_populates="application", lazy="joined")
    tags: Mapped[list[Tag]] = relationship(secondary="application_tags", order_by="Tag.name")
    submissions: Mapped[list[Submission]] = relationship(
        back_populates="application", order_by="Submission.id", viewonly=True
    )

    @property
    def number(self) -> str:
        return self.document.publication_number

    @property
    def title(self) -> str:
        return self.document.title

    def is_open(self, now: dt.datetime | None = None) -> bool:
        """Tell whether the review window is open at `now`."""
        now = now or utcnow()
        opens, closes = as_utc(self.opens_at), as_utc(self.closes_at)
        return (
            self.status == OPEN
            and opens is not None
            and opens <= now
            and (closes is None or now < closes)
        )

    def time_left(self, now: dt.datetime | None = None) -> dt.timedelta | None:
        """Return how long the window stays open, or None when it is not open."""
        closes = as_utc(self.closes_at)
        if not self.is_open(now) or closes is None:
            return None
        return closes - (now or utcnow())

    def is_closed(self, now: dt.datetime | None = None) -> bool:
        """Tell whether the review is over: closed, or its window has ended."""
        closes = as_utc(self.closes_at)
        return self.status == CLOSED or (self.status == OPEN and closes is not None
                                         and (now or utcnow()) >= closes)

    def tag_removal_refusal(self, user: User | None, added_by_id: int | None) -> str | None:
        """Return why `user` may not remove a tag (added by `added_by_id`) here, or None.

        Its adder or a moderator (an administrator) may, while the review is not over: a closed
        review's tags are part of its record. Links from before adders were kept: moderators only.
        """
        if user is None or not user.is_authenticated or not user.is_active:
            return "Log in to remove tags."
        if self.is_closed():
            return "This review is closed: its tags stay as they are."
        if user.is_admin or (added_by_id is not None and user.id == added_by_id):
            return None
        return "Only the volunteer who added this tag, or a moderator, can remove it."

    def can_remove_tag(self, user: User | None, added_by_id: int | None) -> bool:
        """Tell whether `user` may remove a tag added by `added_by_id` (see `tag_removal_refusal`)."""
        return self.tag_removal_refusal(user, added_by_id) is None

    def can_manage(self, user: User | None) -> bool:
        """Tell whether `user` may open, close or moderate this review."""
        return bool(user and user.is_authenticated and user.is_admin)

    def __repr__(self) -> str:
        return f"<Application {self.document_id} {self.status}>"
