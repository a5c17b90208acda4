"""Bearer tokens for the JSON API: made, hashed, checked."""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import ApiToken, User
from ..models.application import as_utc
from ..models.base import utcnow

TOKEN_PREFIX = "opa_"  # recognisable in logs and by secret scanners
TOUCH_EVERY = dt.timedelta(minutes=5)  # last_used_at precision: not one write per request


class TokenError(Exception):
    """A refused `Authorization` header: 401 (bad credentials) or 403 (not an examiner)."""

    def __init__(self, message: str, status: int = 401):
        super().__init__(message)
        self.message, self.status = message, status


def new_token() -> str:
    """Return a fresh random token (256 bits), shown once and never stored."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """Return the SHA-256 hex digest under which a token is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def authenticate_header(session: Session, header: str | None,
                        now: dt.datetime | None = None) -> User | None:
    """Return the examiner behind an `Authorization: Bearer` header; None when there is none."""
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise TokenError("Send the token as 'Authorization: Bearer <token>'.")
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    if row is None or row.revoked_at is not None or not row.user.is_active:
        raise TokenError("This token is unknown or revoked.")
    if not row.user.is_examiner:
        raise TokenError("This token's account is not an examiner's or an administrator's.", 403)
    now = now or utcnow()
    if row.last_used_at is None or now - as_utc(row.last_used_at) >= TOUCH_EVERY:
        row.last_used_at = now
        session.flush()
    return row.user

