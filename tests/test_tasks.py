"""The queue's infrastructure: features register jobs and tasks, enqueue writes or sends them, the worker polls."""
from __future__ import annotations

import threading

import sqlalchemy as sa

from reviewapp import outbox, tasks
from reviewapp.extensions import db as _db
from reviewapp.models import Job
from tests.factories import make_application, make_submission, make_user


def test_a_vote_rescores_its_application_after_commit(app, db, monkeypatch):
    from reviewapp.community.votes import cast_vote

    calls: list[int] = []
    monkeypatch.setitem(app.extensions["tasks"], "rescore", calls.append)
    application = make_application()
    submission = make_submission(application, make_user())
    db.session.commit()
    cast_vote(db.session, submission, make_user(), 1)
    assert calls == []
    db.session.commit()
    assert calls == [application.id]


def test_enqueue_writes_a_durable_job_outside_any_transaction(app, queued_app):
    calls: list = []
    queued_app.extensions["tasks"]["index"] = calls.append
    with queued_app.app_context():
        tasks.enqueue_index([5, 4, 5])
        assert [(job.kind, job.args) for job in _db.session.scalars(sa.select(Job))] == [("index", [[4, 5]])]
        outbox.drain()
    assert calls == [[4, 5]]


def test_forgot_password_mail_goes_from_the_queue_and_both_answers_do_the_same_work(app, queued_app, monkeypatch):
    """The request writes one job whether or not the account exists, and sends nothing itself."""
    sent: list[tuple] = []
    monkeypatch.setattr("reviewapp.auth.services.send_mail", lambda *args: sent.append(args))
    client = queued_app.test_client()
    with queued_app.app_context():
        make_user(email="ada@example.org")
        _db.session.commit()
    for email in ("ada@example.org", "nobody@example.org"):
        response = client.post("/auth/forgot", data={"email": email})
        assert response.status_code == 302
    assert sent == []  # not from the request
    with queued_app.app_context():
        jobs = _db.session.scalars(sa.select(Job).order_by(Job.id)).all()
        assert [job.kind for job in jobs] == ["password_reset", "password_reset"]
        assert all(job.args[1].endswith("/auth/reset/RESET-TOKEN-SLOT") for job in jobs)  # no token stored
        assert outbox.drain().done == 2
    (to, _subject, body), = sent  # by the job, and only to the account that exists
    assert to == "ada@example.org" and "/auth/reset/" in body


def test_the_worker_poll_drains_until_stopped(app, queued_app):
    calls: list = []
    queued_app.extensions["tasks"]["rescore"] = calls.append
    queued_app.config["JOB_POLL_SECONDS"] = 0.05
    with queued_app.app_context():
        tasks.rescore_after_commit(_db.session, 11)
        _db.session.commit()
    stop = threading.Event()
    poller = threading.Thread(target=tasks.poll_outbox, args=(queued_app, stop))
    poller.start()
    try:
        for _ in range(200):
            if calls:
                break
            stop.wait(0.05)
    finally:
        stop.set()
        poller.join(timeout=30)
    assert calls == [11]


def test_register_job_makes_an_outbox_kind_and_register_queue_task_a_huey_task(app, queued_app):
    ran: list = []

    def handler(*args) -> None:
        ran.append(("job", *args))

    def task(*args) -> None:
        from flask import current_app

        ran.append(("task", current_app.name, *args))

    tasks.register_job(queued_app, "example", handler)
    tasks.register_queue_task(queued_app, "example_task", task)
    assert "example" in queued_app.extensions["outbox_kinds"]
    assert "example_task" not in queued_app.extensions["outbox_kinds"]
    with queued_app.app_context():
        tasks.enqueue("example", 7)
        assert [(job.kind, job.args) for job in _db.session.scalars(sa.select(Job))] == [
            ("example", [7])]
        assert outbox.drain().done == 1
    assert ran == [("job", 7)]
    tasks.register_queue_task(app, "example_task", task)
    tasks.enqueue("example_task", 8)  # a Huey message: the test app runs it at once, in context
    assert ran[-1] == ("task", "reviewapp", 8)


def test_every_feature_registers_its_own_jobs(app):
    kinds = app.extensions["outbox_kinds"]
    assert {"index", "rescore", "password_reset", "import"} <= kinds
    assert {"drain", "train"} <= set(app.extensions["tasks"]) - kinds
