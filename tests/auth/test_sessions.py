"""Sessions end for good: logout, a password change or reset and a ban void every copied cookie."""
from __future__ import annotations

import pytest

from reviewapp.auth.services import ban_user, create_reset_token
from reviewapp.models import User
from tests.conftest import forget_login_each_request
from tests.factories import PASSWORD, make_user

NEW_PASSWORD = "another long password"
PRIVATE = "/auth/profile"
DOMAIN = "localhost.test"  # the test apps' SERVER_NAME


@pytest.fixture
def member(app, db):
    """Return an account, committed; each request of the test loads its user afresh."""
    forget_login_each_request(app)
    user = make_user(email="sam@example.org")
    db.session.commit()
    return user


def log_in(app, remember: bool = True):
    """Log a new client in through the form; return it."""
    client = app.test_client()
    response = client.post("/auth/login", data={"email": "sam@example.org", "password": PASSWORD,
                                                "remember": "y" if remember else ""})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client


def copy_of(app, client, names=("session", "remember_token")):
    """Return a new client holding a copy of `client`'s cookies, as a thief would."""
    thief = app.test_client()
    for name in names:
        cookie = client.get_cookie(name, domain=DOMAIN)
        if cookie is not None:
            thief.set_cookie(name, cookie.value, domain=DOMAIN)
    return thief


def logged_in(client) -> bool:
    """Tell whether the client's cookies open a members' page."""
    return client.get(PRIVATE).status_code == 200


def test_copied_cookies_work_before_anything_ends_them(app, member):
    client = log_in(app)
    assert logged_in(copy_of(app, client))
    assert logged_in(copy_of(app, client, ["remember_token"]))  # the remember cookie alone


def test_logout_ends_every_session_and_remember_cookie(app, member):
    """Log out on one device: a copy of its cookies and another device's session stop working."""
    client, other_device = log_in(app), log_in(app)
    stolen, stolen_remember = copy_of(app, client), copy_of(app, client, ["remember_token"])
    assert client.post("/auth/logout").status_code == 302
    assert not logged_in(stolen)
    assert not logged_in(stolen_remember)
    assert not logged_in(other_device)


def test_password_change_ends_other_sessions_and_keeps_this_one(app, member):
    client, other_device = log_in(app), log_in(app)
    stolen = copy_of(app, client)
    response = client.post("/auth/password", data={"current_password": PASSWORD, "password": NEW_PASSWORD,
                                                   "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert logged_in(client)
    assert not logged_in(stolen)
    assert not logged_in(other_device)


def change_password(client) -> None:
    """Change the account's password on `client`'s device."""
    response = client.post("/auth/password", data={
        "current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302


def test_a_password_change_keeps_this_device_remembered(app, member):
    client = log_in(app, remember=True)
    change_password(client)
    # The browser restarts: its session cookie is gone, the new remember cookie logs it in.
    assert logged_in(copy_of(app, client, ["remember_token"]))


@pytest.mark.parametrize("remembered_before", [False, True])
def test_a_password_change_does_not_remember_a_device_that_was_not(app, member, remembered_before):
    """Not ticked at this login: no remember cookie after, even if a stale one was left over."""
    client = log_in(app, remember=remembered_before)
    if remembered_before:  # that session ended on another device; this login did not tick the box
        log_in(app).post("/auth/logout")
        assert client.post("/auth/login", data={"email": "sam@example.org",
                                                "password": PASSWORD}).status_code == 302
    change_password(client)
    assert logged_in(client)
    assert not logged_in(copy_of(app, client, ["remember_token"]))


def test_password_reset_ends_every_session(app, db, member):
    client = log_in(app)
    stolen = copy_of(app, client)
    token = create_reset_token(member)
    response = app.test_client().post(f"/auth/reset/{token}",
                                      data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert not logged_in(stolen)
    assert not logged_in(client)


def test_a_ban_ends_every_session_and_an_unban_does_not_revive_them(app, db, member):
    admin = make_user("admin")
    db.session.commit()
    client = log_in(app)
    stolen = copy_of(app, client, ["remember_token"])
    ban_user(db.session, admin, db.session.get(User, member.id), "spam")
    db.session.commit()
    assert not logged_in(client)
    db.session.get(User, member.id).banned_at = None
    db.session.commit()
    assert not logged_in(client) and not logged_in(stolen)


def test_remember_cookie_differs_per_login_and_expires_in_30_days(app, member):
    first, second = log_in(app), log_in(app)
    one, two = (first.get_cookie("remember_token", domain=DOMAIN),
                second.get_cookie("remember_token", domain=DOMAIN))
    assert one.value != two.value
    assert one.expires is not None
    lifetime = one.expires.timestamp() - __import__("time").time()
    assert 29 * 86400 < lifetime <= 30 * 86400 + 60


def test_a_session_cookie_naming_the_numeric_user_id_opens_nothing(app, member):
    """Refuse the pre-token form of a session (`_user_id` = the account id)."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(member.id)
        session["_fresh"] = True
    assert not logged_in(client)
