"""Notifications to watchers: new submissions, new comments, closing windows; in-site and by mail."""
from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

import pytest
from itsdangerous import URLSafeSerializer
from sqlalchemy import func, select

from reviewapp.applications.services import close_window, open_window
from reviewapp.community.discussion import post_comment
from reviewapp.community.notifications import (
    UNSUBSCRIBE_SALT,
    WITHDRAWN_NOTICE,
    mail_pending_notifications,
    mark_all_read,
    notify_closing_windows,
    notify_new_comment,
    notify_new_submission,
    unread_count,
    unsubscribe_token,
    user_of_unsubscribe_token,
)
from reviewapp.extensions import db as _db
from reviewapp.models import Notification, User, Watch
from reviewapp.models.base import utcnow
from tests.factories import make_application, make_submission, make_user


def watch(application, *users) -> None:
    for user in users:
        _db.session.add(Watch(user_id=user.id, application_id=application.id))
    _db.session.flush()


def notified(db, kind: str | None = None) -> list[tuple[int, str]]:
    stmt = select(Notification.user_id, Notification.kind).order_by(Notification.user_id, Notification.id)
    if kind:
        stmt = stmt.where(Notification.kind == kind)
    return db.session.execute(stmt).all()


def test_new_submission_notifies_watchers_but_not_the_submitter(db, people, application):
    watch(application, people.submitter, people.voter, people.admin)
    submission = make_submission(application, people.submitter, title="Glycol cooling")
    assert notify_new_submission(db.session, submission) == 2
    assert notified(db) == [(people.voter.id, "submission"), (people.admin.id, "submission")]
    note = db.session.scalar(select(Notification).where(Notification.user_id == people.voter.id))
    assert "Glycol cooling" in note.message and application.number in note.message
    assert note.url == f"/applications/{application.number}#submission-{submission.id}"
    assert notify_new_submission(db.session, submission) == 0  # once per submission


def test_new_comment_notifies_watchers_but_not_the_author(db, people, application):
    watch(application, people.voter, people.other)
    make_user(name="Not watching")
    comment = post_comment(db.session, application, people.voter, "Look at claim 3")
    assert notified(db) == [(people.other.id, "comment")]
    note = db.session.scalar(select(Notification))
    assert note.url == f"/applications/{application.number}/discussion#comment-{comment.id}"
    assert people.voter.display_name in note.message
    assert notify_new_comment(db.session, comment) == 0


def test_banned_watchers_are_not_notified(db, people, application):
    watch(application, people.voter, people.other)
    people.other.banned_at = utcnow()
    assert notify_new_submission(db.session, make_submission(application, people.submitter)) == 1
    assert notified(db) == [(people.voter.id, "submission")]


def test_closing_soon_is_sent_exactly_once(db, people):
    now = utcnow()
    soon = make_application(days_left=3)
    later = make_application(days_left=10)
    closed = make_application(days_left=-1)
    for application in (soon, later, closed):
        watch(application, people.voter, people.other)

    assert notify_closing_windows(db.session, now) == 2
    assert notify_closing_windows(db.session, now) == 0
    assert notify_closing_windows(db.session, now + dt.timedelta(days=1)) == 0
    assert notified(db, "closing") == [(people.voter.id, "closing"), (people.other.id, "closing")]
    assert {n.application_id for n in db.session.scalars(select(Notification))} == {soon.id}

    # Four days on, the other window enters its last week: only it is announced.
    assert notify_closing_windows(db.session, now + dt.timedelta(days=4)) == 2
    assert len(notified(db, "closing")) == 4


def test_unread_count_and_mark_all_read(db, people, application):
    watch(application, people.voter)
    for _ in range(3):
        notify_new_submission(db.session, make_submission(application, people.submitter))
    assert unread_count(db.session, people.voter) == 3
    assert unread_count(db.session, people.other) == 0 and unread_count(db.session, None) == 0
    assert mark_all_read(db.session, people.voter) == 3
    assert unread_count(db.session, people.voter) == 0


def test_notifications_page_read_one_and_all(app, client, auth, db, people, application):
    app.config["ITEMS_PER_PAGE"] = 2
    watch(application, people.voter)
    for title in ("First find", "Second find", "Third find"):
        notify_new_submission(db.session, make_submission(application, people.submitter, title=title))
    auth.login(people.voter)
    page = client.get("/notifications").get_data(as_text=True)
    assert "Third find" in page and "Second find" in page and "First find" not in page
    assert "page 1 of 2" in page

    newest = db.session.scalars(select(Notification).order_by(Notification.id.desc())).first()
    assert client.post(f"/notifications/{newest.id}/read").status_code == 302
    assert newest.read_at is not None and unread_count(db.session, people.voter) == 2
    client.post("/notifications/read-all")
    assert unread_count(db.session, people.voter) == 0


def test_someone_elses_notification_is_404(client, auth, db, people, application):
    watch(application, people.voter)
    notify_new_submission(db.session, make_submission(application, people.submitter))
    note = db.session.scalar(select(Notification))
    db.session.commit()  # a 404 rolls the request's transaction back, and the test shares it
    auth.login(people.other)
    assert client.post(f"/notifications/{note.id}/read").status_code == 404
    assert note.read_at is None


def test_notifications_need_login(client):
    response = client.get("/notifications")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_mail_is_sent_when_configured_and_marked(app, db, people, application, monkeypatch):
    sent = []
    monkeypatch.setattr("reviewapp.mail.send_mail",
                        lambda to, subject, body, headers: sent.append((to, subject, body)))
    app.config.update(MAIL_SERVER="smtp.example.test", BASE_URL="https://review.example")
    watch(application, people.voter, people.other)
    submission = make_submission(application, people.submitter, title="Pump patent")
    notify_new_submission(db.session, submission)

    assert mail_pending_notifications(db.session) == (2, 0, None)
    assert sorted(to for to, _, _ in sent) == sorted([people.voter.email, people.other.email])
    assert f"https://review.example/applications/{application.number}#submission-{submission.id}" in sent[0][2]
    assert all(n.mailed for n in db.session.scalars(select(Notification)))
    assert mail_pending_notifications(db.session).sent == 0  # never twice


def test_no_mail_when_not_configured_and_failures_are_retried(app, db, people, application, monkeypatch):
    calls = []

    def failing(to, subject, body, headers):
        calls.append(to)
        raise OSError("connection refused")

    monkeypatch.setattr("reviewapp.mail.send_mail", failing)
    watch(application, people.voter)
    notify_new_submission(db.session, make_submission(application, people.submitter))
    app.config["MAIL_SERVER"] = None
    assert mail_pending_notifications(db.session).sent == 0 and calls == []
    app.config["MAIL_SERVER"] = "smtp.example.test"
    assert mail_pending_notifications(db.session) == (0, 1, None) and calls == [people.voter.email]
    assert db.session.scalar(select(Notification.mailed)) is False


def pending_mail(db, application, people, count: int):
    """Make `count` unmailed notifications: one per submission, to the one watcher."""
    watch(application, people.voter)
    for n in range(count):
        notify_new_submission(db.session, make_submission(application, people.submitter,
                                                          title=f"Pump patent {n}"))
    db.session.commit()


def test_notify_command_mails_every_batch_and_says_what_failed(app, db, runner, people, application,
                                                               monkeypatch):
    sent = []

    def send(to, subject, body, headers):
        if "Pump patent 3" in body:
            raise OSError("mailbox unavailable")
        sent.append(subject)

    monkeypatch.setattr("reviewapp.mail.send_mail", send)
    monkeypatch.setattr("reviewapp.community.notifications.MAIL_BATCH", 2)
    app.config["MAIL_SERVER"] = "smtp.example.test"
    pending_mail(db, application, people, 5)

    result = runner.invoke(args=["windows", "notify"])

    assert result.exit_code == 0, result.output
    assert len(sent) == 4 and len(set(sent)) == 4  # three batches, each mail once
    assert "4 mail(s) sent; 1 not sent (tried again next run" in result.output
    db.session.rollback()
    assert db.session.scalar(select(func.count()).where(Notification.mailed.is_(False))) == 1


class Killed(BaseException):
    """The process dying mid-run (not an error the mail loop catches)."""


def test_notify_command_killed_mid_run_re_mails_at_most_its_batch(app, db, runner, people, application,
                                                                  monkeypatch):
    sent = []

    def send(to, subject, body, headers):
        if len(sent) == 3:
            raise Killed
        sent.append(body)

    monkeypatch.setattr("reviewapp.mail.send_mail", send)
    monkeypatch.setattr("reviewapp.community.notifications.MAIL_BATCH", 2)
    app.config["MAIL_SERVER"] = "smtp.example.test"
    pending_mail(db, application, people, 5)

    with pytest.raises(Killed):
        runner.invoke(args=["windows", "notify"], catch_exceptions=False)
    db.session.rollback()  # what the dead process had not committed is gone

    mailed = db.session.scalar(select(func.count()).where(Notification.mailed.is_(True)))
    assert mailed == 2  # the first batch was committed: only the third mail goes out again
    sent.clear()
    monkeypatch.setattr("reviewapp.mail.send_mail", lambda to, subject, body, headers: sent.append(body))
    assert "3 mail(s) sent." in runner.invoke(args=["windows", "notify"]).output
    assert len(sent) == 3


def test_each_mail_links_to_a_page_that_stops_the_mail(app, db, client, people, application, monkeypatch):
    sent = []
    monkeypatch.setattr("reviewapp.mail.send_mail",
                        lambda to, subject, body, headers: sent.append((to, body, headers)))
    app.config.update(MAIL_SERVER="smtp.example.test", BASE_URL="https://review.example")
    pending_mail(db, application, people, 1)
    assert mail_pending_notifications(db.session).sent == 1
    db.session.commit()
    [(to, body, headers)] = sent
    link = re.search(r"Stop these emails: (https://review\.example(/notifications/unsubscribe/\S+))", body)
    assert to == people.voter.email and headers == {"List-Unsubscribe": f"<{link[1]}>"}

    # Anyone holding the link, logged in or not, sees a confirmation first: a GET changes nothing.
    confirm = client.get(link[2])
    assert confirm.status_code == 200 and "Stop notification emails?" in confirm.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, people.voter.id).mails_notifications
    assert client.post(link[2], data={"confirm": "yes"}).status_code == 302
    db.session.expire_all()
    assert not db.session.get(User, people.voter.id).mails_notifications

    # Nothing more is mailed to that account; its notifications still show on the site.
    notify_new_submission(db.session, make_submission(application, people.submitter, title="Later"))
    assert mail_pending_notifications(db.session).sent == 0 and len(sent) == 1
    assert unread_count(db.session, people.voter) == 2


def test_an_unsubscribe_link_this_site_did_not_sign_is_not_found(app, db, client, people):
    token = unsubscribe_token(people.voter)
    assert user_of_unsubscribe_token(db.session, token) == people.voter
    for forged in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "1", "x" * 300,
                   URLSafeSerializer(app.config["SECRET_KEY"], salt="password-reset").dumps(people.voter.id),
                   URLSafeSerializer(app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT).dumps("1")):
        assert user_of_unsubscribe_token(db.session, forged) is None
        assert client.get(f"/notifications/unsubscribe/{forged}").status_code == 404
        assert client.post(f"/notifications/unsubscribe/{forged}", data={"confirm": "yes"}).status_code == 404


def test_turning_mail_back_on_does_not_mail_what_piled_up(app, db, people, application, monkeypatch):
    sent = []
    monkeypatch.setattr("reviewapp.mail.send_mail",
                        lambda to, subject, body, headers: sent.append(body))
    app.config["MAIL_SERVER"] = "smtp.example.test"
    people.voter.set_mail_notifications(False)
    pending_mail(db, application, people, 2)  # made while the mail was off
    for notification in db.session.scalars(select(Notification)):
        notification.created_at = utcnow() - dt.timedelta(hours=1)
    assert mail_pending_notifications(db.session).sent == 0
    people.voter.set_mail_notifications(True)
    notify_new_submission(db.session, make_submission(application, people.submitter, title="Fresh"))
    assert mail_pending_notifications(db.session).sent == 1
    assert len(sent) == 1 and "Fresh" in sent[0]


@pytest.fixture
def watched_secret(app, db, people, application, monkeypatch):
    """Mail on and recorded (`sent`); the voter watches; `submission` "SECRET-TITLE" notified."""
    sent: list[str] = []
    monkeypatch.setattr("reviewapp.mail.send_mail",
                        lambda to, subject, body, headers: sent.append(subject + body))
    app.config.update(MAIL_SERVER="smtp.example.test", BASE_URL="https://review.example")
    watch(application, people.voter)
    submission = make_submission(application, people.submitter, title="SECRET-TITLE")
    notify_new_submission(db.session, submission)
    return SimpleNamespace(sent=sent, submission=submission)


def test_what_the_moderators_hide_leaves_the_notifications_and_a_restore_brings_it_back(
        db, people, application, watched_secret):
    """A hidden title or author reaches no watcher: not on the page, the badge, nor by mail."""
    from reviewapp.community.moderation import (
        hide_comment,
        hide_submission,
        restore_comment,
        restore_submission,
    )

    sent, submission = watched_secret.sent, watched_secret.submission
    comment = post_comment(db.session, application, people.other, "Abuse")
    assert unread_count(db.session, people.voter) == 2
    hide_submission(db.session, submission, people.admin, "spam")
    hide_comment(db.session, comment, people.admin, "abuse")
    assert notified(db) == [] and unread_count(db.session, people.voter) == 0
    assert mail_pending_notifications(db.session).sent == 0 and sent == []
    restore_submission(db.session, submission, people.admin, "not spam")
    restore_comment(db.session, comment, people.admin, "fine")
    assert notified(db) == [(people.voter.id, "submission"), (people.voter.id, "comment")]
    assert mail_pending_notifications(db.session).sent == 2
    assert any("SECRET-TITLE" in mail for mail in sent)


def test_a_hide_and_restore_after_the_mail_went_out_mail_no_one_twice(db, people, watched_secret):
    from reviewapp.community.moderation import hide_submission, restore_submission

    sent, submission = watched_secret.sent, watched_secret.submission
    assert mail_pending_notifications(db.session).sent == 1
    hide_submission(db.session, submission, people.admin, "spam")
    messages = db.session.scalars(select(Notification.message)).all()
    assert len(messages) == 1 and "SECRET-TITLE" not in messages[0]  # kept, without the quote
    restore_submission(db.session, submission, people.admin, "not spam")
    assert mail_pending_notifications(db.session).sent == 0 and len(sent) == 1
    assert ["SECRET-TITLE" in m for m in db.session.scalars(select(Notification.message))] == [True]


def test_a_mailed_notice_of_an_item_restored_as_withdrawn_quotes_it_again(client, auth, db, people,
                                                                          watched_secret):
    """Withdrawn, hidden, restored (still withdrawn): it can be seen again, so the notice says what."""
    from reviewapp.community.moderation import hide_submission, restore_submission

    sent, submission = watched_secret.sent, watched_secret.submission
    assert mail_pending_notifications(db.session).sent == 1
    submission.status = "withdrawn"
    hide_submission(db.session, submission, people.admin, "spam")
    assert db.session.scalars(select(Notification.message)).all() == [WITHDRAWN_NOTICE]
    restore_submission(db.session, submission, people.admin, "a mistake")
    assert submission.status == "withdrawn"
    note = db.session.scalars(select(Notification)).one()
    assert "SECRET-TITLE" in note.message and note.message != WITHDRAWN_NOTICE
    assert mail_pending_notifications(db.session).sent == 0 and len(sent) == 1  # no second mail
    db.session.commit()
    auth.login(people.voter)
    page = client.get("/notifications").get_data(as_text=True)
    assert WITHDRAWN_NOTICE not in page and "SECRET-TITLE" in page
    # It leads to the page that shows a withdrawn item: its own, not the application's list.
    assert f'href="/submissions/{submission.id}"' in page
    assert "SECRET-TITLE" in client.get(f"/submissions/{submission.id}").get_data(as_text=True)


def test_a_mailed_notice_of_a_restored_comment_quotes_it_again(db, people, application):
    from reviewapp.community.moderation import hide_comment, restore_comment

    watch(application, people.voter)
    comment = post_comment(db.session, application, people.other, "Look at claim 2")
    note = db.session.scalars(select(Notification)).one()
    note.mailed = True
    hide_comment(db.session, comment, people.admin, "abuse")
    assert note.message == WITHDRAWN_NOTICE
    restore_comment(db.session, comment, people.admin, "fine")
    assert note.message.startswith("Otto Other commented on") and note.mailed
    assert db.session.scalar(select(func.count(Notification.id))) == 1


def test_a_title_with_line_breaks_is_mailed_on_one_subject_line(app, db, people, application, monkeypatch):
    subjects = []
    monkeypatch.setattr("reviewapp.mail.send_mail",
                        lambda to, subject, body, headers: subjects.append(subject))
    app.config.update(MAIL_SERVER="smtp.example.test", BASE_URL="https://review.example")
    watch(application, people.voter)
    notify_new_submission(db.session, make_submission(application, people.submitter,
                                                      title="First line\r\nSecond  line"))
    assert mail_pending_notifications(db.session) == (1, 0, None)
    assert subjects == [f"New prior art on {application.number}: First line Second line"]


def test_closing_soon_is_sent_once_per_window_so_a_reopened_one_is_announced_again(db, people):
    now = utcnow()
    application = make_application(days_left=5)
    watch(application, people.voter)
    assert notify_closing_windows(db.session, now) == 1
    close_window(db.session, application, now)
    open_window(db.session, application, 3, now + dt.timedelta(minutes=1))
    assert notify_closing_windows(db.session, now + dt.timedelta(minutes=2)) == 1
    assert notify_closing_windows(db.session, now + dt.timedelta(days=1)) == 0
    closes = application.closes_at
    messages = db.session.scalars(select(Notification.message).order_by(Notification.id)).all()
    assert messages[-1] == f"The review of {application.number} closes on {closes:%Y-%m-%d %H:%M} UTC."


def test_closing_notices_keyed_per_application_still_count_for_their_window(db, people):
    # Made before the key named the window: one since the window opened was about this window.
    now = utcnow()
    application = make_application(days_left=5)
    earlier = make_application(days_left=5)
    watch(application, people.voter, people.other)
    watch(earlier, people.voter)
    db.session.add_all([
        Notification(user_id=people.voter.id, application_id=application.id, kind="closing",
                     message="The review closes.", url="/", dedupe_key=f"closing:{application.id}"),
        Notification(user_id=people.voter.id, application_id=earlier.id, kind="closing",
                     message="The review closes.", url="/", dedupe_key=f"closing:{earlier.id}",
                     created_at=earlier.opens_at - dt.timedelta(days=1)),  # an earlier window's
    ])
    db.session.flush()
    assert notify_closing_windows(db.session, now) == 2
    told = db.session.execute(select(Notification.user_id, Notification.application_id)
                              .where(Notification.dedupe_key.like("closing:%:%"))).all()
    assert sorted(told) == sorted([(people.other.id, application.id), (people.voter.id, earlier.id)])
