"""The accounts' job: the password reset mail, sent from the queue, never from the request."""
from __future__ import annotations

from flask import Flask
from sqlalchemy.orm import Session

from ..extensions import db
from ..tasks import register_job
from .services import mail_reset_link

PASSWORD_RESET_JOB = "password_reset"  # the outbox job kind (tasks.queue_password_reset writes it)


def register(app: Flask) -> None:
    """Register the password reset mail with the app's queue."""
    register_job(app, PASSWORD_RESET_JOB, run_password_reset_job)


def run_password_reset_job(user_id: int | None, link_template: str) -> bool:
    """Mail a password reset link to an account, if the request named one."""
    if user_id is None:  # the request named no account: nothing to send
        return False
    with Session(db.engine) as session:
        return mail_reset_link(session, user_id, link_template)
