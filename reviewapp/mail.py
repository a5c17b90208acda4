"""Outgoing mail: SMTP when `MAIL_SERVER` is configured, otherwise the application log.

Without SMTP the log gets the recipient and subject only; the body too (reset links included)
when `MAIL_TO_LOG` (REVIEWAPP_MAIL_TO_LOG=1) is set or the app runs in debug mode.
"""
from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Mapping, Sequence
from email.message import EmailMessage

from flask import current_app

logger = logging.getLogger("reviewapp.mail")

SMTP_TIMEOUT_SECONDS = 15


class MailError(RuntimeError):
    """The SMTP server refused the message or could not be reached."""


def build_message(to: str | Sequence[str], subject: str, body: str, sender: str,
                  headers: Mapping[str, str] | None = None) -> EmailMessage:
    """Return a plain-text message; header values with line breaks raise ValueError."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to if isinstance(to, str) else ", ".join(to)
    message["Subject"] = subject
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    return message


def send_mail(to: str | Sequence[str], subject: str, body: str,
              headers: Mapping[str, str] | None = None) -> None:
    """Send a plain-text message to `to` (one address or several) now, with extra headers."""
    config = current_app.config
    message = build_message(to, subject, body, config.get("MAIL_SENDER") or "reviewapp@localhost",
                            headers)
    server = config.get("MAIL_SERVER")
    if not server:
        if config.get("MAIL_TO_LOG") or current_app.debug:
            # Development without SMTP: the whole message, reset links included, is read here.
            logger.info("Mail not sent (no MAIL_SERVER configured).\nTo: %s\nSubject: %s\n\n%s",
                        message["To"], subject, body)
        else:
            # A body can hold a password reset link: logs are kept and shared, so never the body.
            logger.info("Mail not sent (no MAIL_SERVER configured; REVIEWAPP_MAIL_TO_LOG=1 logs "
                        "bodies): to %s: %s", message["To"], subject)
        return
    port = int(config.get("MAIL_PORT") or 25)
    username = config.get("MAIL_USERNAME")
    try:
        with smtplib.SMTP(server, port, timeout=SMTP_TIMEOUT_SECONDS) as smtp:
            if username:
                # Never send credentials in clear text: STARTTLS first, verifying the certificate.
                smtp.starttls(context=ssl.create_default_context())
                smtp.login(username, config.get("MAIL_PASSWORD") or "")
            smtp.send_message(message)
    except (smtplib.SMTPException, OSError) as error:
        # The error text never holds the password; the config is not logged.
        logger.error("Mail to %s (%s) failed via %s:%s: %s",
                     message["To"], subject, server, port, error)
        raise MailError(f"Could not send mail via {server}:{port}: {error}") from error
    logger.info("Mail sent to %s: %s", message["To"], subject)
