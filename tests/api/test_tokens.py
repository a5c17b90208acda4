"""The token page: examiners only, the secret shown once, only its hash kept, revocation."""
from __future__ import annotations

import hashlib
import re

import pytest
from sqlalchemy import select

from reviewapp.api.services import MAX_TOKENS, create_token
from reviewapp.extensions import db
from reviewapp.models import ApiToken
from tests.conftest import wait_until_blocked
from tests.factories import make_application, make_user

SECRET = re.compile(r'<code id="new-token">(opa_[A-Za-z0-9_-]{43})</code>')


def create(client, name="nightly pull") -> str:
    """Create a token through the page and return the secret it shows."""
    response = client.post("/api/tokens", data={"name": name})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    match = SECRET.search(response.get_data(as_text=True))
    assert match, response.get_data(as_text=True)
    return match.group(1)


def test_anonymous_visitors_are_sent_to_log_in(client, app):
    response = client.get("/api/tokens")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_volunteers_are_refused(client, auth, app):
    auth.login(make_user())
    db.session.commit()  # a refused request rolls back: keep the account
    assert client.get("/api/tokens").status_code == 403
    assert client.post("/api/tokens", data={"name": "x"}).status_code == 403
    assert db.session.scalars(select(ApiToken)).all() == []


def test_create_shows_the_secret_once_and_stores_only_its_hash(client, auth, examiner):
    auth.login(examiner)
    secret = create(client)
    row = db.session.scalars(select(ApiToken)).one()
    assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert (row.user_id, row.name, row.revoked_at) == (examiner.id, "nightly pull", None)
    page = client.get("/api/tokens").get_data(as_text=True)
    assert secret not in page
    assert "nightly pull" in page and "active" in page


def test_the_new_token_opens_the_api(client, auth, examiner):
    make_application(number="US20180000016A1")
    auth.login(examiner)
    secret = create(client)
    auth.logout()
    response = client.get("/api/v1/applications/US20180000016A1/prior-art",
                          headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200


def test_a_name_is_required(client, auth, examiner):
    auth.login(examiner)
    response = client.post("/api/tokens", data={"name": "  "})
    assert "Name the token" in response.get_data(as_text=True)
    assert db.session.scalars(select(ApiToken)).all() == []


def test_revoke_closes_the_api_to_the_token(client, auth, examiner):
    auth.login(examiner)
    secret = create(client)
    row = db.session.scalars(select(ApiToken)).one()
    response = client.post(f"/api/tokens/{row.id}/revoke", data={"confirm": "yes"})
    assert response.status_code == 302
    assert row.revoked_at is not None
    assert "revoked" in client.get("/api/tokens").get_data(as_text=True)
    api = client.get("/api/v1/applications", headers={"Authorization": f"Bearer {secret}"})
    assert api.status_code == 401


def test_nobody_revokes_someone_elses_token(client, auth, examiner):
    other, _secret = create_token(db.session, make_user("admin"), "theirs")
    db.session.commit()  # a refused request rolls back: keep the rows
    auth.login(examiner)
    assert client.post(f"/api/tokens/{other.id}/revoke", data={"confirm": "yes"}).status_code == 404
    assert client.get(f"/api/tokens/{other.id}/revoke").status_code == 404
    assert other.revoked_at is None
    assert client.post("/api/tokens/999999/revoke", data={"confirm": "yes"}).status_code == 404


def test_revoking_asks_first_and_only_a_confirmed_post_revokes(client, auth, examiner):
    row, _secret = create_token(db.session, examiner, "mine")
    db.session.commit()  # a refused request rolls back: keep the rows
    auth.login(examiner)
    for response in (client.get(f"/api/tokens/{row.id}/revoke"),
                     client.post(f"/api/tokens/{row.id}/revoke")):
        page = response.get_data(as_text=True)
        assert response.status_code == 200 and "Revoke the token" in page and "cannot be undone" in page
        assert 'name="confirm" value="yes"' in page
        db.session.refresh(row)
        assert row.revoked_at is None


def test_the_forms_are_csrf_protected(client, auth, examiner, app):
    row, _secret = create_token(db.session, examiner, "mine")
    db.session.commit()  # a refused request rolls back: keep the rows
    app.config["WTF_CSRF_ENABLED"] = True
    auth.login(examiner)
    assert client.post("/api/tokens", data={"name": "forged"}).status_code == 400
    assert client.post(f"/api/tokens/{row.id}/revoke").status_code == 400
    assert row.revoked_at is None
    assert db.session.scalars(select(ApiToken.name)).all() == ["mine"]


def test_active_tokens_are_capped(client, auth, examiner):
    for i in range(MAX_TOKENS):
        create_token(db.session, examiner, f"t{i}")
    auth.login(examiner)
    response = client.post("/api/tokens", data={"name": "one more"})
    assert "revoke one first" in response.get_data(as_text=True)
    assert not SECRET.search(response.get_data(as_text=True))


def test_volunteers_cannot_hold_tokens(app):
    from reviewapp.api.services import ApiError

    with pytest.raises(ApiError):
        create_token(db.session, make_user(), "sneaky")


def test_two_connections_creating_the_last_token_at_once_keep_the_cap(app, examiner):
    """Create the 20th token on one connection while another asks for one too (PostgreSQL)."""
    import threading

    from sqlalchemy import func
    from sqlalchemy.orm import Session

    from reviewapp.api.services import ApiError
    from reviewapp.models import User

    for i in range(MAX_TOKENS - 1):
        create_token(db.session, examiner, f"t{i}")
    db.session.commit()
    outcome: dict[str, str] = {}
    with Session(db.engine) as one, Session(db.engine) as two:
        create_token(one, one.get(User, examiner.id), "first")  # the 20th, not committed yet

        def create_another() -> None:
            with app.app_context():
                try:
                    create_token(two, two.get(User, examiner.id), "second")
                    two.commit()
                    outcome["result"] = "created"
                except ApiError as error:
                    two.rollback()
                    outcome["result"] = error.message

        worker = threading.Thread(target=create_another)
        worker.start()
        wait_until_blocked(db.engine)
        one.commit()
        worker.join(timeout=20)
    assert "revoke one first" in outcome.get("result", ""), outcome
    active = db.session.scalar(select(func.count(ApiToken.id)).where(ApiToken.revoked_at.is_(None)))
    assert active == MAX_TOKENS


def test_a_password_change_a_reset_or_a_ban_revokes_the_accounts_tokens(client, auth, examiner):
    """Whoever once knew the password keeps no API access after the owner secures the account."""
    from reviewapp.auth.services import (
        ban_user,
        change_password,
        create_reset_token,
        reset_password,
        unban_user,
    )
    from tests.factories import PASSWORD

    other = make_user("examiner")
    admin = make_user("admin")
    kept = create_token(db.session, other, "someone else's")[1]

    def live_secret() -> str:
        secret = create_token(db.session, examiner, "script")[1]
        db.session.commit()
        assert call(secret) == 200
        return secret

    def call(secret: str) -> int:
        return client.get("/api/v1/applications",
                          headers={"Authorization": f"Bearer {secret}"}).status_code

    secret = live_secret()
    change_password(db.session, examiner, PASSWORD, "a new long password")
    db.session.commit()
    assert call(secret) == 401
    secret = live_secret()
    reset_password(db.session, create_reset_token(examiner), "another long password")
    db.session.commit()
    assert call(secret) == 401
    secret = live_secret()
    ban_user(db.session, admin, examiner, "stolen laptop")
    unban_user(db.session, admin, examiner)
    db.session.commit()
    assert call(secret) == 401  # the unban does not bring it back
    assert call(kept) == 200
