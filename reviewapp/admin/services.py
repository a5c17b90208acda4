"""Administration services: accounts, roles and bans, review windows, the audit log."""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from ..applications.services import open_window, window_open, window_status_is
from ..audit import record_action
from ..auth.services import AccountError, set_role
from ..examiner.forwarding import close_and_freeze, freeze_closed_report
from ..models import Application, AuditEntry, Document, Flag, ImportRun, User
from ..models.application import LAST_WEEK, OPEN, PENDING, STATUSES, as_utc
from ..models.base import utcnow


@dataclass(frozen=True)
class Dashboard:
    """The counts shown on the admin home page."""

    users: int
    banned: int
    open_applications: int
    pending_applications: int
    open_flags: int
    closing_this_week: int
    running_imports: int


def dashboard_counts(session: Session) -> Dashboard:
    """Count what the administrators look after."""
    def count(stmt: Select) -> int:
        return session.scalar(stmt) or 0

    # The status in force, as the public pages count it: a window past its end is closed.
    now = utcnow()
    return Dashboard(
        users=count(select(func.count(User.id))),
        banned=count(select(func.count(User.id)).where(User.banned_at.is_not(None))),
        open_applications=count(select(func.count(Application.id)).where(window_open(now))),
        pending_applications=count(
            select(func.count(Application.id)).where(window_status_is(PENDING, now))),
        open_flags=count(select(func.count(Flag.id)).where(Flag.resolved_at.is_(None))),
        closing_this_week=count(
            select(func.count(Application.id))
            .where(window_open(now), Application.closes_at <= now + LAST_WEEK)),
        running_imports=count(
            select(func.count(ImportRun.id)).where(ImportRun.unfinished())),
    )


def contains(text: str) -> str:
    """Return a LIKE pattern (escape character \\) matching strings that contain `text`."""
    # Escaped, so that a typed % or _ matches itself rather than anything.
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


# --- accounts ---------------------------------------------------------------------------------

def users_query(search: str = "") -> Select:
    """Return accounts whose email or display name contains `search`, oldest first."""
    stmt = select(User).order_by(User.id)
    # Emails are stored in NFC (auth.services.normalise_email), as new display names are: a
    # decomposed "e\u0308" typed here finds the "\u00eb" stored.
    search = unicodedata.normalize("NFC", search.strip()).lower()
    if search:
        pattern = contains(search)
        stmt = stmt.where(or_(func.lower(User.email).like(pattern, escape="\\"),
                              func.lower(User.display_name).like(pattern, escape="\\")))
    return stmt


def change_role(session: Session, actor: User | None, user: User, role: str) -> None:
    """Give `user` another role and record it in the audit log (`actor` None: the command line)."""
    previous = user.role
    if previous == role:
        raise AccountError(f"{user.display_name} is already {role}.", "role")
    set_role(session, user, role, actor)
    record_action(session, actor, "grant-role", "user", user.id, role=role, previous=previous)


# --- review windows ---------------------------------------------------------------------------

def admin_applications_query(status: str = "", number: str = "", now: dt.datetime | None = None) -> Select:
    """Return applications of a status in force (any when blank) and number part, newest first."""
    stmt = select(Application).join(Application.document)
    if status in STATUSES:
        stmt = stmt.where(window_status_is(status, now or utcnow()))
    wanted = re.sub(r"[\s,/-]", "", number)  # "US 2020/0123456 A1" finds US20200123456A1
    if wanted:
        stmt = stmt.where(func.upper(Document.publication_number).like(contains(wanted.upper()), escape="\\"))
    return stmt.order_by(Document.publication_date.desc(), Document.publication_number)


def window_statuses(applications: Iterable[Application], now: dt.datetime | None = None) -> dict[int, str]:
    """Return the window status in force of each application, by id."""
    now = now or utcnow()
    return {application.id: application.window_status(now) for application in applications}


def lock_window(session: Session, application: Application) -> None:
    """Lock an application's row until the transaction ends, then read it again."""
    # A double click or two administrators at once: the second waits, then sees the first's
    # result and is refused, instead of both passing the check (SQLite: see tune_sqlite).
    session.execute(select(Application.id).where(Application.id == application.id).with_for_update())
    session.refresh(application)


def open_review(session: Session, actor: User, application: Application, days: int) -> None:
    """Open (or reopen) the review window for `days` days and record it; WindowError if refused."""
    lock_window(session, application)
    now = utcnow()
    previous = application.window_status(now)
    with session.begin_nested():  # a refused opening leaves the window as it was
        if application.status == OPEN and application.is_closed(now):
            # Past its end, but `windows close-due` has not run: close it when it was due and
            # freeze its report, then reopen it as any closed window.
            report = freeze_closed_report(session, application, now)
            # After the freeze, or the old report would stay in force (`reopened_since`).
            now = max(utcnow(), as_utc(report.frozen_at) + dt.timedelta(microseconds=1))
        open_window(session, application, days, now)
    record_action(session, actor, "open-window", "application", application.id, days=days,
                  previous=previous,
                  closes_at=application.closes_at.isoformat() if application.closes_at else None)


def close_review(session: Session, actor: User, application: Application) -> None:
    """Close the review window and record it; WindowError if it is not open."""
    lock_window(session, application)
    # A window past its end closed when it was due, as `windows close-due` would record it.
    ended = application.status == OPEN and application.is_closed()
    close_and_freeze(session, application, as_utc(application.closes_at) if ended else None)
    record_action(session, actor, "close-window", "application", application.id,
                  closes_at=application.closes_at.isoformat() if application.closes_at else None)


# --- the audit log ----------------------------------------------------------------------------

def audit_query(action: str = "") -> Select:
    """Return audit entries, newest first, optionally of one action."""
    stmt = select(AuditEntry).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    return stmt


def audit_actions(session: Session) -> list[str]:
    """Return the actions present in the audit log, for the filter."""
    return list(session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action)))


def audit_labels(session: Session, entries: list[AuditEntry]) -> dict[tuple[str, int], str]:
    """Return readable names of the actors and targets of `entries`, keyed by (type, id)."""
    user_ids = {e.actor_id for e in entries if e.actor_id} | {
        e.target_id for e in entries if e.target_type == "user"}
    application_ids = {e.target_id for e in entries if e.target_type == "application"}
    labels: dict[tuple[str, int], str] = {("ranker", 0): "the ranking model"}
    if user_ids:
        for user in session.scalars(select(User).where(User.id.in_(user_ids))):
            labels[("user", user.id)] = f"{user.display_name} <{user.email}>"
    if application_ids:
        rows = session.execute(
            select(Application.id, Document.publication_number)
            .join(Application.document).where(Application.id.in_(application_ids)))
        for application_id, number in rows:
            labels[("application", application_id)] = number
    return labels
