"""Jobs queued after commit: never before, never after a rollback, never on a savepoint."""
from __future__ import annotations

import pytest

from reviewapp import tasks
from tests.factories import make_application, make_submission, make_user


@pytest.fixture
def queued(app, monkeypatch):
    """Record the jobs put on the queue instead of running them."""
    calls: list[tuple] = []
    monkeypatch.setattr(tasks, "enqueue", lambda name, *args: calls.append((name, *args)))
    return calls


def test_jobs_wait_for_the_commit(db, queued):
    application = make_application()
    tasks.mark_for_index(db.session, [application.document_id])
    tasks.rescore_after_commit(db.session, application.id)
    with db.session.begin_nested():  # releasing a savepoint is not the commit
        make_user()
    assert queued == []
    db.session.commit()
    assert queued == [("index", [application.document_id]), ("rescore", application.id)]


def test_rollback_drops_the_jobs(db, queued):
    application = make_application()
    tasks.rescore_after_commit(db.session, application.id)
    db.session.rollback()
    db.session.commit()
    assert queued == []


def test_a_vote_rescores_its_application_after_commit(db, queued):
    from reviewapp.community.services import cast_vote

    application = make_application()
    submission = make_submission(application, make_user())
    db.session.commit()
    cast_vote(db.session, submission, make_user(), 1)
    assert queued == []
    db.session.commit()
    assert ("rescore", application.id) in queued
