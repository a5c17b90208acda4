"""Faults of a production deployment, provoked on real processes: what breaks, what survives.

- a gunicorn worker killed in the middle of a submission: nothing half-written, the retry works;
- the index writer (`reviewapp worker`) stopped: the site still serves and saves, and the index
  catches up from the queue (Redis or SQLite) once the worker is back;
- the database unreachable for a moment: a 503 page with Retry-After, then recovery without a
  restart (same app object, pool_pre_ping);
- Redis unreachable: rate limits fall back to memory, writes succeed once, and their jobs wait
  in the database's job outbox, run by the worker's poll without Redis;
- the database unreachable while jobs wait: every acknowledged change reaches search afterwards;
- a missing or damaged search index: logged at start, the search pages say it must be
  rebuilt (not a 500), `reviewapp index check` reports it, `reviewapp index rebuild` fixes it;
- backups: `reviewapp backup` -> a fresh migrated PostgreSQL database -> `reviewapp restore`.

The PostgreSQL and Redis tests create their own databases (and queue names) and drop them.
They skip with the reason when a service is unreachable, and fail under CI=true. In CI's
SQLite pass they skip: its PostgreSQL pass ran them. Everything stays on 127.0.0.1.
"""
from __future__ import annotations

import datetime as dt
import gc
import logging
import os
import shutil
import signal
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests
import sqlalchemy as sa

from reviewapp import create_app
from reviewapp.extensions import db as _db
from reviewapp.models import Application, User, Vote, Watch
from tests import faults
from tests.factories import PASSWORD, make_application, make_document, make_submission, make_user

pytestmark = pytest.mark.slow

SUBMISSION_TABLES = ("submissions", "submission_claims", "submission_revisions", "endorsements",
                     "conflict_declarations", "notifications")


# --- fixtures --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def pg_server():
    """The PostgreSQL server the fault tests create their databases on."""
    if faults.IN_CI and not os.environ.get("REVIEWAPP_TEST_DATABASE_URL", "").startswith("postgres"):
        pytest.skip("CI runs the PostgreSQL fault tests in its PostgreSQL pass")
    return faults.require_postgres()


@pytest.fixture
def scratch(pg_server, tmp_path):
    """A migrated scratch database with an open application, a library document and two volunteers."""
    with faults.scratch_database(pg_server) as url:
        app = create_app(faults.app_config(tmp_path, url))
        faults.migrate(app)
        with app.app_context():
            seeded = seed()
            _db.session.remove()  # reading the keys after the commit checked a connection out again
            _db.engine.dispose()
        yield SimpleNamespace(url=url, app=app, **seeded)
        with app.app_context():
            _db.session.remove()
            _db.engine.dispose()


def seed() -> dict:
    """Create the rows every fault test starts from; return their keys."""
    application = make_application(title="Cooling a battery with a glycol loop")
    library = make_document(title="Glycol coolant loop for battery cells", publication_date=dt.date(2012, 1, 5))
    volunteer = make_user(email="volunteer@example.test")
    other = make_user(email="other@example.test")
    _db.session.add(Watch(user_id=other.id, application_id=application.id))  # gets notified of new prior art
    _db.session.commit()
    return {"number": application.document.publication_number, "application_id": application.id,
            "document_id": application.document_id, "library_number": library.publication_number,
            "volunteer_id": volunteer.id, "volunteer_login": volunteer.get_id(), "other_id": other.id}


def count_rows(url: str, *tables: str) -> dict[str, int]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        counts = {t: connection.scalar(sa.text(f'SELECT count(*) FROM "{t}"')) for t in tables}
    engine.dispose()
    return counts


def submission_form(number: str, claim: str = "1") -> dict:
    return {
        "kind": "us", "identifier": "US 5,123,456 B1", "title": "Coolant loop for accumulators",
        "publication_date": "2011-02-03", "pinpoint": "col. 2, l. 5-30",
        "excerpt": "Glycol is pumped through a loop around the cells.", "claims": [claim],
        "explanation": "Discloses circulating a coolant around a battery, as in claim 1.",
        "conflict": "none", "conflict_statement": "",
    }


# --- a worker killed in the middle of a submission -------------------------------------------------

def test_killed_worker_mid_submission_leaves_nothing_and_the_retry_succeeds_once(scratch, tmp_path):
    """SIGKILL the gunicorn worker while its submission transaction is open and has written rows."""
    env = faults.server_env(scratch.url, tmp_path / "server")  # SQLite queue, nobody consumes it
    server = faults.Gunicorn(env, tmp_path / "gunicorn.log", workers=1)
    browser = faults.Browser(server.url)
    engine = sa.create_engine(scratch.url)
    # Autocommit: each look at pg_stat_activity and pg_locks sees the present, not a snapshot.
    observing = sa.create_engine(scratch.url, isolation_level="AUTOCOMMIT")
    locker = engine.connect()
    try:
        server.wait_ready()
        browser.login("volunteer@example.test", PASSWORD)
        path = f"/applications/{scratch.number}/submit"
        token = faults.CSRF.search(browser.get(path).text)[1]
        database = sa.engine.make_url(scratch.url).database

        # After flushing the submission, the handler reads the watchers to notify them: a lock
        # on that table holds it there, inside its open transaction.
        locker.execute(sa.text("LOCK TABLE watches IN ACCESS EXCLUSIVE MODE"))
        outcome: dict = {}

        def post() -> None:
            try:
                outcome["response"] = browser.http.post(server.url + path, timeout=60, allow_redirects=False,
                                                        data={"csrf_token": token, **submission_form(scratch.number)})
            except requests.RequestException as error:
                outcome["error"] = error

        request = threading.Thread(target=post)
        request.start()
        with observing.connect() as observer:
            backend = faults.wait_until(lambda: observer.scalar(sa.text(
                "SELECT pid FROM pg_stat_activity WHERE datname = :d AND wait_event_type = 'Lock'"
                " AND query ILIKE '%watches%'"), {"d": database}), timeout=60, message="the blocked submission")
            # It holds the row locks of the rows it inserted: the submission is half-way.
            written = set(observer.scalars(sa.text(
                "SELECT c.relname FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
                " WHERE l.pid = :p AND l.mode = 'RowExclusiveLock' AND l.granted"), {"p": backend}))
            assert {"submissions", "submission_claims", "conflict_declarations"} <= written

            [worker] = server.worker_pids()
            os.kill(worker, signal.SIGKILL)
            request.join(timeout=60)
            assert not request.is_alive()
            assert "response" not in outcome or outcome["response"].status_code != 302
            locker.rollback()  # release the lock: the orphaned backend finds its client gone
            faults.wait_until(lambda: not observer.scalar(sa.text(
                "SELECT count(*) FROM pg_stat_activity WHERE pid = :p"), {"p": backend}),
                timeout=60, message="the dead worker's backend to end")

        assert count_rows(scratch.url, *SUBMISSION_TABLES) == dict.fromkeys(SUBMISSION_TABLES, 0)

        # The user retries: gunicorn has started a fresh worker; the session cookie still holds.
        faults.wait_until(lambda: server.worker_pids() and server.worker_pids() != [worker], timeout=60,
                          message="a new gunicorn worker")
        server.wait_ready()
        response = browser.post(path, submission_form(scratch.number))
        assert response.status_code == 302, response.text[:500]
        detail = browser.get(response.headers["Location"])
        assert detail.status_code == 200 and "Coolant loop for accumulators" in detail.text
        assert any("submitted" in message for message in faults.flashes(detail.text))
        # Submitting the same document again (a second retry) changes nothing.
        again = browser.post(path, submission_form(scratch.number))
        assert again.status_code == 200 and "already submitted" in again.text
        counts = count_rows(scratch.url, *SUBMISSION_TABLES)
        assert counts == {"submissions": 1, "submission_claims": 1, "submission_revisions": 0, "endorsements": 0,
                          "conflict_declarations": 1, "notifications": 1}
    finally:
        locker.close()
        engine.dispose()
        observing.dispose()
        browser.close()
        server.stop()


# --- the index writer stopped --------------------------------------------------------------------------

@pytest.mark.parametrize("queue", ["redis", "sqlite"])
def test_site_serves_without_the_index_writer_and_the_index_catches_up(scratch, tmp_path, queue):
    """With no `reviewapp worker`, writes still work from the database; the queue holds the index jobs."""
    import uuid

    from reviewapp.indexing import check_index, rebuild_index

    extra = {"REVIEWAPP_QUEUE_NAME": f"faults-{uuid.uuid4().hex[:10]}"}
    if queue == "redis":
        extra["REVIEWAPP_REDIS_URL"] = faults.require_redis()
    instance = tmp_path / "server"
    env = faults.server_env(scratch.url, instance, **extra)
    # The same settings in process, to build the index and look at the queue.
    app = create_app(faults.app_config(tmp_path, scratch.url, INSTANCE_PATH=str(instance), HUEY_IMMEDIATE=False,
                                QUEUE_NAME=extra["REVIEWAPP_QUEUE_NAME"], REDIS_URL=extra.get("REVIEWAPP_REDIS_URL")))
    huey = app.extensions["huey"]
    with app.app_context():
        rebuild_index()
    server = faults.Gunicorn(env, tmp_path / "gunicorn.log", workers=2)
    browser = faults.Browser(server.url)
    worker = None
    try:
        server.wait_ready()
        browser.login("volunteer@example.test", PASSWORD)
        path = f"/applications/{scratch.number}"
        response = browser.post(f"{path}/submit", submission_form(scratch.number))
        assert response.status_code == 302
        page = browser.get(path)
        assert page.status_code == 200 and "Coolant loop for accumulators" in page.text
        tagged = browser.post(f"{path}/tags", {"name": "writer-down"}, form_page=f"{path}/discussion")
        assert tagged.status_code == 302
        assert "writer-down" in browser.get(f"{path}/discussion").text
        # Searching still works, from the index as it was.
        assert browser.get("/search", params={"q": "glycol"}).status_code == 200
        assert huey.pending_count() >= 1  # messages that wake the worker
        waiting = faults.run_cli(env, "jobs", "status")  # the jobs themselves: rows of the outbox
        assert waiting.returncode == 0 and "index: " in waiting.stdout, waiting.stdout + waiting.stderr
        stale = faults.run_cli(env, "index", "check")
        assert stale.returncode == 1 and f"stale: {scratch.number}" in stale.stdout

        worker = faults.QueueWorker(env, tmp_path / "worker.log")
        with app.app_context():
            faults.wait_until(lambda: check_index().ok, timeout=120, interval=1,
                              message="the worker to bring the index up to date")
        assert huey.pending_count() == 0
        assert "No jobs waiting." in faults.run_cli(env, "jobs", "status").stdout
        check = faults.run_cli(env, "index", "check")
        assert check.returncode == 0, check.stdout + check.stderr
        found = browser.get("/api/v1/search", params={"q": "battery", "tags": "writer-down"}).json()
        assert [item["number"] for item in found["items"]] == [scratch.number]
    finally:
        if worker is not None:
            worker.stop()
        browser.close()
        server.stop()
        huey.flush()
        with app.app_context():
            _db.session.remove()
            _db.engine.dispose()


# --- the database unreachable for a moment ---------------------------------------------------------

def test_database_outage_gives_503_then_recovers_without_restart(scratch, tmp_path):
    """Between the app and PostgreSQL, a proxy we cut: 503 + Retry-After, then 200 on the same app."""
    from flask import request

    server = sa.engine.make_url(scratch.url)
    proxy = faults.TcpProxy((server.host or "127.0.0.1", server.port or 5432))
    app = create_app(faults.app_config(tmp_path, server.set(host="127.0.0.1", port=proxy.port)
                                .render_as_string(hide_password=False)))

    @app.after_request
    def cut_before_commit(response):  # runs before the app's own commit (after_request is LIFO)
        if request.headers.get("X-Test-Cut-Before-Commit"):
            proxy.cut()
        return response

    with app.app_context():
        author = _db.session.get(User, scratch.other_id)
        application = _db.session.get(Application, scratch.application_id)
        first = make_submission(application, author, identifier="US6000001B1")
        second = make_submission(application, author, identifier="US6000002B1")
        _db.session.commit()
        first_id, second_id = first.id, second.id
        _db.session.remove()
    visitor, member = app.test_client(), app.test_client()
    with member.session_transaction() as session:
        session["_user_id"] = scratch.volunteer_login
        session["_fresh"] = True
    try:
        assert visitor.get("/").status_code == 200
        assert member.get(f"/applications/{scratch.number}").status_code == 200

        proxy.cut()
        for client, path in ((visitor, "/"), (visitor, f"/applications/{scratch.number}"),
                             (member, "/"), (member, f"/applications/{scratch.number}")):
            response = client.get(path)
            assert response.status_code == 503, (path, response.status_code)
            assert response.headers["Retry-After"] == "5"
            assert "The database cannot be reached" in response.get_data(as_text=True)
        response = member.post(f"/submissions/{first_id}/vote", data={"value": "up"})
        assert response.status_code == 503

        proxy.restore()  # no restart: the pool drops its dead connections (pre-ping) and reconnects
        assert visitor.get("/").status_code == 200
        response = member.post(f"/submissions/{first_id}/vote", data={"value": "up"})
        assert response.status_code == 302

        # The connection dies between the view and the commit: 503, and nothing was saved.
        response = member.post(f"/submissions/{second_id}/vote", data={"value": "down"},
                               headers={"X-Test-Cut-Before-Commit": "1"})
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "5"
        proxy.restore()
        with app.app_context():
            votes = {v.submission_id: v.value for v in _db.session.scalars(sa.select(Vote))}
            assert votes == {first_id: 1}
            _db.session.remove()
        assert member.post(f"/submissions/{second_id}/vote", data={"value": "down"}).status_code == 302
        with app.app_context():
            votes = [(v.submission_id, v.value) for v in _db.session.scalars(sa.select(Vote).order_by(Vote.id))]
            assert votes == [(first_id, 1), (second_id, -1)]
            _db.session.remove()
    finally:
        with app.app_context():
            _db.session.remove()
            _db.engine.dispose()
        proxy.close()


# --- Redis (job queue and rate-limit store) unreachable ---------------------------------------------

def test_redis_down_writes_succeed_once_and_their_jobs_wait_in_the_outbox(app, db, tmp_path, caplog):
    """Rate limits fall back to memory; the jobs are rows of the database, run without Redis."""
    from reviewapp import outbox
    from reviewapp.indexing import check_index, rebuild_index
    from reviewapp.models import Job, Score, Tag

    application = make_application(title="Cooling a battery with a glycol loop")
    author, volunteer = make_user(), make_user()
    submission = make_submission(application, author)
    db.session.commit()
    number, submission_id, volunteer_id = application.document.publication_number, submission.id, volunteer.id
    volunteer_login = volunteer.get_id()
    rebuild_index()
    dead_redis = f"redis://127.0.0.1:{faults.free_port()}/0"  # nothing listens there
    production = create_app(faults.app_config(
        tmp_path / "production", app.config["SQLALCHEMY_DATABASE_URI"], HUEY_IMMEDIATE=False,
        RATELIMIT_ENABLED=True, REDIS_URL=dead_redis, INDEX_DIR=app.config["INDEX_DIR"]))
    client = production.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = volunteer_login
        session["_fresh"] = True
    try:
        with caplog.at_level(logging.WARNING):
            assert client.post(f"/submissions/{submission_id}/vote", data={"value": "up"}).status_code == 302
            assert client.post(f"/applications/{number}/tags", data={"name": "no-redis"}).status_code == 302
        assert "could not wake the queue worker" in caplog.text
        db.session.expire_all()
        assert [(v.user_id, v.value) for v in db.session.scalars(sa.select(Vote))] == [(volunteer_id, 1)]
        assert [t.name for t in db.session.scalars(sa.select(Tag))] == ["no-redis"]
        assert sorted(job.kind for job in db.session.scalars(sa.select(Job))) == ["index", "rescore"]
        assert check_index().stale == [number]  # not yet: nobody ran the jobs
        db.session.rollback()
        with production.app_context():  # the worker's poll of the outbox, Redis still down
            assert outbox.drain().done == 2
        assert check_index().ok  # no rebuild
        assert db.session.scalar(sa.select(sa.func.count(Job.id))) == 0
        assert db.session.scalar(sa.select(Score.rank).where(Score.submission_id == submission_id)) == 1
    finally:
        with production.app_context():
            _db.session.remove()
            _db.engine.dispose()


def test_jobs_pending_through_a_database_outage_are_all_done_afterwards(scratch, tmp_path):
    """Tag changes acknowledged, then the database goes away as the worker starts on them: all reach search."""
    from reviewapp import tasks
    from reviewapp.indexing import check_index, rebuild_index
    from reviewapp.models import Job

    server = sa.engine.make_url(scratch.url)
    proxy = faults.TcpProxy((server.host or "127.0.0.1", server.port or 5432))
    app = create_app(faults.app_config(
        tmp_path, server.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False),
        HUEY_IMMEDIATE=False, JOB_POLL_SECONDS=0.2, JOB_RETRY_BASE_SECONDS=0.2, JOB_RETRY_MAX_SECONDS=1))
    direct = sa.create_engine(scratch.url)  # looks at the outbox around the proxy
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = scratch.volunteer_login
        session["_fresh"] = True
    stop, cut, poller = threading.Event(), threading.Event(), None
    try:
        with app.app_context():
            rebuild_index()
        tags = [f"outage-{k}" for k in range(12)]
        for tag in tags:
            response = client.post(f"/applications/{scratch.number}/tags", data={"name": tag})
            assert response.status_code == 302 and "/auth/login" not in response.location, response.location
        with direct.connect() as connection:
            assert connection.scalar(sa.select(sa.func.count()).select_from(Job.__table__)) == len(tags)  # one index job each

        index = app.extensions["tasks"]["index"]

        def index_after_an_outage(document_ids):
            if not cut.is_set():  # the outage begins as the worker takes the jobs: claim, job and record fail
                cut.set()
                proxy.cut()
                threading.Timer(5, proxy.restore).start()
            return index(document_ids)

        app.extensions["tasks"]["index"] = index_after_an_outage
        poller = threading.Thread(target=tasks.poll_outbox, args=(app, stop), name="outbox-poll")
        poller.start()

        def outbox_empty() -> bool:
            with direct.connect() as connection:
                return connection.scalar(sa.select(sa.func.count()).select_from(Job.__table__)) == 0

        faults.wait_until(outbox_empty, timeout=120, interval=0.5, message="the outbox to empty after the outage")
        assert cut.is_set()
        with app.app_context():
            assert check_index().ok
            _db.session.remove()
        found = client.get("/api/v1/search", query_string={"q": "battery", "tags": tags[-1]}).get_json()
        assert [item["number"] for item in found["items"]] == [scratch.number]
    finally:
        stop.set()
        if poller is not None:
            poller.join(timeout=30)
        proxy.restore()
        with app.app_context():
            _db.session.remove()
            _db.engine.dispose()
        direct.dispose()
        proxy.close()


# --- a missing or damaged search index -------------------------------------------------------------

def live_generation(index_dir: Path) -> Path:
    return index_dir / (index_dir / "CURRENT").read_text().strip()


def replace_file(path: Path, content: bytes) -> None:
    """Swap in new content by rename: open maps of the old file stay valid."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(content)
    os.replace(tmp, path)


DAMAGE = {
    "missing": lambda index: shutil.rmtree(index),
    "generation gone": lambda index: shutil.rmtree(live_generation(index)),
    "garbage table of contents": lambda index: [replace_file(p, b"\x00garbage" * 64)
                                                for p in live_generation(index).glob("*.toc")],
    "truncated segment": lambda index: [replace_file(p, p.read_bytes()[:512])
                                        for p in live_generation(index).glob("*.seg")],
}


# Whoosh leaves a damaged file open when reading it fails; CPython closes it when the error is
# dropped, with a ResourceWarning (not a leak that lasts; for search/ to tidy up).
LEAKS_A_FILE = pytest.mark.filterwarnings("ignore::ResourceWarning",
                                          "ignore::pytest.PytestUnraisableExceptionWarning")


@pytest.mark.parametrize("damage", [
    pytest.param(name, marks=LEAKS_A_FILE if name in ("garbage table of contents", "truncated segment") else ())
    for name in DAMAGE])
def test_missing_or_damaged_index_is_reported_and_rebuilt(app, db, client, runner, caplog, tmp_path, damage):
    from reviewapp.indexing import rebuild_index
    from search.backends.whoosh import reader

    application = make_application(title="Cooling a battery with a glycol loop")
    make_document(title="Glycol coolant loop for battery cells", publication_date=dt.date(2012, 1, 5))
    db.session.commit()
    number = application.document.publication_number
    assert rebuild_index() == 2
    assert client.get("/search?q=glycol").status_code == 200

    reader.close_all()  # forget this process's open searcher, as a restarted server would
    DAMAGE[damage](Path(app.config["INDEX_DIR"]))

    # A clear line in the log: at start when the table of contents is gone or unreadable,
    # else (a damaged segment) at the first search. The app starts either way.
    with caplog.at_level(logging.WARNING):
        create_app({**app.config, "INSTANCE_PATH": app.instance_path})
    at_start = [r for r in caplog.records if "reviewapp index rebuild" in r.getMessage()]
    assert bool(at_start) == (damage != "truncated segment"), caplog.text

    # The search pages say the index must be (re)built: a 503 with the reason, never a 500.
    for path in ("/search?q=glycol", f"/applications/{number}/claims/1/similar"):
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            response = client.get(path)
        assert response.status_code == 503, (path, response.status_code)
        assert "reviewapp index rebuild" in response.get_data(as_text=True)
        assert any(r.levelno == logging.ERROR and "search index" in r.getMessage() for r in caplog.records)
    api = client.get("/api/v1/search?q=glycol")
    assert api.status_code == 503 and "rebuild" in api.get_json()["error"]
    assert client.get(f"/applications/{number}").status_code == 200  # the rest of the site works

    check = runner.invoke(args=["index", "check"])
    if damage == "missing":  # an empty index: every document is reported missing
        assert check.exit_code == 1 and "2 missing" in check.output
    else:
        assert check.exit_code == 2, check.output
        assert "unreadable" in check.output and "reviewapp index rebuild" in check.output

    assert runner.invoke(args=["index", "rebuild"]).exit_code == 0
    assert runner.invoke(args=["index", "check"]).exit_code == 0
    response = client.get("/search?q=glycol")
    assert response.status_code == 200 and number in response.get_data(as_text=True)
    del check, api  # the refused check's exception chain holds Whoosh's frames and open files
    gc.collect()  # finalise the damaged files Whoosh left open, under this test's warning filter


TANTIVY_DAMAGE = {
    "missing": (lambda index: shutil.rmtree(index), 1),
    "generation gone": (lambda index: shutil.rmtree(live_generation(index)), 1),
    "garbage meta.json": (lambda index: replace_file(live_generation(index) / "meta.json",
                                                     b"{garbage"), 2),
}


@pytest.mark.parametrize("damage", list(TANTIVY_DAMAGE))
def test_missing_or_damaged_tantivy_index_is_reported_and_rebuilt(app, db, client, runner, caplog, damage):
    """As above, on the tantivy backend: 503 with the reason, never a 500; check; rebuild."""
    import search
    from reviewapp.indexing import rebuild_index

    app.config["SEARCH_BACKEND"] = "tantivy"
    application = make_application(title="Cooling a battery with a glycol loop")
    make_document(title="Glycol coolant loop for battery cells", publication_date=dt.date(2012, 1, 5))
    db.session.commit()
    number = application.document.publication_number
    assert rebuild_index() == 2
    assert client.get("/search?q=glycol").status_code == 200

    search.close_all()  # forget this process's open reader, as a restarted server would
    damage_index, check_status = TANTIVY_DAMAGE[damage]
    damage_index(Path(app.config["INDEX_DIR"]))
    for path in ("/search?q=glycol", f"/applications/{number}/claims/1/similar"):
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            response = client.get(path)
        assert response.status_code == 503, (path, response.status_code)
        assert "reviewapp index rebuild" in response.get_data(as_text=True)
        assert any(r.levelno == logging.ERROR and "search index" in r.getMessage() for r in caplog.records)
    assert client.get("/api/v1/search?q=glycol").status_code == 503

    check = runner.invoke(args=["index", "check"])
    assert check.exit_code == check_status, check.output
    assert runner.invoke(args=["index", "rebuild"]).exit_code == 0
    assert runner.invoke(args=["index", "check"]).exit_code == 0
    response = client.get("/search?q=glycol")
    assert response.status_code == 200 and number in response.get_data(as_text=True)


# --- backups, through the commands, on PostgreSQL --------------------------------------------------

def test_backup_restore_commands_round_trip_on_postgresql(pg_server, tmp_path):
    """`reviewapp backup` -> fresh migrated database -> `reviewapp restore`: same rows, index rebuilt."""
    from reviewapp.demo import load_demo

    with faults.scratch_database(pg_server) as source, faults.scratch_database(pg_server) as target:
        app = create_app(faults.app_config(tmp_path / "source", source))
        faults.migrate(app)
        with app.app_context():
            load_demo(_db.session)
            _db.session.commit()
            _db.session.remove()
            _db.engine.dispose()
        backup = tmp_path / "site.jsonl.gz"
        source_env = faults.server_env(source, tmp_path / "source-instance")
        result = faults.run_cli(source_env, "backup", str(backup))
        assert result.returncode == 0, result.stdout + result.stderr

        target_env = faults.server_env(target, tmp_path / "target-instance")
        for args in (("db", "upgrade"), ("restore", str(backup))):
            result = faults.run_cli(target_env, *args)
            assert result.returncode == 0, result.stdout + result.stderr
        assert "Indexed" in result.stdout

        assert table_rows(source) == table_rows(target)
        check = faults.run_cli(target_env, "index", "check")
        assert check.returncode == 0 and check.stdout.startswith("0 missing, 0 stale, 0 extra"), check.stdout
        # New rows get new ids: the sequences were moved past the restored rows.
        created = faults.run_cli(target_env, "user", "create", "after-restore@example.test",
                                 "--password", "a long enough password")
        assert created.returncode == 0, created.stdout + created.stderr
        with app.app_context():
            _db.engine.dispose()


def table_rows(url: str) -> dict[str, list[tuple]]:
    """Return every table's rows, ordered by primary key."""
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        rows = {table.name: [tuple(row) for row in connection.execute(
            sa.select(table).order_by(*(table.primary_key.columns or table.columns)))]
            for table in _db.metadata.sorted_tables}
    engine.dispose()
    assert rows["documents"] and rows["submissions"] and rows["votes"]
    return rows


def serve_prod_check() -> str:
    """Return serve-prod's Python check of the database and Redis (its here-document)."""
    text = (Path(__file__).resolve().parent.parent / "scripts" / "serve-prod").read_text()
    return text.split("<<'PY'\n", 1)[1].split("\nPY\n", 1)[0]


def test_serve_prod_never_prints_the_redis_password(tmp_path):
    import subprocess
    import sys

    env = {**os.environ, "REVIEWAPP_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
           "REVIEWAPP_REDIS_URL": "redis://:S3cretRedisPass@127.0.0.1:1/0"}
    result = subprocess.run([sys.executable, "-c", serve_prod_check()], check=False, env=env, cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "cannot reach Redis at redis://:***@127.0.0.1:1/0" in result.stderr
    assert "S3cretRedisPass" not in result.stderr


def test_gunicorn_waits_longer_than_a_sqlite_write(tmp_path):
    """A write waiting on SQLite's lock must end in the site's 503, not in a killed worker's 500."""
    import re

    from reviewapp.config import DEFAULTS

    root = Path(__file__).resolve().parent.parent
    serve_prod = int(re.search(r'TIMEOUT:=(\d+)', (root / "scripts" / "serve-prod").read_text())[1])
    documented = int(re.search(r"`gunicorn [^`]*--timeout (\d+)", (root / "docs" / "OPERATIONS.md").read_text())[1])
    for timeout in (serve_prod, documented):
        assert timeout >= DEFAULTS["SQLITE_BUSY_TIMEOUT_SECONDS"] + 15
