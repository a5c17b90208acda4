"""A published application opened (or to be opened) to public review."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, overload

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from .base import TimestampMixin, utcnow
from .user import is_member, is_moderator

if TYPE_CHECKING:
    from .document import Document
    from .submission import Submission
    from .tag import Tag
    from .user import User

PENDING, OPEN, CLOSED = "pending", "open", "closed"
STATUSES = (PENDING, OPEN, CLOSED)
# The home page's "Closing soon" view: open reviews whose window ends within this.
CLOSING_SOON = dt.timedelta(days=14)
# A window's last week: watchers are told once, the landing page and dashboard count them.
LAST_WEEK = dt.timedelta(days=7)
TAGS_CLOSED = "This review is closed: its tags stay as they are."


@overload
def as_utc(moment: dt.datetime) -> dt.datetime: ...
@overload
def as_utc(moment: None) -> None: ...
@overload
def as_utc(moment: dt.datetime | None) -> dt.datetime | None: ...
def as_utc(moment: dt.datetime | None) -> dt.datetime | None:
    """Return `moment` as an aware UTC time (SQLite hands back naive ones)."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=dt.UTC)


class Application(TimestampMixin, Model):
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

    def window_status(self, now: dt.datetime | None = None) -> str:
        """Return the review's status in force at `now`: a window past its end is closed,
        whether or not the closing job (`reviewapp windows close-due`) has run yet."""
        if self.is_open(now):
            return OPEN
        return CLOSED if self.is_closed(now) else PENDING

    def window_refusal(self, now: dt.datetime | None = None) -> str | None:
        """Return why prior art cannot be submitted or changed now, or None while the window is open."""
        if self.is_open(now):
            return None
        state = "closed" if self.status == CLOSED else "not open"
        return (f"The review window of {self.number} is {state}: prior art can be submitted or "
                "changed only while it is open.")

    def submit_refusal(self, user: User | None, now: dt.datetime | None = None) -> str | None:
        """Return why `user` may not put prior art forward here now, or None when they may."""
        if user is None or not user.is_authenticated:
            return "Log in to submit prior art."
        if not user.is_active:
            return "Your account is suspended."
        return self.window_refusal(now)

    def can_submit(self, user: User | None, now: dt.datetime | None = None) -> bool:
        """Tell whether `user` may submit prior art here now (see `submit_refusal`)."""
        return self.submit_refusal(user, now) is None

    def comment_refusal(self, user: User | None) -> str | None:
        """Return why `user` may not comment on this application now, or None when they may."""
        if user is None or not user.is_authenticated:
            return "Log in to join the discussion."
        if not user.is_active:
            return "Your account is suspended."
        if self.is_open():
            return None
        if self.status == PENDING or (as_utc(self.opens_at) or utcnow()) > utcnow():
            return "The discussion opens with the review window."
        return "The review window is closed: the discussion is read-only."

    def can_comment(self, user: User | None) -> bool:
        """Tell whether `user` may comment now (see `comment_refusal`)."""
        return self.comment_refusal(user) is None

    def tag_refusal(self, user: User | None) -> str | None:
        """Return why `user` may not tag this application (or its prior art) now, or None.

        Any member may, until the review is over: a closed review's tags are part of its record,
        so one added then could never come off again (see `tag_removal_refusal`).
        """
        if not is_member(user):
            return "Log in to tag."
        if self.is_closed():
            return TAGS_CLOSED
        return None

    def can_tag(self, user: User | None) -> bool:
        """Tell whether `user` may tag this application (see `tag_refusal`)."""
        return self.tag_refusal(user) is None

    def tag_removal_refusal(self, user: User | None, added_by_id: int | None) -> str | None:
        """Return why `user` may not remove a tag (added by `added_by_id`) here, or None.

        Its adder may while the review is not over (a closed review's tags are part of its
        record); a moderator (an administrator) may at any time, to clean up abuse, and every
        removal is audited. Links from before adders were kept: moderators only.
        """
        if not is_member(user):
            return "Log in to remove tags."
        if is_moderator(user):
            return None
        if self.is_closed():
            return TAGS_CLOSED
        if added_by_id is not None and user is not None and user.id == added_by_id:
            return None
        return "Only the volunteer who added this tag, or a moderator, can remove it."

    def can_remove_tag(self, user: User | None, added_by_id: int | None) -> bool:
        """Tell whether `user` may remove a tag added by `added_by_id` (see `tag_removal_refusal`)."""
        return self.tag_removal_refusal(user, added_by_id) is None

    def can_moderate(self, user: User | None) -> bool:
        """Tell whether `user` may open, close or moderate this review."""
        return is_moderator(user)

    def __repr__(self) -> str:
        return f"<Application {self.document_id} {self.status}>"
