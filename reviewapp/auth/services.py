"""Account services: create, find, authenticate, change roles."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import User
from ..models.user import ROLES

MIN_PASSWORD_LENGTH = 10


class AccountError(ValueError):
    """An account operation refused, with a message for the user."""


def normalise_email(email: str) -> str:
    """Return the email trimmed and lower-cased, as stored."""
    return email.strip().lower()


def find_user(session: Session, email: str) -> User | None:
    """Return the account with this email, if any."""
    return session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def register_user(session: Session, *, email: str, display_name: str, password: str,
                  role: str = "volunteer") -> User:
    """Create an account; refuse a taken email or a short password."""
    if find_user(session, email) is not None:
        raise AccountError("An account with this email already exists.")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"Choose a password of at least {MIN_PASSWORD_LENGTH} characters.")
    if role not in ROLES:
        raise AccountError(f"Unknown role {role!r}.")
    user = User(email=normalise_email(email), display_name=display_name.strip(), role=role)
    user.set_password(password)
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    """Return the active account matching these credentials, or None."""
    user = find_user(session, email)
    if user is None or not user.is_active or not user.check_password(password):
        return None
    return user


def set_role(session: Session, user: User, role: str, actor: User | None) -> None:
    """Give `user` a role; `actor` None means the command line."""
    if role not in ROLES:
        raise AccountError(f"Unknown role {role!r}.")
    if actor is not None and not actor.is_admin:
        raise AccountError("Only administrators grant roles.")
    user.role = role
    session.flush()
