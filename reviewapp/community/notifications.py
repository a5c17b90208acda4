"""Notifications to the watchers of an application, read on the site and mailed."""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from functools import partial
from typing import Any, NamedTuple

from flask import Flask, current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import Select, and_, delete, func, select, update
from sqlalchemy.orm import Session

from ..models import Application, Comment, Notification, Submission, User, Watch
from ..models.application import LAST_WEEK, OPEN, as_utc
from ..models.base import execute_count, utcnow
from ..models.user import is_member
from ..signals import comment_posted, submission_created
from .common import CommunityError, insert_once, site_path
from .links import comment_path, submission_path, submission_paths

logger = logging.getLogger(__name__)

# Signs the links that stop notification mail (a salt of their own: no other token fits).
UNSUBSCRIBE_SALT = "mail-unsubscribe"
# Notifications mailed per batch (and per commit) by `reviewapp windows notify`.
MAIL_BATCH = 50


def _watcher_ids(session: Session, application_id: int, exclude: int | None = None) -> list[int]:
    stmt = (select(Watch.user_id).join(User, User.id == Watch.user_id)
            .where(Watch.application_id == application_id, User.active.is_(True),
                   User.banned_at.is_(None)))
    if exclude is not None:
        stmt = stmt.where(Watch.user_id != exclude)
    return list(session.scalars(stmt.order_by(Watch.user_id)))


def _find_notification(session: Session, user_id: int, dedupe_key: str) -> Notification | None:
    return session.scalar(select(Notification).where(Notification.user_id == user_id,
                                                     Notification.dedupe_key == dedupe_key))


def _notify(session: Session, user_ids: list[int], *, application_id: int, kind: str, message: str,
            url: str, dedupe_key: str) -> int:
    """Notify each user once per `dedupe_key`; return how many new notifications were made."""
    if not user_ids:
        return 0
    done = set(session.scalars(select(Notification.user_id).where(
        Notification.user_id.in_(user_ids), Notification.dedupe_key == dedupe_key)))
    created = 0
    for user_id in user_ids:
        if user_id in done:
            continue
        _, new = insert_once(
            session,
            Notification(user_id=user_id, application_id=application_id, kind=kind, message=message,
                         url=url, dedupe_key=dedupe_key),
            partial(_find_notification, session, user_id, dedupe_key))
        created += new
    return created


WITHDRAWN_NOTICE = "The moderators hid what this notice was about."


def submission_key(submission: Submission) -> str:
    """Return the dedupe key of the notifications about a submission."""
    return f"submission:{submission.id}"


def comment_key(comment: Comment) -> str:
    """Return the dedupe key of the notifications about a comment."""
    return f"comment:{comment.id}"


def _item_of(notification: Notification) -> tuple[str, int] | None:
    """Return ("submission" or "comment", its id) a notification is about, else None."""
    kind, _, ident = notification.dedupe_key.partition(":")
    return (kind, int(ident)) if kind in ("submission", "comment") and ident.isdigit() else None


def notification_paths(session: Session, notifications: Iterable[Notification],
                       user: User) -> dict[int, str]:
    """Return where each of `user`'s notifications leads now, by id: the page holding its item."""
    notifications = list(notifications)
    items = {n.id: item for n in notifications if (item := _item_of(n)) is not None}
    submission_ids = {ident for kind, ident in items.values() if kind == "submission"}
    submissions = {s.id: s for s in session.scalars(
        select(Submission).where(Submission.id.in_(submission_ids)))} if submission_ids else {}
    shown = submission_paths(session, [s for s in submissions.values() if s.can_view(user)])
    paths = {}
    for notification in notifications:
        kind, ident = items.get(notification.id, ("", 0))
        comment = session.get(Comment, ident) if kind == "comment" else None
        if kind == "submission" and ident in submissions:
            # One the moderators hid: its application's page, which no longer lists it.
            paths[notification.id] = shown.get(ident) or site_path(
                "applications.detail", number=submissions[ident].application.number)
        elif comment is not None:
            paths[notification.id] = comment_path(session, comment, user)
        else:
            paths[notification.id] = notification.url
    return paths


def withdraw_notifications(session: Session, dedupe_key: str) -> int:
    """Take back the notifications about something the moderators hid; return how many.

    They quote it (a title, an author's name): a hidden item must reach no one that way.
    Those not mailed yet are deleted (a restore notifies again); those mailed already stay,
    without the quote, so that a restore does not mail the same people a second time.
    """
    about = Notification.dedupe_key == dedupe_key
    deleted = execute_count(session, delete(Notification).where(about, Notification.mailed.is_(False)))
    return deleted + execute_count(session, update(Notification).where(about, Notification.mailed.is_(True))
                                   .values(message=WITHDRAWN_NOTICE)
                                   .execution_options(synchronize_session="fetch"))


def requote_notifications(session: Session, dedupe_key: str, message: str, url: str) -> int:
    """Give the notices already mailed about a restored item their quote back; return how many.

    They stayed, without it, when the item was hidden (see `withdraw_notifications`): nobody is
    mailed a second time, whatever the status the item is restored to.
    """
    return execute_count(session, update(Notification).where(
        Notification.dedupe_key == dedupe_key, Notification.message == WITHDRAWN_NOTICE)
        .values(message=message, url=url).execution_options(synchronize_session="fetch"))


def _submission_notice(session: Session, submission: Submission) -> tuple[str, str]:
    """Return the message and the link of the notices about a submission."""
    application = submission.application
    return (f"New prior art on {application.number}: {submission.title or submission.identifier}",
            submission_path(session, submission))


def _comment_notice(session: Session, comment: Comment) -> tuple[str, str] | None:
    """Return the message and the link of the notices about a comment (None: it has no author)."""
    application = session.get(Application, comment.application_id)
    author = session.get(User, comment.author_id)
    if application is None or author is None:
        return None
    return (f"{author.display_name} commented on {application.number}: {application.title}"[:500],
            comment_path(session, comment, None))


def notify_new_submission(session: Session, submission: Submission) -> int:
    """Tell the application's watchers, except the submitter, about new prior art."""
    application = submission.application
    message, url = _submission_notice(session, submission)
    return _notify(
        session, _watcher_ids(session, application.id, exclude=submission.submitter_id),
        application_id=application.id, kind="submission", message=message, url=url,
        dedupe_key=submission_key(submission))


def requote_submission_notices(session: Session, submission: Submission) -> int:
    """Quote a restored submission again in the notices already mailed about it."""
    return requote_notifications(session, submission_key(submission),
                                 *_submission_notice(session, submission))


def notify_new_comment(session: Session, comment: Comment) -> int:
    """Tell the application's watchers, except the author, about a new comment."""
    notice = _comment_notice(session, comment)
    if notice is None:
        return 0
    return _notify(
        session, _watcher_ids(session, comment.application_id, exclude=comment.author_id),
        application_id=comment.application_id, kind="comment", message=notice[0], url=notice[1],
        dedupe_key=comment_key(comment))


def requote_comment_notices(session: Session, comment: Comment) -> int:
    """Quote a restored comment again in the notices already mailed about it."""
    notice = _comment_notice(session, comment)
    return requote_notifications(session, comment_key(comment), *notice) if notice else 0


def notify_closing_windows(session: Session, now: dt.datetime | None = None) -> int:
    """Tell watchers once per window that it enters its last week; return how many were told."""
    now = (now or utcnow()).astimezone(dt.UTC)
    closing = session.scalars(select(Application).where(
        Application.status == OPEN, Application.closes_at > now,
        Application.closes_at <= now + LAST_WEEK).order_by(Application.closes_at, Application.id))
    created = 0
    for application in closing.all():
        closes = as_utc(application.closes_at)
        # Keyed by the window's end: a reopened window (a new end) is announced again.
        key = f"closing:{application.id}:{closes:%Y-%m-%dT%H:%M:%SZ}"
        # Keys made before windows were told apart ("closing:<id>") say nothing of the window:
        # one made since this window opened was about it, and its watcher was told already.
        legacy = Notification.dedupe_key == f"closing:{application.id}"
        if application.opens_at is not None:
            legacy = and_(legacy, Notification.created_at >= application.opens_at)
        told = set(session.scalars(select(Notification.user_id).where(legacy)))
        created += _notify(
            session, [user_id for user_id in _watcher_ids(session, application.id) if user_id not in told],
            application_id=application.id, kind="closing",
            message=f"The review of {application.number} closes on {closes:%Y-%m-%d %H:%M} UTC.",
            url=site_path("applications.detail", number=application.number),
            dedupe_key=key)
    return created


def notifications_query(user: User) -> Select:
    """Return `user`'s notifications, newest first."""
    return (select(Notification).where(Notification.user_id == user.id)
            .order_by(Notification.created_at.desc(), Notification.id.desc()))


def unread_count(session: Session, user: User | None) -> int:
    """Count `user`'s unread notifications (0 for visitors)."""
    if not is_member(user) or user is None:
        return 0
    return session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def mark_read(session: Session, notification: Notification, user: User) -> None:
    """Mark one of `user`'s notifications as read."""
    refusal = notification.view_refusal(user)
    if refusal:
        raise CommunityError(refusal)
    if notification.read_at is None:
        notification.read_at = utcnow()
        session.flush()


def mark_all_read(session: Session, user: User) -> int:
    """Mark all of `user`'s notifications as read; return how many changed."""
    return execute_count(session, update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow()).execution_options(synchronize_session="fetch"))


def unsubscribe_token(user: User) -> str:
    """Return the token of the link that stops `user`'s notification mail (it never expires)."""
    return _unsubscribe_serializer().dumps(user.id)


def user_of_unsubscribe_token(session: Session, token: str) -> User | None:
    """Return the account an unsubscribe token names, or None for a token this site did not make."""
    try:
        user_id = _unsubscribe_serializer().loads(token)
    except BadSignature:
        return None
    return session.get(User, user_id) if isinstance(user_id, int) else None


def _unsubscribe_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)


def stop_mail(session: Session, user: User) -> None:
    """Stop mailing `user`'s notifications (they stay on the site)."""
    user.set_mail_notifications(False)
    session.flush()


class MailBatch(NamedTuple):
    """What one call of mail_pending_notifications did, and where the next one starts."""

    sent: int
    failed: int  # left unmailed: the next run tries them again
    after_id: int | None  # the last notification looked at; None when none are left after it


def mail_pending_notifications(session: Session, *, after_id: int = 0,
                               limit: int | None = None) -> MailBatch:
    """Mail one batch of unread, unmailed notifications (ids after `after_id`); mark them mailed.

    Only to accounts that want mail, and only what was made since they asked for it; each
    mail links to a page that stops them (and says so in List-Unsubscribe). Nothing is mailed
    unless SMTP is configured. The caller commits after each batch, so a
    run that dies mid-way mails again at most the batch it was in.
    """
    if not current_app.config.get("MAIL_SERVER"):
        return MailBatch(0, 0, None)
    from ..mail import send_mail

    limit = limit or MAIL_BATCH
    base = (current_app.config.get("BASE_URL") or "").rstrip("/")
    rows = session.execute(
        select(Notification, User).join(User, User.id == Notification.user_id)
        .where(Notification.id > after_id, Notification.mailed.is_(False),
               Notification.read_at.is_(None), User.active.is_(True), User.banned_at.is_(None),
               Notification.created_at >= User.mail_notifications_since)
        .order_by(Notification.id).limit(limit)).all()
    sent = 0
    for notification, user in rows:
        stop = base + site_path("community.unsubscribe", token=unsubscribe_token(user))
        # Where its item is now (a discussion's older threads move to later pages).
        path = notification_paths(session, [notification], user)[notification.id]
        body = (f"{notification.message}\n\n{base}{path}\n\n"
                "You receive this because you watch this application on Open Prior Art.\n"
                f"Stop these emails: {stop}\n")
        try:
            # One line: a title typed with line breaks must not break the mail's header.
            send_mail(user.email, " ".join(notification.message.split())[:150], body,
                      headers={"List-Unsubscribe": f"<{stop}>"})
        except Exception:  # one bad address or a server hiccup must not stop the others
            logger.exception("notification %s not mailed", notification.id)
            continue
        notification.mailed = True
        sent += 1
    session.flush()
    last = rows[-1][0].id if len(rows) == limit else None
    return MailBatch(sent, len(rows) - sent, last)


# --- receivers of other features' signals ------------------------------------------------------

def _on_submission_created(submission: Submission, *, session: Session, **_: Any) -> None:
    notify_new_submission(session, submission)


def _on_comment_posted(comment: Comment, *, session: Session, **_: Any) -> None:
    notify_new_comment(session, comment)


def register(app: Flask) -> None:
    """Connect the watchers' notifications to the signals of new prior art and new comments."""
    # Module-level receivers, connected once whatever the number of apps (blinker dedupes them).
    submission_created.connect(_on_submission_created)
    comment_posted.connect(_on_comment_posted)
