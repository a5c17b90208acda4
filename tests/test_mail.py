"""Outgoing mail: the log without MAIL_SERVER, SMTP (with STARTTLS and login) with it."""
from __future__ import annotations

import logging
import smtplib
from typing import ClassVar, Self

import pytest

from reviewapp.mail import MailError, send_mail


class FakeSMTP:
    """Stands in for smtplib.SMTP and records what was asked of it."""

    instances: ClassVar[list[FakeSMTP]] = []
    fail_with: Exception | None = None

    def __init__(self, host: str, port: int, timeout: float | None = None) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.calls: list[str] = []
        self.logged_in: tuple[str, str] | None = None
        self.sent = []
        FakeSMTP.instances.append(self)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.calls.append("quit")

    def starttls(self, context=None) -> None:
        assert context is not None, "STARTTLS must verify the server certificate"
        self.calls.append("starttls")

    def login(self, user: str, password: str) -> None:
        self.calls.append("login")
        self.logged_in = (user, password)

    def send_message(self, message) -> None:
        if FakeSMTP.fail_with:
            raise FakeSMTP.fail_with
        self.calls.append("send")
        self.sent.append(message)


@pytest.fixture
def fake_smtp(monkeypatch):
    FakeSMTP.instances = []
    FakeSMTP.fail_with = None
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    return FakeSMTP


def test_without_mail_server_the_message_goes_to_the_log(app, caplog, fake_smtp):
    app.config.pop("MAIL_SERVER", None)
    app.config["MAIL_TO_LOG"] = True  # the development setting; off, only recipient and subject
    with caplog.at_level(logging.INFO, logger="reviewapp.mail"):
        send_mail("ada@example.org", "Your review", "The window closes tomorrow.")
    record = next(r for r in caplog.records if r.name == "reviewapp.mail")
    assert record.levelno == logging.INFO
    assert "ada@example.org" in record.getMessage()
    assert "Your review" in record.getMessage()
    assert "The window closes tomorrow." in record.getMessage()
    assert fake_smtp.instances == []


def test_with_mail_server_and_username_it_uses_starttls_and_logs_in(app, caplog, fake_smtp):
    app.config.update(MAIL_SERVER="smtp.example.org", MAIL_PORT="587", MAIL_USERNAME="robot",
                      MAIL_PASSWORD="s3cret-smtp-pass", MAIL_SENDER="review@example.org")
    with caplog.at_level(logging.DEBUG):
        send_mail(["ada@example.org", "bob@example.org"], "Hello", "Body text.")
    (smtp,) = fake_smtp.instances
    assert (smtp.host, smtp.port) == ("smtp.example.org", 587)
    assert smtp.calls == ["starttls", "login", "send", "quit"]
    assert smtp.logged_in == ("robot", "s3cret-smtp-pass")
    (message,) = smtp.sent
    assert message["From"] == "review@example.org"
    assert message["To"] == "ada@example.org, bob@example.org"
    assert message["Subject"] == "Hello"
    assert message.get_content().strip() == "Body text."
    assert "s3cret-smtp-pass" not in caplog.text


def test_without_username_it_sends_in_the_clear_without_login(app, fake_smtp):
    app.config.update(MAIL_SERVER="localhost", MAIL_PORT=25, MAIL_USERNAME=None)
    send_mail("ada@example.org", "Hello", "Body.")
    (smtp,) = fake_smtp.instances
    assert smtp.calls == ["send", "quit"]
    assert smtp.logged_in is None


def test_smtp_failure_raises_mail_error_without_leaking_the_password(app, caplog, fake_smtp):
    app.config.update(MAIL_SERVER="smtp.example.org", MAIL_USERNAME="robot", MAIL_PASSWORD="s3cret-smtp-pass")
    fake_smtp.fail_with = smtplib.SMTPRecipientsRefused({"x@example.org": (550, b"no such user")})
    with caplog.at_level(logging.DEBUG), pytest.raises(MailError):
        send_mail("x@example.org", "Hello", "Body.")
    assert "s3cret-smtp-pass" not in caplog.text
    assert any(r.levelno == logging.ERROR and r.name == "reviewapp.mail" for r in caplog.records)


def test_a_subject_with_a_line_break_is_refused(app, fake_smtp):
    with pytest.raises(ValueError):
        send_mail("ada@example.org", "Hello\nBcc: everyone@example.org", "Body.")
