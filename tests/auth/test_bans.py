"""Account services: banning and unbanning, with their audit entries."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from reviewapp.auth.services import AccountError, ban_user, set_role, unban_user
from reviewapp.models import AuditEntry
from reviewapp.models.base import utcnow
from tests.factories import make_user


def audit(db) -> list[tuple]:
    return [(e.actor_id, e.action, e.target_type, e.target_id, e.detail)
            for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def test_ban_and_unban_are_recorded(db):
    admin, user = make_user("admin"), make_user()
    ban_user(db.session, admin, user, " spam ")
    assert user.banned_at is not None and not user.is_active
    unban_user(db.session, admin, user)
    assert user.banned_at is None and user.is_active
    assert audit(db) == [(admin.id, "ban", "user", user.id, {"reason": "spam", "flags_resolved": 0}),
                         (admin.id, "unban", "user", user.id, {})]


def test_unban_may_say_why(db):
    admin, user = make_user("admin"), make_user(banned_at=utcnow())
    unban_user(db.session, admin, user, " appeal accepted ")
    assert audit(db) == [(admin.id, "unban", "user", user.id, {"reason": "appeal accepted"})]


def test_ban_refusals(db):
    admin, user = make_user("admin"), make_user(banned_at=utcnow())
    with pytest.raises(AccountError, match="yourself"):
        ban_user(db.session, admin, admin)
    with pytest.raises(AccountError, match="already banned"):
        ban_user(db.session, admin, user)
    with pytest.raises(AccountError, match="not banned"):
        unban_user(db.session, admin, admin)
    assert audit(db) == []


def test_the_last_usable_admin_cannot_be_banned(db):
    admin, other = make_user("admin"), make_user("admin")
    ban_user(db.session, admin, other)
    third = make_user("admin", banned_at=utcnow())
    set_role(db.session, other, "volunteer", admin)  # a banned admin may lose the role
    with pytest.raises(AccountError, match="last administrator"):
        ban_user(db.session, third, admin)
    assert admin.banned_at is None
