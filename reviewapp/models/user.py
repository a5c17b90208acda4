"""A person using the site: volunteer reviewer, examiner or administrator."""
from __future__ import annotations

import datetime as dt
import secrets

from flask import current_app, has_app_context
from sqlalchemy import JSON, Boolean, DateTime, Float, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import Model
from .base import TimestampMixin, utcnow

VOLUNTEER, EXAMINER, ADMIN = "volunteer", "examiner", "admin"
ROLES = (VOLUNTEER, EXAMINER, ADMIN)


def new_session_token() -> str:
    """Return a fresh random session token (256 bits)."""
    return secrets.token_urlsafe(32)


def is_member(user: User | None) -> bool:
    """Tell whether `user` is logged in and neither deactivated nor banned."""
    return bool(user is not None and user.is_authenticated and user.is_active)


def is_moderator(user: User | None) -> bool:
    """Tell whether `user` may see hidden content and moderate it (an active administrator)."""
    return bool(is_member(user) and user is not None and user.is_admin)


def content_flag_refusal(user: User | None, owner_id: int | None, noun: str) -> str | None:
    """Return why `user` may not flag someone's `noun` to the moderators, or None (never one's own)."""
    if not is_member(user) or user is None:
        return "Log in to flag content."
    if user.id == owner_id:
        return f"You cannot flag your own {noun}."
    return None


def moderation_refusal(user: User | None) -> str | None:
    """Return why `user` may not moderate (hide, restore, ban, resolve flags), or None."""
    return None if is_moderator(user) else "Only administrators moderate."


class User(TimestampMixin, Model):
    """An account; the display name may be a pseudonym."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(255), unique=True, index=True)
    display_name: Mapped[str] = mapped_column(String(80))
    password_hash: Mapped[str] = mapped_column(String(255), default="")
    role: Mapped[str] = mapped_column(String(16), default=VOLUNTEER)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    affiliation: Mapped[str] = mapped_column(String(255), default="")
    expertise: Mapped[list[str]] = mapped_column(JSON, default=list)  # CPC symbols
    bio: Mapped[str] = mapped_column(Text, default="")
    banned_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # Repeated failed logins lock the account for a while (backoff against guessing).
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # Flask-Login's alternative id: sessions and remember cookies carry it, so replacing it
    # (logout, password change or reset, ban) ends every session of the account at once.
    session_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_session_token)
    # Track record with examiners, kept in the same transaction as each verdict.
    verdicts_total: Mapped[int] = mapped_column(Integer, default=0)
    verdicts_positive: Mapped[int] = mapped_column(Integer, default=0)
    reputation: Mapped[float] = mapped_column(Float, default=0.0)
    # Notifications are mailed while this is set: those made since then (turning mail back on
    # does not mail what piled up while it was off). None: the site only, no mail.
    mail_notifications_since: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), default=utcnow)

    # Flask-Login's interface.
    is_anonymous = False

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active and self.banned_at is None

    def get_id(self) -> str:
        """Return the session token and a per-login nonce: every login's cookies differ."""
        if not self.session_token:
            self.session_token = new_session_token()
        return f"{self.session_token}.{secrets.token_urlsafe(8)}"

    def end_sessions(self) -> None:
        """Replace the session token: every session and remember cookie of this account stops working."""
        self.session_token = new_session_token()

    @property
    def mails_notifications(self) -> bool:
        """Tell whether the account's notifications are mailed, not only shown on the site."""
        return self.mail_notifications_since is not None

    def set_mail_notifications(self, on: bool) -> None:
        """Turn mailed notifications on (from now) or off."""
        if on and self.mail_notifications_since is None:
            self.mail_notifications_since = utcnow()
        elif not on:
            self.mail_notifications_since = None

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN

    @property
    def is_examiner(self) -> bool:
        return self.role in (EXAMINER, ADMIN)

    def flag_refusal(self, reporter: User | None) -> str | None:
        """Return why `reporter` may not flag this account to the moderators, or None."""
        if not is_member(reporter):
            return "Log in to flag content."
        if reporter is not None and reporter.id == self.id:
            return "You cannot flag yourself."
        return None

    def can_flag(self, reporter: User | None) -> bool:
        """Tell whether `reporter` may flag this account (see `flag_refusal`)."""
        return self.flag_refusal(reporter) is None

    def set_password(self, password: str) -> None:
        """Store a salted hash of `password` (scrypt unless the config says otherwise)."""
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if has_app_context() else "scrypt"
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        """Tell whether `password` matches the stored hash."""
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"
