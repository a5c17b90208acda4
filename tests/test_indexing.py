"""The search index under a multi-process server: concurrent edits, one writer, nothing lost.

gunicorn with four workers serves volunteers who tag and untag the same applications at once
while an administrator opens and closes their review windows; every edit changes what the
index holds (tags and status are search fields). Afterwards the index must match the database
exactly (`check_index`), and the search API, answered by any of the workers, must agree.

Three ways the index is written: by the queue worker (`reviewapp worker`) reading jobs from
Redis or from the SQLite queue file, and by the web workers themselves (`HUEY_IMMEDIATE`, as
`make run` does), where four processes contend for the index's write lock. The database is
the pass's own: PostgreSQL in CI's PostgreSQL pass, a SQLite file otherwise.
"""
from __future__ import annotations

import random
import re
import threading
import uuid
from collections import Counter
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from reviewapp import create_app
from reviewapp.extensions import db as _db
from reviewapp.indexing import check_index, rebuild_index
from reviewapp.models import Application
from reviewapp.models.application import TAGS_CLOSED as CLOSED_REFUSAL
from reviewapp.models.tag import Tag, application_tags
from tests import faults
from tests.conftest import TEST_DATABASE_URL
from tests.factories import PASSWORD, make_application, make_user

pytestmark = pytest.mark.slow

VOLUNTEERS = 4
EDITS_PER_VOLUNTEER = 12
TAGS = ("cooling", "glycol", "thermal", "pump")
# gunicorn's access log: the worker's pid, the request line and the status.
ACCESS_FORMAT = '%(p)s "%(r)s" %(s)s'
POST_LINE = re.compile(r'^<(\d+)> "POST (\S+) HTTP/1\.\d" (\d{3})$', re.MULTILINE)


@pytest.fixture
def database(tmp_path):
    """A migrated, empty database of this pass's kind: a PostgreSQL scratch database or a file."""
    if TEST_DATABASE_URL.startswith("postgres"):
        with faults.scratch_database(faults.require_postgres()) as url:
            yield url
    else:
        yield f"sqlite:///{tmp_path / 'site.sqlite3'}"


@pytest.fixture
def backend(request) -> str:
    """Return the search backend of the site (the test's parameter)."""
    return request.param


@pytest.fixture
def site(database, tmp_path, backend):
    """Three pending and three open applications, four volunteers and an administrator."""
    app = create_app(faults.app_config(tmp_path, database, INSTANCE_PATH=str(tmp_path / "server"),
                                HUEY_IMMEDIATE=True, SEARCH_BACKEND=backend))
    faults.migrate(app)
    with app.app_context():
        pending = [make_application(status="pending", title=f"Pending battery cooler {n}")
                   for n in range(3)]
        open_ = [make_application(title=f"Open battery cooler {n}") for n in range(3)]
        for n in range(VOLUNTEERS):
            make_user(email=f"volunteer{n}@example.test")
        make_user("admin", email="admin@example.test")
        _db.session.commit()
        seeded = SimpleNamespace(
            app=app, url=database,
            pending=[(a.id, a.document.publication_number) for a in pending],
            open=[(a.id, a.document.publication_number) for a in open_])
        rebuild_index()
        _db.session.remove()
        _db.engine.dispose()
    yield seeded
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


def volunteer_edits(site, browser: faults.Browser, seed: int, statuses: list[int]) -> None:
    """Tag and untag the applications in a random order, recording each response's status."""
    rng = random.Random(seed)
    numbers = [number for _, number in site.pending + site.open]
    for _ in range(EDITS_PER_VOLUNTEER):
        number, tag = rng.choice(numbers), rng.choice(TAGS)
        page = f"/applications/{number}/discussion"
        if rng.random() < 0.6:
            response = browser.post(f"/applications/{number}/tags", {"name": tag}, form_page=page)
            if response.status_code == 200 and CLOSED_REFUSAL in response.text:
                # The administrator closed this review meanwhile: its tags stay as they are.
                statuses.append("refused: closed")
                continue
        else:
            response = browser.post(f"/applications/{number}/tags/{tag}/remove", {}, form_page=page)
        statuses.append(response.status_code)


def admin_edits(site, browser: faults.Browser, statuses: list[int]) -> None:
    """Open the pending windows and close the open ones, while the volunteers tag them."""
    for application_id, _ in site.pending:
        page = f"/admin/applications/{application_id}"
        statuses.append(browser.post(f"{page}/open", {"days": "30"}, form_page=page).status_code)
    for application_id, _ in site.open:
        page = f"/admin/applications/{application_id}"
        statuses.append(browser.post(f"{page}/close", {"confirm": "yes"}, form_page=page).status_code)


def run_concurrently(site, server: faults.Gunicorn) -> list[int]:
    """Log everyone in, then let them all edit at once; return every POST's status."""
    browsers = [faults.Browser(server.url) for _ in range(VOLUNTEERS + 1)]
    statuses: list[int] = []
    try:
        for n, browser in enumerate(browsers[:-1]):
            browser.login(f"volunteer{n}@example.test", PASSWORD)
        browsers[-1].login("admin@example.test", PASSWORD)
        threads = [threading.Thread(target=volunteer_edits, args=(site, b, n, statuses))
                   for n, b in enumerate(browsers[:-1])]
        threads.append(threading.Thread(target=admin_edits, args=(site, browsers[-1], statuses)))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
        assert not any(thread.is_alive() for thread in threads), "an editor did not finish"
    finally:
        for browser in browsers:
            browser.close()
    return statuses


def tagged_in_database(app) -> dict[str, set[str]]:
    """Return tag name -> publication numbers of the applications tagged with it."""
    with app.app_context():
        rows = _db.session.execute(
            select(Tag.name, Application)
            .join(application_tags, application_tags.c.tag_id == Tag.id)
            .join(Application, Application.id == application_tags.c.application_id)).all()
        tagged: dict[str, set[str]] = {name: set() for name in TAGS}
        for name, application in rows:
            tagged[name].add(application.document.publication_number)
        _db.session.remove()
    return tagged


def index_matches_database(app) -> bool:
    with app.app_context():
        report = check_index()
        _db.session.remove()
    return report.ok


# The index is part of the contract suite (tests/search/contract): every backend, through the
# app. Whoosh with every writer; tantivy with the Redis queue worker (production) and with four
# web workers contending for the write lock (the hardest case for the one-writer rule).
@pytest.mark.parametrize("backend, writer", [
    ("whoosh", "redis-queue"), ("whoosh", "sqlite-queue"), ("whoosh", "web-workers"),
    ("tantivy", "redis-queue"), ("tantivy", "web-workers"),
], indirect=["backend"])
def test_concurrent_edits_through_four_workers_reach_the_index(site, tmp_path, backend, writer):
    extra = {"REVIEWAPP_QUEUE_NAME": f"edits-{uuid.uuid4().hex[:10]}",
             "REVIEWAPP_SEARCH_BACKEND": backend}
    if writer == "redis-queue":
        extra["REVIEWAPP_REDIS_URL"] = faults.require_redis()
    if writer == "web-workers":
        extra["REVIEWAPP_HUEY_IMMEDIATE"] = "1"
    env = faults.server_env(site.url, tmp_path / "server", **extra)
    log = tmp_path / "gunicorn.log"
    server = faults.Gunicorn(env, log, workers=4, access_log_format=ACCESS_FORMAT)
    worker = None if writer == "web-workers" else faults.QueueWorker(env, tmp_path / "worker.log")
    try:
        server.wait_ready()
        statuses = run_concurrently(site, server)

        # Every edit was acknowledged (a redirect back) or, once its review was closed, refused
        # with the reason; none failed or hit a locked index.
        assert len(statuses) == VOLUNTEERS * EDITS_PER_VOLUNTEER + 6
        assert set(Counter(statuses)) <= {302, "refused: closed"}, server.log()
        assert Counter(statuses)[302] >= 6, server.log()
        posts = POST_LINE.findall(log.read_text())
        assert len({pid for pid, _, _ in posts}) > 1, "the edits were not spread over the workers"
        assert "LockError" not in log.read_text()

        faults.wait_until(lambda: index_matches_database(site.app), timeout=120, interval=0.5,
                          message="the index to match the database")
        tagged = tagged_in_database(site.app)
        assert any(tagged.values()), "the edits tagged nothing: the test proved nothing"
        api = faults.Browser(server.url)
        try:
            for name, numbers in tagged.items():
                for _ in range(4):  # likely a different worker, and its cached reader, each time
                    found = api.get("/api/v1/search", params={"tags": name}).json()
                    assert {item["number"] for item in found["items"]} == numbers, name
            closed = api.get("/api/v1/search", params={"status": "closed"}).json()
            assert {item["number"] for item in closed["items"]} == {n for _, n in site.open}
        finally:
            api.close()
    finally:
        if worker is not None:
            worker.stop()
        server.stop()


# --- drift found by `index check`, repaired by `--repair` ------------------------------------

@pytest.mark.parametrize("command", [["index", "check", "--repair"], ["index", "repair"]])
def test_index_check_repair_fixes_missing_stale_and_extra_entries(app, db, runner, monkeypatch, command):
    import search
    from reviewapp.indexing import index_dir
    from tests.factories import make_document

    kept = make_application(title="Cooling a battery with a glycol loop")
    changed = make_document(title="Glycol coolant loop")
    db.session.commit()
    rebuild_index()
    # Drift the outbox does not explain: writes whose index jobs did nothing.
    monkeypatch.setitem(app.extensions["tasks"], "index", lambda document_ids: None)
    missing = make_document(title="Never indexed")
    changed.title = "Glycol coolant loop, revised"
    db.session.commit()
    search.index_documents(index_dir(), [{"id": "US9999999B9", "title": "Deleted long ago", "stamp": "x"}])
    report = check_index()
    assert (report.missing, report.stale, report.extra) == (
        [missing.publication_number], [changed.publication_number], ["US9999999B9"])

    result = runner.invoke(args=command)
    assert result.exit_code == 0, result.output
    assert "1 missing, 1 stale, 1 extra." in result.output and "Repaired" in result.output
    assert check_index().ok
    assert kept.document.publication_number in {hit.id for hit in search.query(index_dir(), "battery").hits}
    assert runner.invoke(args=["index", "check"]).exit_code == 0
