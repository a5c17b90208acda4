"""Import runs: one active at a time (a rule of the database), a durable job, cancel, names."""
from __future__ import annotations

import datetime as dt
import threading

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from reviewapp import create_app, outbox
from reviewapp.extensions import db as _db
from reviewapp.imports import runs
from reviewapp.imports.runs import (
    IMPORT_THREAD,
    ImportRequestError,
    claim_run,
    finish_run,
    launch_import,
    shown_name,
    start_import,
)
from reviewapp.ingest.loader import ImportSummary
from reviewapp.models import ImportRun, Job, User
from reviewapp.models.import_run import FOLDER, STALE_AFTER
from tests.conftest import base_config, second_waits_for_first
from tests.factories import make_user
from tests.ingest.samples import grant, write
from tests.test_migrations import scratch_database  # noqa: F401 - a fixture


def wait_for_imports() -> None:
    for thread in threading.enumerate():
        if thread.name == IMPORT_THREAD:
            thread.join(timeout=120)


def add_run(status: str, **fields) -> ImportRun:
    run = ImportRun(origin=FOLDER, source=f"{status}.xml", path="/x", status=status, summary={}, **fields)
    _db.session.add(run)
    _db.session.flush()
    return run


# --- one import at a time --------------------------------------------------------------------

@pytest.mark.parametrize("second", ["queued", "running"])
def test_the_database_holds_one_active_import_at_a_time(db, second):
    for status in ("done", "failed", "interrupted", "cancelled", "queued"):
        add_run(status)
    db.session.commit()
    with pytest.raises(IntegrityError):
        add_run(second)
    db.session.rollback()
    db.session.execute(sa.update(ImportRun).where(ImportRun.status == "queued").values(status="done"))
    add_run(second)  # once the active one has ended
    db.session.commit()


def test_a_double_click_starts_one_import_and_tells_the_second_why(app, db, tmp_path, monkeypatch):
    """Both requests find no import active; the database lets one add its run, the other waits
    (PostgreSQL: on the index entry; SQLite: for the write lock) and is told which one runs."""
    started: list[int] = []
    monkeypatch.setitem(app.extensions["tasks"], "import", started.append)
    admin_id = make_user("admin").id
    db.session.commit()
    path = write(tmp_path / "a.xml", grant("07000001"))
    with Session(db.engine) as one, Session(db.engine) as two:
        runs.refuse_while_importing(two)  # the second request's page found nothing running
        first = start_import(one, one.get_one(User, admin_id), FOLDER, "a.xml", path)
        first_id = first.id
        errors = second_waits_for_first(
            app, one, two, lambda: start_import(two, two.get_one(User, admin_id), FOLDER, "a.xml", path))
    assert [type(error) for error in errors] == [ImportRequestError]
    assert str(errors[0]) == f"The import of a.xml (#{first_id}) has not finished: start this one once it has."
    assert db.session.scalars(sa.select(ImportRun.id)).all() == [first_id]
    assert started == [first_id]


def test_starting_ends_the_runs_that_hold_nothing_back(app, db, tmp_path, monkeypatch):
    monkeypatch.setitem(app.extensions["tasks"], "import", lambda run_id: None)
    admin = make_user("admin")
    long_ago = dt.datetime.now(dt.UTC) - STALE_AFTER - dt.timedelta(minutes=1)
    dead = add_run("running", started_at=long_ago, heartbeat_at=long_ago)
    db.session.commit()
    path = write(tmp_path / "a.xml", grant("07000001"))
    second = start_import(db.session, admin, FOLDER, "a.xml", path)
    db.session.commit()
    assert (dead.status, second.status) == ("interrupted", "queued")
    db.session.execute(sa.update(ImportRun).where(ImportRun.id == second.id).values(created_at=long_ago))
    db.session.commit()
    third = start_import(db.session, admin, FOLDER, "a.xml", path)
    db.session.commit()
    db.session.refresh(second)
    assert (second.status, third.status) == ("failed", "queued")
    assert second.message.startswith("never started: no queue worker took it within 10 minutes")


# --- a job of the outbox -------------------------------------------------------------------

def test_an_import_whose_queue_message_is_lost_is_started_by_the_workers_poll(app, queued_app, tmp_path):
    """The run's job is a row written with it: a Redis flushed or restarted loses no import."""
    path = write(tmp_path / "a.xml", grant("07000001") + grant("07000002"))
    with queued_app.app_context():
        admin = make_user("admin")
        run_id = start_import(_db.session, admin, FOLDER, "a.xml", path).id
        _db.session.commit()
        huey = queued_app.extensions["huey"]
        assert huey.pending_count() == 1  # the worker's wake-up
        huey.flush()  # what a Redis restart does to it
        assert [(job.kind, job.args) for job in _db.session.scalars(sa.select(Job))] == [("import", [run_id])]
        assert _db.session.get(ImportRun, run_id).status == "queued"
        assert outbox.drain().done == 1  # the worker's next poll
        wait_for_imports()
        _db.session.expire_all()
        run = _db.session.get(ImportRun, run_id)
        assert (run.status, run.documents_done) == ("done", 2)
        assert _db.session.scalar(sa.select(Job)) is None


def test_a_run_is_started_once_and_never_after_it_was_cancelled(app, db, admin_run):
    assert claim_run(admin_run) is True
    assert claim_run(admin_run) is False  # a second worker given the same job
    db.session.execute(sa.update(ImportRun).values(status="cancelled"))
    db.session.commit()
    assert launch_import(admin_run) is None
    assert db.session.get(ImportRun, admin_run).status == "cancelled"


@pytest.fixture
def admin_run(db) -> int:
    run = add_run("queued", user_id=make_user("admin").id)
    db.session.commit()
    return run.id


def test_a_cancel_after_the_worker_took_the_run_is_refused(db, admin_run):
    run = db.session.get(ImportRun, admin_run)
    assert claim_run(admin_run)  # the worker, in its own transaction, a moment before
    with pytest.raises(ImportRequestError, match="has started meanwhile"):
        runs.cancel_import(db.session, run, run.user)
    assert run.status == "running"


def test_the_upgrade_keeps_one_active_run_and_queues_it_in_the_outbox(scratch_database, tmp_path):  # noqa: F811
    """Runs that a double-click started side by side, before the rule: the latest stays."""
    from flask_migrate import downgrade, upgrade

    app = create_app(base_config(tmp_path, scratch_database))
    with app.app_context():
        upgrade(revision="0a6c2e4b8d13")
        for status in ("done", "running", "queued", "queued"):
            _db.session.execute(sa.text(
                "INSERT INTO import_runs (origin, source, path, status, total_bytes, bytes_done,"
                " documents_done, error_count, summary, message, created_at) VALUES ('folder',"
                " 'a.xml', '/x', :status, 0, 0, 0, 0, '{}', '', :now)"),
                {"status": status, "now": dt.datetime.now(dt.UTC)})
        _db.session.commit()
        upgrade()
        statuses = _db.session.execute(sa.select(ImportRun.id, ImportRun.status).order_by(ImportRun.id)).all()
        assert [status for _id, status in statuses] == ["done", "interrupted", "failed", "queued"]
        assert [(job.kind, job.args) for job in _db.session.scalars(sa.select(Job))] == [
            ("import", [statuses[-1].id])]
        with pytest.raises(IntegrityError):
            add_run("running")
        _db.session.rollback()
        downgrade(revision="0a6c2e4b8d13")
        assert _db.session.scalar(sa.select(sa.func.count()).select_from(Job)) == 0
        assert "lane" not in {column["name"] for column in sa.inspect(_db.engine).get_columns("import_runs")}
        _db.session.remove()
        _db.engine.dispose()


# --- names ---------------------------------------------------------------------------------

@pytest.mark.parametrize("uploaded, shown", [
    ("日本語.xml", "日本語.xml"),
    ("Ame\u0301lie.zip", "Amélie.zip"),  # NFD as macOS sends it: one form in the history
    ("ipg\u202egpj.xml", "ipggpj.xml"),  # a right-to-left override would mirror the name
    ("a\r\nSet-Cookie: x.xml", "aSet-Cookie: x.xml"),
    ("C:\\Users\\me\\ipg130416.xml", "ipg130416.xml"),
    ("../../etc/ipg.xml", "ipg.xml"),
    ("\x00\x1b", "upload"),
    ("", "upload"),
    (None, "upload"),
])
def test_an_uploaded_name_is_shown_as_uploaded_and_harmless(uploaded, shown):
    assert shown_name(uploaded) == shown


def test_a_very_long_uploaded_name_is_shortened_keeping_its_suffix():
    name = shown_name("週報" * 200 + ".xml.zip")
    assert len(name) == runs.MAX_NAME and name.endswith(".xml.zip")


def test_errors_name_the_file_as_the_pages_do_never_its_server_path(db):
    run = add_run("running")
    run.origin, run.source, run.path = FOLDER, "2013/ipa130418.zip", "/srv/uspto/2013/ipa130418.zip"
    summary = ImportSummary()
    summary.error("/srv/uspto/2013/ipa130418.zip:ipa.xml", 2, 10, "malformed XML")
    finish_run(db.session, run.id, "failed", summary, "OSError: /srv/uspto/2013/ipa130418.zip: gone",
               complete=False)
    assert run.summary["errors"] == [
        {"file": "2013/ipa130418.zip:ipa.xml", "document": 2, "line": 10, "error": "malformed XML"}]
    assert run.message == "OSError: 2013/ipa130418.zip: gone"
