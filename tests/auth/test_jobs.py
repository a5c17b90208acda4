"""The password reset job: registered by the accounts feature, it makes the token itself."""
from __future__ import annotations

from reviewapp.auth.jobs import PASSWORD_RESET_JOB, run_password_reset_job
from tests.factories import make_user


def test_the_accounts_feature_registers_the_reset_job(app):
    assert app.extensions["tasks"][PASSWORD_RESET_JOB] is run_password_reset_job
    assert PASSWORD_RESET_JOB in app.extensions["outbox_kinds"]


def test_the_reset_job_makes_the_token_so_no_secret_waits_in_the_outbox(app, db, monkeypatch):
    from reviewapp.auth.services import RESET_TOKEN_SLOT, user_for_reset_token

    sent: list[tuple] = []
    monkeypatch.setattr("reviewapp.auth.services.send_mail", lambda *args: sent.append(args))
    user = make_user(email="ada@example.org")
    db.session.commit()
    template = f"http://x/auth/reset/{RESET_TOKEN_SLOT}"
    assert run_password_reset_job(None, template) is False  # the request named no account
    assert sent == []
    assert run_password_reset_job(user.id, template) is True
    (to, _subject, body), = sent
    token = body.split("http://x/auth/reset/")[1].split()[0]
    assert to == "ada@example.org" and user_for_reset_token(db.session, token) == user
    assert run_password_reset_job(user.id + 1000, template) is False  # deleted meanwhile


