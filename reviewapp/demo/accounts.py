"""The demo accounts, created through the site's own registration and profile services."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..auth import services as auth
from ..models import User
from .data import accounts

DEMO_ACCOUNTS: list[tuple[str, str, str, str]] = [
    (a.email, a.password, a.role, a.name) for a in accounts()
]  # (email, password, role, display name): demo-only passwords, printed by `reviewapp demo`
DEMO_EMAILS = tuple(account[0] for account in DEMO_ACCOUNTS)
# email -> (affiliation, expertise as CPC prefixes, bio).
ACCOUNT_PROFILES: dict[str, tuple[str, list[str], str]] = {
    a.email: (a.affiliation, list(a.expertise), a.bio) for a in accounts()
}


def create_accounts(session: Session) -> dict[str, User]:
    """Register the demo accounts that do not exist yet; return all of them by email."""
    existing = {user.email: user for user in
                session.scalars(select(User).where(User.email.in_(DEMO_EMAILS)))}
    for account in accounts():
        if account.email in existing:
            continue
        user = auth.register_user(session, email=account.email, display_name=account.name,
                                  password=account.password, role=account.role)
        auth.update_profile(session, user, display_name=account.name,
                            affiliation=account.affiliation,
                            expertise=", ".join(account.expertise), bio=account.bio,
                            mail_notifications=True)
        existing[account.email] = user
    return existing
