"""Links to an item land on the page that holds it: notifications, reviewer and tag pages."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from reviewapp.community.discussion import post_comment
from reviewapp.community.links import comment_path, submission_path, submission_paths
from reviewapp.community.notifications import mail_pending_notifications, notify_new_submission
from reviewapp.community.tags import add_tag
from reviewapp.models import Comment, Notification, Watch
from reviewapp.models.base import utcnow
from tests.factories import make_submission


def shows(client, path: str) -> bool:
    """Tell whether the page `path` links to holds the element its anchor names."""
    url, _, anchor = path.partition("#")
    response = client.get(url)
    return response.status_code == 200 and f'id="{anchor}"' in response.get_data(as_text=True)


def older(db, row, minutes: int) -> None:
    """Date a row `minutes` ago (the lists order by creation time)."""
    row.created_at = utcnow() - dt.timedelta(minutes=minutes)
    db.session.flush()


@pytest.fixture
def many_submissions(db, people, application):
    """Return 25 active submissions on `application`, oldest first (the page holds 20)."""
    items = [make_submission(application, people.submitter, title=f"Find {n}") for n in range(25)]
    for n, item in enumerate(items):
        older(db, item, 100 - n)
    return items


def test_a_submission_past_the_first_page_is_linked_on_its_page(client, db, people, application,
                                                                many_submissions):
    paths = submission_paths(db.session, many_submissions)
    number = application.number
    assert paths[many_submissions[0].id] == f"/applications/{number}#submission-{many_submissions[0].id}"
    last = many_submissions[-1]
    assert paths[last.id] == f"/applications/{number}?page=2#submission-{last.id}"
    db.session.commit()
    assert all(shows(client, path) for path in paths.values())


def test_a_notification_about_the_21st_item_opens_the_page_that_holds_it(client, auth, db, people,
                                                                        application, many_submissions):
    db.session.add(Watch(user_id=people.voter.id, application_id=application.id))
    late = many_submissions[-1]
    notify_new_submission(db.session, late)
    note = db.session.scalars(select(Notification)).one()
    assert "?page=2#submission-" in note.url
    db.session.commit()
    auth.login(people.voter)
    page = client.get("/notifications").get_data(as_text=True)
    link = re.search(r'<a href="([^"]+)">New prior art', page).group(1)
    assert shows(client, link)


def test_a_reply_in_an_older_thread_is_linked_on_the_discussion_page_holding_it(
        app, client, auth, db, people, application, monkeypatch):
    """Threads read newest first: as new ones come, an old thread moves on, and so does its link."""
    sent = []
    monkeypatch.setattr("reviewapp.mail.send_mail",
                        lambda to, subject, body, headers: sent.append(body))
    app.config.update(MAIL_SERVER="smtp.example.test", BASE_URL="https://review.example")
    db.session.add(Watch(user_id=people.voter.id, application_id=application.id))
    threads = [post_comment(db.session, application, people.other, f"Thread {n}") for n in range(21)]
    for n, thread in enumerate(threads):
        older(db, thread, 1000 - n)
    reply = post_comment(db.session, application, people.other, "A late reply", parent_id=threads[0].id)
    note = db.session.scalar(select(Notification).where(Notification.url.contains(f"comment-{reply.id}")))
    number = application.number
    assert note.url == f"/applications/{number}/discussion?page=2#comment-{reply.id}"
    db.session.commit()
    assert shows(client, note.url)

    for n in range(20):  # twenty newer threads: the old one is on page 3 now
        post_comment(db.session, application, people.voter, f"Newer thread {n}")  # not told
    fresh = f"/applications/{number}/discussion?page=3#comment-{reply.id}"
    assert comment_path(db.session, reply, people.voter) == fresh
    db.session.commit()
    auth.login(people.voter)
    page = client.get("/notifications").get_data(as_text=True)
    assert f'href="{fresh}"' in page and shows(client, fresh)
    mail_pending_notifications(db.session)
    assert any(f"https://review.example{fresh}" in body for body in sent)


def test_withdrawn_items_on_the_reviewer_and_tag_pages_link_to_a_page_that_shows_them(
        client, db, people, application, submission):
    add_tag(db.session, submission, "glycol", people.voter)
    submission.status = "withdrawn"
    db.session.commit()
    own_page = f"/submissions/{submission.id}"
    assert submission_path(db.session, submission) == own_page
    for page in (f"/reviewers/{people.submitter.id}", "/tags/glycol"):
        html = client.get(page).get_data(as_text=True)
        assert f"#submission-{submission.id}" not in html
        assert f'<a href="{own_page}">{application.number}</a>' in html
    shown = client.get(own_page).get_data(as_text=True)
    assert "Coolant loop patent" in shown and "This submission is withdrawn." in shown


def test_reviewer_and_tag_pages_link_an_active_item_to_its_page(client, db, people, application,
                                                                many_submissions):
    last = many_submissions[-1]
    add_tag(db.session, last, "glycol", people.voter)
    db.session.commit()
    for page in (f"/reviewers/{people.submitter.id}", "/tags/glycol"):
        html = client.get(page).get_data(as_text=True)
        link = f"/applications/{application.number}?page=2#submission-{last.id}"
        assert f'<a href="{link}">' in html and shows(client, link)


def test_the_moderation_queue_links_a_flagged_reply_on_its_page(client, auth, db, people, application):
    from reviewapp.community.moderation import flag_content

    threads = [post_comment(db.session, application, people.other, f"Thread {n}") for n in range(21)]
    for n, thread in enumerate(threads):
        older(db, thread, 1000 - n)
    reply = post_comment(db.session, application, people.other, "Rude", parent_id=threads[0].id)
    flag_content(db.session, people.voter, reply, "Rude.")
    db.session.commit()
    auth.login(people.admin)
    page = client.get("/moderation").get_data(as_text=True)
    link = f"/applications/{application.number}/discussion?page=2#comment-{reply.id}"
    assert f'href="{link}"' in page and shows(client, link)
    assert db.session.get(Comment, reply.id) is not None
