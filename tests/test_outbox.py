"""The job outbox: written with the change, run after the commit, retried until done, never twice at once."""
from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from reviewapp import outbox, tasks
from reviewapp.extensions import db as _db
from reviewapp.models import Job
from reviewapp.models.base import utcnow
from tests.factories import make_application, make_user


@pytest.fixture
def ran(app, monkeypatch):
    """Record the jobs the outbox runs instead of running them."""
    calls: list[tuple] = []
    for kind in ("index", "rescore", "password_reset"):
        monkeypatch.setitem(app.extensions["tasks"], kind, lambda *args, kind=kind: calls.append((kind, *args)))
    return calls


def record_in(app, calls: list) -> None:
    for kind in ("index", "rescore", "password_reset"):
        app.extensions["tasks"][kind] = lambda *args, kind=kind: calls.append((kind, *args))


def job_rows(app) -> list[tuple]:
    """Return (kind, args, attempts) of every outbox row, read on a connection of its own."""
    with app.app_context(), _db.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(
            sa.select(Job.kind, Job.args, Job.attempts).order_by(Job.id))]


def test_jobs_are_written_by_the_commit_and_run_after_it(app, db, ran):
    application = make_application()
    tasks.mark_for_index(db.session, [application.document_id])
    tasks.rescore_after_commit(db.session, application.id)
    tasks.rescore_after_commit(db.session, application.id)  # twice: one job
    with db.session.begin_nested():  # releasing a savepoint is not the commit
        make_user()
    assert ran == [] and job_rows(app) == []
    db.session.commit()
    assert ran == [("index", [application.document_id]), ("rescore", application.id)]
    assert job_rows(app) == []  # done: deleted


def test_a_rolled_back_transaction_leaves_no_job(app, db, ran):
    application = make_application()
    db.session.commit()
    tasks.rescore_after_commit(db.session, application.id)
    tasks.mark_for_index(db.session, [application.document_id])
    db.session.rollback()
    db.session.commit()
    assert ran == [] and job_rows(app) == []


def test_a_failed_commit_leaves_no_job(app, db, ran):
    """The jobs are rows of the change's own transaction: a commit that fails writes neither."""
    user = make_user()
    db.session.commit()
    tasks.rescore_after_commit(db.session, 12345)
    db.session.add(type(user)(email=user.email, display_name="Twin"))  # the unique email fails at commit
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert ran == [] and job_rows(app) == []


def test_without_immediate_jobs_wait_in_the_outbox_and_the_worker_is_woken(app, queued_app):
    calls: list[tuple] = []
    record_in(queued_app, calls)
    with queued_app.app_context():
        application = make_application()
        tasks.mark_for_index(_db.session, [application.document_id])
        _db.session.commit()
        document_id = application.document_id
        huey = queued_app.extensions["huey"]
        assert huey.pending_count() == 1  # a "drain" message wakes the worker
        assert calls == []
        assert job_rows(queued_app) == [("index", [[document_id]], 0)]
        assert outbox.drain().done == 1
    assert calls == [("index", [document_id])] and job_rows(queued_app) == []


def test_jobs_of_a_session_outside_the_app_wait_for_the_worker(app, db, ran):
    """A thread's commit, without the app's context, writes its jobs too; the next drain runs them."""
    engine = db.engine

    def commit_in_a_thread() -> None:
        with Session(engine) as session:
            tasks.rescore_after_commit(session, 7)
            session.commit()

    thread = threading.Thread(target=commit_in_a_thread)
    thread.start()
    thread.join(timeout=30)
    assert ran == [] and job_rows(app) == [("rescore", [7], 0)]
    assert outbox.drain().done == 1
    assert ran == [("rescore", 7)] and job_rows(app) == []


def test_a_failed_job_keeps_its_row_and_error_and_is_retried_after_a_backoff(app, db, monkeypatch):
    calls: list[int] = []

    def flaky(application_id: int) -> None:
        calls.append(application_id)
        if len(calls) == 1:
            raise RuntimeError("search index busy")

    monkeypatch.setitem(app.extensions["tasks"], "rescore", flaky)
    tasks.rescore_after_commit(db.session, 3)
    db.session.commit()  # runs at once in-process, and fails
    assert calls == [3]
    job = db.session.scalar(sa.select(Job))
    assert (job.kind, job.attempts, job.last_error) == ("rescore", 1, "RuntimeError: search index busy")
    assert job.run_after.replace(tzinfo=dt.UTC) > utcnow()  # backing off
    assert outbox.drain().done == 0 and calls == [3]  # not due yet
    db.session.execute(sa.update(Job).values(run_after=utcnow() - dt.timedelta(seconds=1)))
    db.session.commit()
    assert outbox.drain().done == 1
    assert calls == [3, 3] and job_rows(app) == []


def test_the_backoff_doubles_up_to_its_cap(app):
    app.config.update(JOB_RETRY_BASE_SECONDS=2, JOB_RETRY_MAX_SECONDS=60)
    delays = [outbox.retry_delay(attempts).total_seconds() for attempts in range(1, 9)]
    assert delays == [2, 4, 8, 16, 32, 60, 60, 60]


def test_a_drain_coalesces_index_jobs_and_equal_jobs(app, queued_app):
    calls: list[tuple] = []
    record_in(queued_app, calls)
    with queued_app.app_context():
        for ids in ([3, 1], [2, 3], [9]):
            tasks.mark_for_index(_db.session, ids)
            _db.session.commit()
        for application_id in (5, 5, 6):
            tasks.rescore_after_commit(_db.session, application_id)
            _db.session.commit()
        assert len(job_rows(queued_app)) == 6
        assert outbox.drain().done == 6
    assert calls == [("index", [1, 2, 3, 9]), ("rescore", 5), ("rescore", 6)]
    assert job_rows(queued_app) == []


def test_concurrent_drainers_never_run_one_job_twice(app, queued_app):
    """While one drainer runs its jobs, another finds nothing to take; each job runs once."""
    calls: list[tuple] = []
    first_running, second_done = threading.Event(), threading.Event()

    def slow(application_id: int) -> None:
        calls.append(("rescore", application_id, threading.current_thread().name))
        first_running.set()
        second_done.wait(timeout=30)

    queued_app.extensions["tasks"]["rescore"] = slow
    with queued_app.app_context():
        for application_id in (1, 2, 3):
            tasks.rescore_after_commit(_db.session, application_id)
        _db.session.commit()
    reports: dict[str, outbox.DrainReport] = {}

    def drain(name: str) -> None:
        with queued_app.app_context():
            reports[name] = outbox.drain()

    first = threading.Thread(target=drain, args=("first",), name="first")
    first.start()
    assert first_running.wait(timeout=30)
    second = threading.Thread(target=drain, args=("second",), name="second")
    second.start()
    second.join(timeout=30)
    second_done.set()
    first.join(timeout=30)
    assert reports["second"].done == 0
    assert reports["first"].done == 3
    assert sorted(calls) == [("rescore", 1, "first"), ("rescore", 2, "first"), ("rescore", 3, "first")]
    assert job_rows(queued_app) == []


KILLED_DRAINER = """
import pathlib, sys, time
from reviewapp import create_app
from reviewapp.outbox import drain
app = create_app({"TESTING": True, "INSTANCE_PATH": sys.argv[2], "SQLALCHEMY_DATABASE_URI": sys.argv[1],
                  "SECRET_KEY": "k", "HUEY_IMMEDIATE": False, "JOB_LEASE_SECONDS": 2})
def stuck(application_id):
    pathlib.Path(sys.argv[3]).write_text(str(application_id))
    time.sleep(300)
app.extensions["tasks"]["rescore"] = stuck
with app.app_context():
    drain()
"""


def test_a_drainer_killed_in_the_middle_of_a_job_loses_nothing(app, db, queued_app, tmp_path):
    """SIGKILL a process while its job runs: the job is claimed by the next drain and done once."""
    with queued_app.app_context():
        tasks.rescore_after_commit(_db.session, 42)
        _db.session.commit()
    marker = tmp_path / "running"
    process = subprocess.Popen([sys.executable, "-c", KILLED_DRAINER, app.config["SQLALCHEMY_DATABASE_URI"],
                                str(tmp_path / "killed"), str(marker)], start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert process.poll() is None, "the drainer exited before its job ran"
            assert time.monotonic() < deadline, "the drainer never started its job"
            time.sleep(0.1)
        calls: list[tuple] = []
        record_in(queued_app, calls)
        with queued_app.app_context():
            assert outbox.drain().done == 0  # claimed by the running drainer: nobody else takes it
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
            deadline = time.monotonic() + 30  # PostgreSQL: at once; SQLite: when the 2 s lease ends
            while not calls:
                assert time.monotonic() < deadline, "the killed drainer's job was never run again"
                outbox.drain()
                time.sleep(0.2)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
    assert calls == [("rescore", 42)] and job_rows(queued_app) == []


def test_jobs_commands_show_failures_and_drain(app, db, runner, monkeypatch):
    def broken(application_id: int) -> None:
        raise RuntimeError("no ranker today")

    monkeypatch.setitem(app.extensions["tasks"], "rescore", broken)
    tasks.rescore_after_commit(db.session, 8)
    db.session.commit()
    status = runner.invoke(args=["jobs", "status"])
    assert status.exit_code == 1
    assert "rescore: 1 waiting, 1 failed at least once" in status.output
    assert "RuntimeError: no ranker today" in status.output and "(8,)" in status.output
    db.session.execute(sa.update(Job).values(run_after=utcnow() - dt.timedelta(seconds=1)))
    db.session.commit()
    monkeypatch.setitem(app.extensions["tasks"], "rescore", lambda application_id: None)
    drained = runner.invoke(args=["jobs", "drain"])
    assert drained.exit_code == 0 and "1 job(s) done, 0 failed" in drained.output
    status = runner.invoke(args=["jobs", "status", "--json"])
    assert status.exit_code == 0 and '"kinds": []' in status.output


def test_a_job_nobody_can_run_fails_alone_and_stays(app, db, ran):
    """A row of an unknown kind (written by a newer version) is kept with its error; the others run."""
    db.session.add(Job(kind="translate", args=[1]))
    db.session.commit()
    tasks.rescore_after_commit(db.session, 4)
    db.session.commit()  # runs its job, then the older due ones: the unknown one fails
    assert ran == [("rescore", 4)]
    assert job_rows(app) == [("translate", [1], 1)]
    assert "no handler for jobs of kind 'translate'" in db.session.scalar(sa.select(Job.last_error))
    db.session.execute(sa.update(Job).values(run_after=utcnow() - dt.timedelta(seconds=1)))
    db.session.commit()
    report = outbox.drain()
    assert (report.done, report.failed) == (0, 1) and job_rows(app) == [("translate", [1], 2)]
