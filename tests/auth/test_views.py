"""Account pages: register, log in and out, lockout, reset, profile."""
from __future__ import annotations

import datetime as dt
import logging
import re
from html import unescape
from urllib.parse import quote

import pytest
from flask import g

from reviewapp.auth.services import create_reset_token, find_user
from reviewapp.examiner.verdicts import record_feedback
from reviewapp.models import User
from reviewapp.models.base import utcnow
from tests.conftest import forget_login_each_request
from tests.factories import PASSWORD, make_application, make_submission, make_user

REFUSED = "Wrong email or password."


def page(response) -> str:
    return unescape(response.get_data(as_text=True))


def log_in(client, email: str, password: str, **query):
    return client.post("/auth/login", query_string=query, data={"email": email, "password": password})


def register(client, **fields):
    data = {"email": "ada@example.org", "display_name": "Ada", "password": "long enough pw",
            "confirm": "long enough pw"} | fields
    return client.post("/auth/register", data=data)


# --- register ---------------------------------------------------------------------------------

def test_register_creates_the_account_and_logs_in(client, db):
    response = register(client, email="Ada@Example.org", display_name="Countess")
    assert response.status_code == 302
    user = find_user(db.session, "ada@example.org")
    assert user is not None and user.display_name == "Countess" and user.role == "volunteer"
    assert "Countess" in page(client.get("/auth/profile"))


def test_register_errors_sit_next_to_their_fields_and_keep_what_was_typed(client, db):
    make_user(email="ada@example.org")
    db.session.commit()
    text = page(register(client, email="ADA@example.org", display_name="Typed name"))
    assert 'id="email-error">An account with this email already exists.' in text
    assert 'value="Typed name"' in text and 'value="ADA@example.org"' in text

    text = page(register(client, email="new@example.org", password="short", confirm="short"))
    assert 'id="password-error">Choose a password of at least 10 characters.' in text

    text = page(register(client, email="new@example.org", confirm="something else"))
    assert 'id="confirm-error">The two passwords differ.' in text

    text = page(register(client, email="not an email", display_name=""))
    assert 'id="email-error">Enter a valid email address.' in text
    assert 'id="display_name-error">Choose a display name' in text
    assert find_user(db.session, "new@example.org") is None


def test_one_mailbox_is_one_account_whichever_spelling_is_typed(client, db):
    """A decomposed, capitalised or punycode spelling is the same account: taken, and logs in."""
    assert register(client, email="Zoe\u0308@example.com").status_code == 302
    client.post("/auth/logout")
    text = page(register(client, email="zo\u00eb@example.com"))
    assert 'id="email-error">An account with this email already exists.' in text
    response = log_in(client, "ZO\u00cb@EXAMPLE.COM", "long enough pw")
    assert response.status_code == 302 and response.location == "/"
    client.post("/auth/logout")
    assert register(client, email="ada@ex\u00e4mple.com").status_code == 302
    client.post("/auth/logout")
    assert log_in(client, "ada@xn--exmple-cua.com", "long enough pw").status_code == 302
    assert [user.email for user in db.session.scalars(db.select(User).order_by(User.id))] == [
        "zo\u00eb@example.com", "ada@ex\u00e4mple.com"]


def test_a_password_is_refused_for_what_is_wrong_with_it_once(client, db):
    text = page(register(client, password="x" * 300, confirm="x" * 300))
    assert 'id="password-error">Choose a password of at most 256 characters.' in text
    assert "at least 10" not in text
    text = page(register(client, password=" " * 12, confirm=" " * 12))
    assert 'id="password-error">A password cannot be only spaces' in text
    assert text.count('class="error"') == 1  # not also "missing" or "too short", nor "repeat it"
    assert find_user(db.session, "ada@example.org") is None


def test_a_display_name_of_invisible_characters_is_refused_next_to_the_field(client, db):
    text = page(register(client, display_name="\u200b\u200b"))
    assert 'id="display_name-error">This display name would show as nothing' in text
    assert find_user(db.session, "ada@example.org") is None


# --- log in and out ---------------------------------------------------------------------------

def test_login_then_logout(client, db):
    user = make_user()
    db.session.commit()
    response = log_in(client, user.email, PASSWORD)
    assert response.status_code == 302 and response.location == "/"
    assert "Your profile" in page(client.get("/auth/profile"))
    assert client.post("/auth/logout").status_code == 302
    assert client.get("/auth/profile").status_code == 302


def test_login_follows_a_local_next_only(client, db):
    user = make_user()
    db.session.commit()
    assert log_in(client, user.email, PASSWORD, next="/auth/profile").location == "/auth/profile"
    client.post("/auth/logout")
    assert log_in(client, user.email, PASSWORD, next="https://evil.example/").location == "/"
    client.post("/auth/logout")
    assert log_in(client, user.email, PASSWORD, next="//evil.example/x").location == "/"


def test_login_does_not_go_on_to_a_url_that_answers_posts_only(client, db):
    user, number = make_user(), make_application().number
    db.session.commit()
    response = log_in(client, user.email, PASSWORD, next=f"/applications/{number}/watch")
    assert response.location == "/"  # not a GET of the button's URL: 405


def test_a_form_sent_after_the_session_ended_elsewhere_comes_back_to_its_page(app, db):
    """Logged out on the laptop, the phone presses Watch: log in, then back on the page."""
    forget_login_each_request(app)
    user, number = make_user(), make_application().number
    db.session.commit()
    laptop, phone = app.test_client(), app.test_client()
    for device in (laptop, phone):
        assert log_in(device, user.email, PASSWORD).status_code == 302
    detail = f"/applications/{number}"
    assert phone.get(detail).status_code == 200
    laptop.post("/auth/logout")  # every session of the account ends

    response = phone.post(f"{detail}/watch", headers={"Referer": f"http://localhost.test{detail}"})
    assert response.location == "/auth/login?next=" + quote(detail, safe="")
    response = phone.post(response.location, data={"email": user.email, "password": PASSWORD})
    assert response.location == detail
    assert phone.get(detail).status_code == 200
    assert phone.post(f"{detail}/watch").location == detail  # pressed again, it works


@pytest.mark.parametrize("referer", [None, "http://evil.example/applications",
                                     "http://localhost.test/nowhere"])
def test_a_form_sent_logged_out_without_a_page_to_return_to_logs_in_to_home(client, db, referer):
    number = make_application().number
    db.session.commit()
    headers = {"Referer": referer} if referer else {}
    response = client.post(f"/applications/{number}/watch", headers=headers)
    assert response.status_code == 302 and response.location == "/auth/login"


def test_logout_is_post_only(client, auth, db):
    auth.login(make_user())
    db.session.commit()
    assert client.get("/auth/logout").status_code == 405


def test_wrong_password_and_unknown_email_get_the_same_answer(client, db):
    user = make_user()
    db.session.commit()
    wrong = log_in(client, user.email, "wrong password!")
    unknown = log_in(client, "nobody@example.org", "wrong password!")
    assert wrong.status_code == unknown.status_code == 200
    assert REFUSED in page(wrong) and REFUSED in page(unknown)
    assert page(wrong).replace(user.email, "X") == page(unknown).replace("nobody@example.org", "X")


def test_failures_persist_and_lock_after_five(client, db):
    user = make_user()
    db.session.commit()
    for _ in range(5):
        assert REFUSED in page(log_in(client, user.email, "wrong password!"))
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert user.failed_logins == 5 and user.locked_until is not None
    # Locked: even the right password is refused, with the same words as for a wrong one.
    response = log_in(client, user.email, PASSWORD)
    assert response.status_code == 200 and REFUSED in page(response)
    assert client.get("/auth/profile").status_code == 302


def test_login_works_again_once_the_lock_has_passed(client, db):
    user = make_user(failed_logins=5, locked_until=utcnow() - dt.timedelta(seconds=1))
    db.session.commit()
    assert log_in(client, user.email, PASSWORD).status_code == 302
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert user.failed_logins == 0 and user.locked_until is None


def test_banned_user_cannot_log_in_and_is_told_why(client, db):
    user = make_user(banned_at=utcnow())
    db.session.commit()
    response = log_in(client, user.email, PASSWORD)
    assert response.status_code == 200
    assert "suspended" in page(response)
    assert client.get("/auth/profile").status_code == 302


def test_a_banned_user_is_logged_out_at_the_next_request(client, auth, db):
    user = make_user()
    db.session.commit()
    auth.login(user)
    assert client.get("/auth/profile").status_code == 200
    user.banned_at = utcnow()
    db.session.commit()
    # The test app context outlives requests, and Flask-Login caches the user in it.
    g.pop("_login_user", None)
    assert client.get("/auth/profile").status_code == 302


# --- password reset ---------------------------------------------------------------------------

def test_forgot_password_says_the_same_for_unknown_emails(client, db, caplog):
    user = make_user(email="ada@example.org")
    db.session.commit()
    with caplog.at_level(logging.INFO, logger="reviewapp.mail"):
        known = client.post("/auth/forgot", data={"email": "ada@example.org"}, follow_redirects=True)
        mails_after_known = len(caplog.records)
        unknown = client.post("/auth/forgot", data={"email": "nobody@example.org"}, follow_redirects=True)
    assert known.status_code == unknown.status_code == 200
    assert page(known) == page(unknown)
    assert "If an account exists for that email" in page(known)
    assert mails_after_known == 1 and len(caplog.records) == 1
    assert user.email in caplog.records[0].getMessage()


def test_reset_link_from_the_mail_works_once(app, client, db, caplog):
    app.config["MAIL_TO_LOG"] = True  # the development setting that logs whole messages
    user = make_user(email="ada@example.org")
    db.session.commit()
    with caplog.at_level(logging.INFO, logger="reviewapp.mail"):
        client.post("/auth/forgot", data={"email": "ada@example.org"})
    link = re.search(r"http://localhost\.test(/auth/reset/\S+)", caplog.text)[1]
    assert client.get(link).status_code == 200

    text = page(client.post(link, data={"password": "new password 1", "confirm": "other"}))
    assert 'id="confirm-error">The two passwords differ.' in text

    response = client.post(link, data={"password": "new password 1", "confirm": "new password 1"})
    assert response.status_code == 302 and response.location == "/auth/login"
    assert log_in(client, user.email, "new password 1").status_code == 302
    client.post("/auth/logout")

    again = client.get(link, follow_redirects=True)
    assert "already been used" in page(again)
    response = client.post(link, data={"password": "new password 2", "confirm": "new password 2"})
    assert response.location == "/auth/forgot"
    assert log_in(client, user.email, "new password 2").status_code == 200


def test_reset_link_uses_base_url_when_configured(app, client, db, caplog):
    app.config.update(BASE_URL="https://review.example.org", MAIL_TO_LOG=True)
    make_user(email="ada@example.org")
    db.session.commit()
    with caplog.at_level(logging.INFO, logger="reviewapp.mail"):
        # A trusted name of this machine, yet not the public address: the link still is.
        client.post("/auth/forgot", data={"email": "ada@example.org"}, headers={"Host": "127.0.0.1:5000"})
    assert "https://review.example.org/auth/reset/" in caplog.text
    assert "127.0.0.1" not in caplog.text


@pytest.mark.parametrize("host", ["evil.example", "evil.example:80", "localhost.test.evil.example"])
def test_forged_host_gets_400_and_no_reset_mail(app, client, db, caplog, host):
    """Refuse an untrusted Host header before any view runs: no mail, no link on that host."""
    app.config.update(MAIL_TO_LOG=True)
    make_user(email="ada@example.org")
    db.session.commit()
    with caplog.at_level(logging.INFO, logger="reviewapp.mail"):
        response = client.post("/auth/forgot", data={"email": "ada@example.org"}, headers={"Host": host})
    assert response.status_code == 400
    assert "Reset your" not in caplog.text and "evil.example" not in caplog.text
    assert client.get("/", headers={"Host": host}).status_code == 400
    assert client.get("/api/v1/applications", headers={"Host": host}).status_code == 400


def test_expired_or_forged_reset_link_is_refused(client, db, monkeypatch):
    from itsdangerous.timed import TimestampSigner

    user = make_user()
    db.session.commit()
    token = create_reset_token(user)
    assert "not valid" in page(client.get("/auth/reset/nonsense", follow_redirects=True))
    later = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: later(self) + 2 * 3600)
    response = client.post(f"/auth/reset/{token}", data={"password": "new password 1", "confirm": "new password 1"},
                           follow_redirects=True)
    assert "expired" in page(response)
    db.session.expire_all()
    assert db.session.get(User, user.id).check_password(PASSWORD)


# --- profile ----------------------------------------------------------------------------------

def test_profile_needs_login(client):
    response = client.get("/auth/profile")
    assert response.status_code == 302 and response.location.startswith("/auth/login?next=")


def test_profile_shows_and_saves(client, auth, db):
    user = make_user(name="Ada", expertise=["H04L"])
    db.session.commit()
    auth.login(user)
    assert 'value="H04L"' in page(client.get("/auth/profile"))
    response = client.post("/auth/profile", data={
        "display_name": "Ada L.", "affiliation": "Engines Ltd", "expertise": "h04l, H01M10/613",
        "bio": "Batteries."})
    assert response.status_code == 302
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert user.expertise == ["H04L", "H01M 10/613"]
    assert (user.display_name, user.affiliation, user.bio) == ("Ada L.", "Engines Ltd", "Batteries.")


def test_profile_counts_examiner_verdicts_as_verdicts(client, auth, db):
    """One submission judged by two examiners: two verdicts, not two submissions."""
    user = make_user(name="Ada")
    submission = make_submission(make_application(), user)
    for _ in range(2):
        record_feedback(db.session, submission, make_user("examiner"), "used")
    db.session.commit()
    auth.login(user)
    html = " ".join(page(client.get("/auth/profile")).split())
    assert "examiner verdicts on your submissions: 2 positive of 2" in html
    assert "submissions relied on" not in html


def test_profile_turns_notification_mail_off_and_on(client, auth, db):
    user = make_user(name="Ada")
    db.session.commit()
    auth.login(user)
    box = re.compile(r'<input[^>]* id="mail_notifications"[^>]*>')
    assert " checked " in box.search(page(client.get("/auth/profile")))[0]
    assert "They are also emailed to you" in page(client.get("/notifications"))
    profile = {"display_name": "Ada", "affiliation": "", "expertise": "", "bio": ""}
    assert client.post("/auth/profile", data=profile).status_code == 302  # the box unticked
    db.session.expire_all()
    assert not db.session.get(User, user.id).mails_notifications
    assert " checked " not in box.search(page(client.get("/auth/profile")))[0]
    assert "They are not emailed to you" in page(client.get("/notifications"))
    assert client.post("/auth/profile", data=profile | {"mail_notifications": "y"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).mails_notifications


def test_a_bio_that_fits_the_text_box_is_accepted_with_its_line_breaks(client, auth, db):
    """62 lines of 79 characters: 4,959 as the box's maxlength counts, 5,020 as posted (CRLF)."""
    user = make_user(name="Ada")
    db.session.commit()
    auth.login(user)
    bio = "\r\n".join(["x" * 79] * 62)
    response = client.post("/auth/profile", data={"display_name": "Ada", "affiliation": "",
                                                  "expertise": "", "bio": bio})
    assert response.status_code == 302, page(response)
    db.session.expire_all()
    assert db.session.get(User, user.id).bio == bio.replace("\r\n", "\n")


def test_profile_refuses_an_invisible_display_name_next_to_the_field(client, auth, db):
    user = make_user(name="Ada")
    db.session.commit()
    auth.login(user)
    response = client.post("/auth/profile", data={"display_name": "\u200b\u2060", "affiliation": "",
                                                  "expertise": "", "bio": ""})
    assert 'id="display_name-error">This display name would show as nothing' in page(response)
    db.session.expire_all()
    assert db.session.get(User, user.id).display_name == "Ada"


def test_profile_rejects_a_bad_cpc_symbol_next_to_the_field(client, auth, db):
    user = make_user(name="Ada", expertise=["H04L"])
    db.session.commit()
    auth.login(user)
    response = client.post("/auth/profile", data={
        "display_name": "Changed", "affiliation": "", "expertise": "H04L, batteries", "bio": ""})
    text = page(response)
    assert response.status_code == 200
    assert "id=\"expertise-error\">\u201cbatteries\u201d is not a CPC symbol" in text
    assert 'value="H04L, batteries"' in text and 'value="Changed"' in text
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert user.display_name == "Ada" and user.expertise == ["H04L"]


def test_change_password(client, auth, db):
    user = make_user()
    db.session.commit()
    auth.login(user)
    text = page(client.post("/auth/password", data={
        "current_password": "wrong one", "password": "new password 1", "confirm": "new password 1"}))
    assert 'id="current_password-error">This is not your current password.' in text
    db.session.expire_all()
    assert db.session.get(User, user.id).failed_logins == 1  # counted, and kept by the request
    response = client.post("/auth/password", data={
        "current_password": PASSWORD, "password": "new password 1", "confirm": "new password 1"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).check_password("new password 1")


def test_forms_carry_a_csrf_token_when_csrf_is_on(app, client):
    app.config["WTF_CSRF_ENABLED"] = True
    for url in ("/auth/login", "/auth/register", "/auth/forgot"):
        assert 'name="csrf_token"' in page(client.get(url))
    assert client.post("/auth/login", data={"email": "a@example.org", "password": "x"}).status_code == 400


def test_examiners_land_on_their_queue_others_at_home(client, db):
    examiner, volunteer = make_user("examiner"), make_user()
    db.session.commit()
    response = client.post("/auth/login", data={"email": examiner.email, "password": PASSWORD})
    assert response.status_code == 302 and response.location == "/examiner/"
    assert client.get("/auth/login").location == "/examiner/"  # already in: the same place
    client.post("/auth/logout")
    response = client.post("/auth/login?next=/tags", data={"email": examiner.email, "password": PASSWORD})
    assert response.location == "/tags"  # a page asked for still wins
    client.post("/auth/logout")
    response = client.post("/auth/login", data={"email": volunteer.email, "password": PASSWORD})
    assert response.location == "/"


def test_typed_shortcuts_lead_to_the_account_pages(client):
    response = client.get("/login?next=/tags")
    assert response.status_code == 302 and response.location == "/auth/login?next=/tags"
    assert client.get("/register").location == "/auth/register"


def test_shortcuts_do_not_pass_url_for_options_from_the_query(client):
    # These once reached url_for as options: an absolute URL on the request's Host, an anchor.
    response = client.get("/login?_external=1&_scheme=http&_anchor=x&_method=GET&next=/tags")
    assert response.status_code == 302 and response.location == "/auth/login?next=/tags"
    assert client.get("/register?_anchor=x").location == "/auth/register"
    # Nor url_for's own arguments (a 500 once), nor anything else: only next is read there.
    for query in ("endpoint=x", "endpoint=x&next=/tags&values=1&utm=y"):
        for shortcut in ("/login", "/register"):
            response = client.get(f"{shortcut}?{query}")
            expected = f"/auth{shortcut}" + ("?next=/tags" if "next" in query else "")
            assert (response.status_code, response.location) == (302, expected)


def test_welcome_has_one_full_stop_after_an_initial(client, db):
    response = client.post("/auth/register", follow_redirects=True, data={
        "email": "newbie@example.org", "display_name": "Newbie N.", "password": "a long enough password",
        "confirm": "a long enough password"})
    html = unescape(response.get_data(as_text=True))
    assert "Welcome, Newbie N. Your account is ready." in html and "N.." not in html
