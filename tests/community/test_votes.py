"""Votes on submissions: one per person, changeable, removable, refused when not allowed."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from reviewapp.community import votes
from reviewapp.community.votes import (
    Tally,
    VoteError,
    cast_vote,
    down_votes_of,
    net_votes,
    net_votes_of,
    remove_vote,
    up_votes_of,
    vote_tallies,
)
from reviewapp.models import Submission, User, Vote
from reviewapp.models.base import utcnow
from tests.factories import make_application, make_submission, make_user

from .helpers import flash_texts


def votes_on(db, submission) -> list[tuple[int, int]]:
    return db.session.execute(select(Vote.user_id, Vote.value).where(Vote.submission_id == submission.id)
                              .order_by(Vote.user_id)).all()


# --- services ----------------------------------------------------------------------------------

def test_tallies_count_ups_and_downs_in_python_and_in_sql_alike(db):
    """Give every submission asked for its tally, zero when unvoted; the SQL columns agree."""
    application = make_application()
    author, a, b, c = make_user(), make_user(), make_user(), make_user()
    liked, disliked, unvoted = (make_submission(application, author) for _ in range(3))
    db.session.add_all([Vote(submission_id=liked.id, user_id=a.id, value=1),
                        Vote(submission_id=liked.id, user_id=b.id, value=1),
                        Vote(submission_id=liked.id, user_id=c.id, value=-1),
                        Vote(submission_id=disliked.id, user_id=a.id, value=-1)])
    db.session.flush()
    ids = [liked.id, disliked.id, unvoted.id]
    tallies = vote_tallies(db.session, ids)
    assert tallies == {liked.id: Tally(2, 1), disliked.id: Tally(0, 1), unvoted.id: Tally(0, 0)}
    assert net_votes(db.session, ids) == {liked.id: 1, disliked.id: -1, unvoted.id: 0}
    assert net_votes(db.session, []) == {}
    in_sql = db.session.execute(
        select(Submission.id, up_votes_of(Submission.id), down_votes_of(Submission.id),
               net_votes_of(Submission.id)).where(Submission.id.in_(ids)))
    assert {sid: (up, down, net) for sid, up, down, net in in_sql} == {
        sid: (tally.up, tally.down, tally.net) for sid, tally in tallies.items()}


def test_vote_up_then_change_then_remove(db, people, submission):
    cast_vote(db.session, submission, people.voter, 1)
    cast_vote(db.session, submission, people.other, 1)
    assert votes_on(db, submission) == [(people.voter.id, 1), (people.other.id, 1)]
    assert net_votes(db.session, [submission.id]) == {submission.id: 2}

    cast_vote(db.session, submission, people.voter, -1)
    assert votes_on(db, submission) == [(people.voter.id, -1), (people.other.id, 1)]
    assert net_votes(db.session, [submission.id]) == {submission.id: 0}

    assert remove_vote(db.session, submission, people.voter) is True
    assert remove_vote(db.session, submission, people.voter) is False
    assert votes_on(db, submission) == [(people.other.id, 1)]


def test_voting_twice_the_same_way_keeps_one_row(db, people, submission):
    first = cast_vote(db.session, submission, people.voter, 1)
    second = cast_vote(db.session, submission, people.voter, 1)
    assert first.id == second.id
    assert len(votes_on(db, submission)) == 1


def test_own_submission_is_refused(db, people, submission):
    with pytest.raises(VoteError, match="your own submission"):
        cast_vote(db.session, submission, people.submitter, 1)
    assert votes_on(db, submission) == []


@pytest.mark.parametrize("status, message", [("withdrawn", "withdrawn"), ("hidden", "hidden")])
def test_inactive_submission_is_refused(db, people, submission, status, message):
    cast_vote(db.session, submission, people.voter, 1)
    submission.status = status
    with pytest.raises(VoteError, match=message):
        cast_vote(db.session, submission, people.voter, -1)
    with pytest.raises(VoteError, match=message):
        remove_vote(db.session, submission, people.voter)
    assert votes_on(db, submission) == [(people.voter.id, 1)]


def test_closed_window_is_refused(db, people):
    for application in (make_application(days_left=-1), make_application(status="closed"),
                        make_application(status="pending")):
        submission = make_submission(application, people.submitter)
        with pytest.raises(VoteError, match="window is closed"):
            cast_vote(db.session, submission, people.voter, 1)
        assert votes_on(db, submission) == []


def test_banned_and_anonymous_users_are_refused(db, people, submission):
    people.voter.banned_at = utcnow()
    with pytest.raises(VoteError, match="suspended"):
        cast_vote(db.session, submission, people.voter, 1)
    assert submission.vote_refusal(None) == "Log in to vote."


def test_a_vote_is_up_or_down(db, people, submission):
    with pytest.raises(VoteError):
        cast_vote(db.session, submission, people.voter, 2)
    assert votes_on(db, submission) == []


def test_an_insert_losing_the_race_becomes_an_update(db, people, submission, monkeypatch):
    """Simulate the twin request: the row appears between our check and our insert."""
    db.session.add(Vote(submission_id=submission.id, user_id=people.voter.id, value=1))
    db.session.flush()
    real_find = votes._find_vote
    stale_reads = iter([None])  # the first look misses the twin's row, as under a race
    monkeypatch.setattr(votes, "_find_vote", lambda *args: next(stale_reads, real_find(*args)))

    vote = cast_vote(db.session, submission, people.voter, -1)

    assert votes_on(db, submission) == [(people.voter.id, -1)]
    assert vote.value == -1


def test_two_simultaneous_votes_count_once(app, db, people, submission):
    """Two connections insert the same vote at the same moment: one row, neither request fails."""
    db.session.commit()  # the other connections must see the rows
    submission_id, voter_id, engine = submission.id, people.voter.id, db.engine
    barrier = threading.Barrier(2, timeout=20)
    vote_ids: list[int] = []
    errors: list[BaseException] = []
    conflicts: list[str] = []

    def count_conflicts(context) -> None:
        if isinstance(context.sqlalchemy_exception, IntegrityError):
            conflicts.append(str(context.original_exception))

    def vote_now() -> None:
        with Session(engine) as session:
            waited = []

            @event.listens_for(session, "before_flush")
            def insert_together(*_args) -> None:
                # Both have looked for an existing vote and found none: now both insert.
                if not waited:
                    waited.append(True)
                    barrier.wait()

            try:
                vote = cast_vote(session, session.get(Submission, submission_id),
                                 session.get(User, voter_id), 1)
                session.commit()
                vote_ids.append(vote.id)
            except BaseException as error:  # noqa: BLE001 - reported by the assertions below
                errors.append(error)
                session.rollback()

    event.listen(engine, "handle_error", count_conflicts)
    try:
        threads = [threading.Thread(target=vote_now) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        event.remove(engine, "handle_error", count_conflicts)

    assert errors == []
    assert len(conflicts) == 1, "the second insert must hit the unique constraint"
    assert len(vote_ids) == 2 and vote_ids[0] == vote_ids[1]
    db.session.expire_all()
    rows = db.session.execute(select(Vote.user_id, Vote.value).where(Vote.submission_id == submission_id)).all()
    assert rows == [(voter_id, 1)]


# --- views -------------------------------------------------------------------------------------

def test_vote_view_records_changes_and_removes(client, auth, db, people, submission):
    auth.login(people.voter)
    url = f"/submissions/{submission.id}/vote"
    response = client.post(url, data={"value": "up"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/applications/{submission.application.number}#submission-{submission.id}")
    assert votes_on(db, submission) == [(people.voter.id, 1)]
    client.post(url, data={"value": "down"})
    assert votes_on(db, submission) == [(people.voter.id, -1)]
    client.post(url, data={"value": "clear", "next": "/tags"})
    assert votes_on(db, submission) == []
    assert "Your vote is removed." in flash_texts(client)


def test_vote_view_refuses_own_submission_with_a_message(client, auth, db, people, submission):
    auth.login(people.submitter)
    response = client.post(f"/submissions/{submission.id}/vote", data={"value": "up", "next": "/tags"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/tags")
    assert "You can't vote on your own submission." in flash_texts(client)
    assert votes_on(db, submission) == []


def test_vote_view_rejects_a_bad_value_and_external_next(client, auth, db, people, submission):
    auth.login(people.voter)
    response = client.post(f"/submissions/{submission.id}/vote",
                           data={"value": "sideways", "next": "https://evil.example/"})
    assert "evil.example" not in response.headers["Location"]
    assert "Vote up or down" in flash_texts(client)
    assert votes_on(db, submission) == []


def test_vote_view_needs_login(client, db, people, submission):
    response = client.post(f"/submissions/{submission.id}/vote", data={"value": "up"})
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert votes_on(db, submission) == []


def test_vote_view_needs_a_visible_submission(client, auth, db, people, submission):
    submission.status = "hidden"
    auth.login(people.voter)
    assert client.post(f"/submissions/{submission.id}/vote", data={"value": "up"}).status_code == 404
    assert client.post("/submissions/999999/vote", data={"value": "up"}).status_code == 404
    assert votes_on(db, submission) == []


def test_next_never_leaves_the_site(client, auth, db, people, submission):
    auth.login(people.voter)
    for target in ("//evil.example/", "/\\evil.example/", "https://evil.example/"):
        response = client.post(f"/submissions/{submission.id}/vote", data={"value": "up", "next": target})
        assert "evil.example" not in response.headers["Location"], target
