"""Threaded, claim-specific, Markdown discussion on an application."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from reviewapp.community.discussion import CommentError, application_panel, post_comment
from reviewapp.models import Comment
from tests.conftest import wait_until_blocked
from tests.factories import make_application


def claim(application, number: int):
    return next(c for c in application.document.claims if c.number == number)


def comments_on(db, application) -> list[Comment]:
    return db.session.scalars(select(Comment).where(Comment.application_id == application.id)
                              .order_by(Comment.id)).all()


# --- services ----------------------------------------------------------------------------------

def test_threads_replies_and_claims(db, people, application):
    claim_2 = claim(application, 2)
    root = post_comment(db.session, application, people.voter, "Claim 2 looks *obvious*.", claim_id=claim_2.id)
    reply = post_comment(db.session, application, people.other, "Agreed.", parent_id=root.id)
    nested = post_comment(db.session, application, people.voter, "See US7000001.", parent_id=reply.id)
    other_root = post_comment(db.session, application, people.other, "General remark.")

    assert reply.parent_id == root.id and nested.parent_id == reply.id
    assert reply.claim_id == claim_2.id  # a reply stays on its parent's claim
    assert other_root.claim_id is None

    panel = application_panel(db.session, application, people.voter)
    assert panel.comment_count == 4
    assert [n.comment.id for n in panel.nodes] == [other_root.id, root.id]  # newest thread first
    thread = panel.nodes[1]
    assert str(thread.html) == "<p>Claim 2 looks <em>obvious</em>.</p>"
    assert [c.comment.id for c in thread.children] == [reply.id]
    assert [c.comment.id for c in thread.children[0].children] == [nested.id]


def test_comment_length_limits(db, people, application):
    with pytest.raises(CommentError, match="Write something"):
        post_comment(db.session, application, people.voter, "   \n ")
    with pytest.raises(CommentError, match="at most 5,000 characters; yours has 5,001"):
        post_comment(db.session, application, people.voter, "x" * 5001)
    post_comment(db.session, application, people.voter, "x" * 5000)
    assert len(comments_on(db, application)) == 1


def test_no_comments_outside_the_window(db, people):
    closed = make_application(days_left=-1)
    with pytest.raises(CommentError, match="closed"):
        post_comment(db.session, closed, people.voter, "Too late?")
    pending = make_application(status="pending")
    with pytest.raises(CommentError, match="opens with the review window"):
        post_comment(db.session, pending, people.voter, "Too early?")
    assert comments_on(db, closed) == [] and comments_on(db, pending) == []


def test_replies_and_claims_must_belong_to_the_application(db, people, application):
    elsewhere = make_application()
    foreign = post_comment(db.session, elsewhere, people.voter, "Elsewhere.")
    with pytest.raises(CommentError, match="no longer there"):
        post_comment(db.session, application, people.voter, "Reply", parent_id=foreign.id)
    with pytest.raises(CommentError) as caught:
        post_comment(db.session, application, people.voter, "About", claim_id=claim(elsewhere, 1).id)
    assert caught.value.field == "claim_id"
    assert comments_on(db, application) == []


def test_banned_and_anonymous_cannot_comment(db, people, application):
    from reviewapp.models.base import utcnow

    people.voter.banned_at = utcnow()
    with pytest.raises(CommentError, match="suspended"):
        post_comment(db.session, application, people.voter, "Hi")
    panel = application_panel(db.session, application, None)
    assert not panel.can_comment and panel.comment_refusal == "Log in to join the discussion."


def test_comment_bodies_are_sanitised_on_display(db, people, application):
    post_comment(db.session, application, people.voter,
                 "**Bold** [ok](http://example.org) [bad](javascript:alert(1)) <script>alert(2)</script>"
                 '<img src=x onerror="alert(3)">')
    html = str(application_panel(db.session, application, None).nodes[0].html)
    assert "<strong>Bold</strong>" in html
    assert '<a href="http://example.org" rel="nofollow noopener ugc">ok</a>' in html
    assert "<script" not in html and "onerror" not in html and 'href="javascript' not in html


def test_threads_paginate(db, people, application):
    for n in range(5):
        post_comment(db.session, application, people.voter, f"Comment {n}")
    panel = application_panel(db.session, application, None, page=2, per_page=2)
    assert panel.threads.pages == 3
    assert [n.comment.body for n in panel.nodes] == ["Comment 2", "Comment 1"]


# --- views -------------------------------------------------------------------------------------

def test_discussion_page_shows_thread_form_and_tags(client, auth, db, people, application):
    root = post_comment(db.session, application, people.voter, "First **point**", claim_id=claim(application, 3).id)
    post_comment(db.session, application, people.other, "A reply", parent_id=root.id)
    auth.login(people.other)
    page = client.get(f"/applications/{application.number}/discussion").get_data(as_text=True)
    assert "First <strong>point</strong>" in page and "A reply" in page
    assert "claim 3</a>" in page
    assert 'name="body"' in page and ">Claim 2</option>" in page
    assert f'name="parent_id" value="{root.id}"' in page
    assert "Add tag" in page


def test_post_comment_view_and_reply(client, auth, db, people, application):
    auth.login(people.voter)
    url = f"/applications/{application.number}/comments"
    claim_1 = claim(application, 1)
    response = client.post(url, data={"body": "Reads on claim 1.", "claim_id": claim_1.id})
    assert response.status_code == 302
    root = comments_on(db, application)[0]
    assert root.claim_id == claim_1.id and root.author_id == people.voter.id
    assert response.headers["Location"].endswith(f"/discussion#comment-{root.id}")

    response = client.post(url, data={"body": "Me too.", "parent_id": root.id})
    assert response.status_code == 302
    reply = comments_on(db, application)[1]
    assert reply.parent_id == root.id and reply.claim_id == claim_1.id


def test_bad_comments_keep_the_text_and_show_the_message(client, auth, db, people, application):
    auth.login(people.voter)
    url = f"/applications/{application.number}/comments"
    long_text = "y" * 5001
    page = client.post(url, data={"body": long_text, "claim_id": 0}).get_data(as_text=True)
    assert "A comment is at most 5,000 characters." in page and long_text in page
    page = client.post(url, data={"body": "Typed text", "claim_id": 999999}).get_data(as_text=True)
    assert "Not a valid choice" in page and "Typed text" in page
    page = client.post(url, data={"body": ""}).get_data(as_text=True)
    assert "Write something first." in page
    page = client.post(url, data={"body": "Reply text", "parent_id": str(2**40)}).get_data(as_text=True)
    assert "The comment you are replying to is no longer there." in page and "Reply text" in page
    assert comments_on(db, application) == []


def test_a_refused_reply_to_a_hidden_comment_does_not_name_its_author(client, auth, db, people, application):
    from reviewapp.community.moderation import hide_comment

    hidden = post_comment(db.session, application, people.other, "Spam.")
    hide_comment(db.session, hidden, people.admin, "spam")
    db.session.commit()
    auth.login(people.voter)
    page = client.post(f"/applications/{application.number}/comments",
                       data={"body": "", "parent_id": hidden.id}).get_data(as_text=True)
    assert "Write something first." in page
    assert people.other.display_name not in page and "Add a comment" in page


def test_closed_window_discussion_is_read_only(client, auth, db, people):
    closed = make_application(days_left=-3)
    auth.login(people.voter)
    page = client.get(f"/applications/{closed.number}/discussion").get_data(as_text=True)
    assert "the discussion is read-only" in page and 'name="body"' not in page
    response = client.post(f"/applications/{closed.number}/comments", data={"body": "Late!", "claim_id": 0})
    assert response.status_code == 200
    assert "the discussion is read-only" in response.get_data(as_text=True)
    assert comments_on(db, closed) == []


def test_unknown_application_is_404(client):
    assert client.get("/applications/US0000000000A1/discussion").status_code == 404


def comment_count(db) -> int:
    return len(db.session.scalars(select(Comment.id)).all())


def test_a_double_clicked_comment_is_stored_once(client, auth, db, people, application):
    auth.login(people.voter)
    path = f"/applications/{application.number}/comments"
    first = client.post(path, data={"body": "Claim 1 reads on US 6,000,001.", "claim_id": "0"})
    again = client.post(path, data={"body": "Claim 1 reads on US 6,000,001.", "claim_id": "0"})
    assert first.status_code == again.status_code == 302
    assert first.headers["Location"] == again.headers["Location"]  # both land on the one comment
    assert comment_count(db) == 1


def test_the_same_text_elsewhere_by_someone_else_or_later_is_a_new_comment(db, people, application):
    import datetime as dt

    text = "Agreed."
    root = post_comment(db.session, application, people.voter, "A thread.")
    assert post_comment(db.session, application, people.voter, text).id == post_comment(
        db.session, application, people.voter, text).id
    post_comment(db.session, application, people.voter, text, parent_id=root.id)  # a reply: other parent
    post_comment(db.session, application, people.other, text)  # another author
    assert comment_count(db) == 4
    for comment in db.session.scalars(select(Comment)):
        comment.created_at -= dt.timedelta(minutes=5)
    post_comment(db.session, application, people.voter, text)  # minutes later: meant again
    assert comment_count(db) == 5


def test_two_connections_posting_the_same_comment_at_once_store_one(app, db, people, application):
    """The second post waits for the first (PostgreSQL), then finds it."""
    import threading

    from sqlalchemy.orm import Session

    from reviewapp.models import Application, User

    db.session.commit()
    outcome: dict[str, object] = {}
    with Session(db.engine) as one, Session(db.engine) as two:
        first = post_comment(one, one.get(Application, application.id), one.get(User, people.voter.id), "Twice?")

        def post_again() -> None:
            with app.app_context():
                outcome["id"] = post_comment(two, two.get(Application, application.id),
                                             two.get(User, people.voter.id), "Twice?").id
                two.commit()

        worker = threading.Thread(target=post_again)
        worker.start()
        wait_until_blocked(db.engine)
        one.commit()
        worker.join(timeout=20)
        assert outcome.get("id") == first.id
    assert comment_count(db) == 1


def test_the_same_text_about_another_claim_is_a_new_comment(client, auth, db, people, application):
    auth.login(people.voter)
    path = f"/applications/{application.number}/comments"
    claim_1, claim_3 = claim(application, 1), claim(application, 3)
    first = client.post(path, data={"body": "Anticipated by D1.", "claim_id": claim_1.id})
    second = client.post(path, data={"body": "Anticipated by D1.", "claim_id": claim_3.id})
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] != second.headers["Location"]  # each lands on its own comment
    assert [c.claim_id for c in comments_on(db, application)] == [claim_1.id, claim_3.id]


def test_a_double_clicked_reply_on_a_claim_is_stored_once(client, auth, db, people, application):
    root = post_comment(db.session, application, people.other, "Claim 2?", claim_id=claim(application, 2).id)
    db.session.commit()
    auth.login(people.voter)
    path = f"/applications/{application.number}/comments"
    # The reply form sends no claim: both posts inherit the root's, so they are one reply.
    first = client.post(path, data={"body": "Yes, see D2.", "parent_id": root.id})
    again = client.post(path, data={"body": "Yes, see D2.", "parent_id": root.id})
    assert first.headers["Location"] == again.headers["Location"]
    assert comment_count(db) == 2


def test_browser_line_endings_count_once_towards_the_limit(client, auth, db, people, application):
    auth.login(people.voter)
    body = "\r\n".join(["a" * 99] * 50)  # a textarea's maxlength counts this as 4,999 characters
    response = client.post(f"/applications/{application.number}/comments", data={"body": body, "claim_id": 0})
    assert response.status_code == 302
    [comment] = comments_on(db, application)
    assert comment.body == "\n".join(["a" * 99] * 50) and len(comment.body) == 4999


def test_the_service_stores_unix_line_endings(db, people, application):
    body = "\r\n".join(["b" * 99] * 50) + "b"  # 5,000 characters once CRLF is one, 5,049 as sent
    assert post_comment(db.session, application, people.voter, body).body == body.replace("\r\n", "\n")
    assert post_comment(db.session, application, people.voter, "one\rtwo").body == "one\ntwo"


def test_a_flag_reason_with_line_endings_counts_them_once(client, auth, db, people, application):
    from reviewapp.models import Flag

    comment = post_comment(db.session, application, people.other, "Buy cheap watches.")
    db.session.commit()
    auth.login(people.voter)
    reason = "\r\n".join(["c" * 99] * 10)  # 999 characters in the browser, 1,008 as sent
    response = client.post(f"/flag/comment/{comment.id}", data={"reason": reason})
    assert response.status_code == 302
    assert db.session.scalars(select(Flag.reason)).all() == [reason.replace("\r\n", "\n")]


def hidden_thread(db, people, application, text: str) -> Comment:
    """Post a thread by `people.other` with a reply, then hide both."""
    from reviewapp.community.moderation import hide_comment

    root = post_comment(db.session, application, people.other, text)
    reply = post_comment(db.session, application, people.voter, f"Reply to {text}", parent_id=root.id)
    hide_comment(db.session, reply, people.admin, "spam")
    hide_comment(db.session, root, people.admin, "spam")
    return root


def test_hidden_threads_with_nothing_visible_take_no_place_on_a_page(app, client, auth, db, people,
                                                                     application):
    app.config["ITEMS_PER_PAGE"] = 2
    post_comment(db.session, application, people.other, "Old visible thread.")
    for n in range(2):
        hidden_thread(db, people, application, f"Spam {n}")
    db.session.commit()
    auth.login(people.voter)
    page = client.get(f"/applications/{application.number}/discussion").get_data(as_text=True)
    assert "Old visible thread." in page and "No comments yet." not in page
    assert "removed by a moderator" not in page and "Spam" not in page
    assert 'class="pager"' not in page  # one thread: one page
    admin_view = application_panel(db.session, application, people.admin, per_page=2)
    assert admin_view.threads.total == 3  # moderators still see the hidden threads


def test_a_hidden_thread_stays_as_a_stub_above_a_visible_reply_at_any_depth(client, auth, db, people,
                                                                           application):
    from reviewapp.community.moderation import hide_comment

    root = post_comment(db.session, application, people.other, "Spam")
    middle = post_comment(db.session, application, people.other, "More spam", parent_id=root.id)
    deep = post_comment(db.session, application, people.voter, "Still visible.", parent_id=middle.id)
    hide_comment(db.session, middle, people.admin, "spam")
    hide_comment(db.session, root, people.admin, "spam")
    db.session.commit()
    panel = application_panel(db.session, application, people.voter)
    assert panel.threads.total == 1
    [stub] = panel.nodes
    assert stub.removed and [n.comment.id for n in stub.children] == [middle.id]
    assert stub.children[0].removed and [n.comment.id for n in stub.children[0].children] == [deep.id]
    auth.login(people.voter)
    page = client.get(f"/applications/{application.number}/discussion").get_data(as_text=True)
    assert "Still visible." in page and "Spam" not in page and "More spam" not in page


def test_a_page_past_the_last_still_shows_the_pager(app, client, auth, db, people, application):
    app.config["ITEMS_PER_PAGE"] = 2
    for n in range(3):
        post_comment(db.session, application, people.other, f"Thread {n}.")
    db.session.commit()
    page = client.get(f"/applications/{application.number}/discussion?page=3").get_data(as_text=True)
    assert "No threads on this page." in page and "No comments yet." not in page
    assert 'class="pager"' in page and "page=2" in page
