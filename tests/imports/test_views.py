"""/admin/imports: admins only, CSRF, upload limits, folder picks, progress and history."""
from __future__ import annotations

import datetime as dt
import errno
import io
import os
import threading
from html import unescape
from pathlib import Path

import pytest
from sqlalchemy import func, select

from reviewapp import create_app
from reviewapp.admin.services import dashboard_counts
from reviewapp.imports import runs
from reviewapp.imports.runs import IMPORT_THREAD, finish_run
from reviewapp.indexing import check_index
from reviewapp.ingest.loader import ImportSummary
from reviewapp.models import AuditEntry, Document, ImportRun
from reviewapp.models.import_run import STALE_AFTER
from tests.conftest import base_config
from tests.factories import make_user
from tests.ingest.samples import grant, zip_bytes


def page(response) -> str:
    return unescape(response.get_data(as_text=True))


def wait_for_imports() -> None:
    for thread in threading.enumerate():
        if thread.name == IMPORT_THREAD:
            thread.join(timeout=120)


@pytest.fixture
def admin(auth, db):
    user = make_user("admin", name="Boss")
    db.session.commit()
    auth.login(user)
    return user


@pytest.fixture
def folder(app, tmp_path):
    """Configure an import folder holding one weekly-style file and a zip."""
    root = tmp_path / "weekly"
    (root / "2013").mkdir(parents=True)
    (root / "ipg130416.XML").write_text(grant("07000001") + grant("07000002"), encoding="utf-8")
    (root / "2013" / "ipa130418.zip").write_bytes(zip_bytes({"ipa.xml": grant("07000003")}))
    (tmp_path / "secret.xml").write_text(grant("07000009"), encoding="utf-8")
    app.config["IMPORT_DIR"] = str(root)
    return root


def upload(client, content: bytes, name: str = "ipg.xml"):
    return client.post("/admin/imports/upload", data={"upload-file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


@pytest.mark.parametrize("role", ["volunteer", "examiner"])
@pytest.mark.parametrize("method, url", [("get", "/admin/imports/"), ("post", "/admin/imports/upload"),
                                         ("post", "/admin/imports/folder"), ("get", "/admin/imports/1"),
                                         ("get", "/admin/imports/1/status")])
def test_only_admins_reach_the_import_pages(client, auth, db, role, method, url):
    auth.login(make_user(role))
    db.session.commit()
    assert getattr(client, method)(url).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get("/admin/imports/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_an_uploaded_file_is_imported_in_the_background_and_searchable(client, admin, db, app):
    response = upload(client, (grant("07000001") + grant("07000002")).encode())
    assert response.status_code == 302
    wait_for_imports()
    db.session.expire_all()
    run = db.session.scalar(select(ImportRun))
    assert (run.status, run.documents_done, run.error_count, run.user_id) == ("done", 2, 0, admin.id)
    assert run.summary["created"] == 2 and check_index().ok
    detail = page(client.get(response.headers["Location"]))
    assert "Imported 2 grants and 0 applications (2 new" in detail and "ipg.xml" in detail
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "import-start"))
    assert (entry.actor_id, entry.target_type, entry.target_id) == (admin.id, "import", run.id)
    assert entry.detail == {"source": "ipg.xml", "origin": "upload"}
    assert list((Path(app.instance_path) / "imports").glob("*")) == []  # the upload is removed


def test_a_bad_file_lists_every_error_with_its_reason(client, admin, db):
    content = (grant("07000001") + grant("07000002", title="<i>unclosed") + "<?xml version='1.0'?>\n<nonsense/>\n")
    response = upload(client, content.encode(), "bad.xml")
    wait_for_imports()
    detail = page(client.get(response.headers["Location"]))
    assert "Errors (2)" in detail and "malformed XML" in detail and "unknown root element <nonsense>" in detail
    assert db.session.scalar(select(ImportRun.error_count)) == 2
    assert db.session.scalars(select(Document.publication_number)).all() == ["US7000001B2"]


def test_an_upload_over_the_limit_is_refused_unread(client, admin, db, app):
    app.config["IMPORT_MAX_UPLOAD_MB"] = 0.01  # 10 KB
    response = upload(client, b"<?xml version='1.0'?>\n" + b"x" * 200_000)
    assert response.status_code == 413
    assert db.session.scalar(select(ImportRun)) is None


def test_an_upload_over_the_site_limit_but_under_the_import_limit_is_taken(client, admin, db, app):
    app.config["MAX_CONTENT_LENGTH"] = 100_000  # the site's limit, lowered to keep the test small
    body = grant("07000001", body="A widget. " * 30_000)  # 300 KB
    assert upload(client, body.encode()).status_code == 302
    wait_for_imports()
    assert db.session.scalar(select(ImportRun.status)) == "done"


@pytest.mark.parametrize("role", [None, "volunteer", "examiner"])
def test_only_administrators_may_send_a_body_over_the_sites_limit(client, auth, db, app, role):
    """Anyone else's large upload is refused before it is read, as any other large body."""
    app.config["MAX_CONTENT_LENGTH"] = 100_000
    if role:
        auth.login(make_user(role))
        db.session.commit()
    assert upload(client, b"x" * 300_000).status_code == 413
    assert db.session.scalar(select(ImportRun)) is None


def test_an_empty_upload_is_refused_with_a_message(client, admin, db):
    response = upload(client, b"")
    assert response.status_code == 400 and "empty" in page(response)


def test_the_folder_offers_its_files_and_imports_the_one_picked(client, admin, db, folder):
    index = page(client.get("/admin/imports/"))
    assert "ipg130416.XML" in index and "2013/ipa130418.zip" in index and "secret.xml" not in index
    response = client.post("/admin/imports/folder", data={"folder-name": "2013/ipa130418.zip"})
    assert response.status_code == 302
    wait_for_imports()
    run = db.session.scalar(select(ImportRun))
    assert (run.origin, run.source, run.status, run.documents_done) == ("folder", "2013/ipa130418.zip", "done", 1)
    assert (folder / "2013" / "ipa130418.zip").exists()  # the folder's files are never removed


@pytest.mark.parametrize("name", ["../secret.xml", "/etc/passwd", "2013/../../secret.xml", "missing.xml", ""])
def test_nothing_outside_the_folder_can_be_picked(client, admin, db, folder, name):
    response = client.post("/admin/imports/folder", data={"folder-name": name})
    assert response.status_code == 400 and "not a file of the import folder" in page(response)
    assert db.session.scalar(select(ImportRun)) is None


def test_without_a_folder_the_page_says_how_to_configure_one(client, admin):
    assert "REVIEWAPP_IMPORT_DIR" in page(client.get("/admin/imports/"))


def test_history_and_progress_show_runs_as_they_stand(client, admin, db):
    running = ImportRun(user_id=admin.id, origin="folder", source="ipg130416.xml", path="/x",
                        status="running", total_bytes=1000, bytes_done=250, documents_done=40,
                        error_count=3, summary={})
    db.session.add(running)
    db.session.commit()
    assert client.get(f"/admin/imports/{running.id}/status").get_json() == {
        "id": running.id, "status": "running", "percent": 25, "documents": 40, "errors": 3,
        "finished": False}
    detail = client.get(f"/admin/imports/{running.id}")
    text = page(detail)
    assert '<meta http-equiv="refresh"' in text and '<progress value="25" max="100"' in text
    assert "40 documents, 3 errors" in text and "<script>" not in text
    history = page(client.get("/admin/imports/"))
    assert "ipg130416.xml (folder)" in history and "running" in history and "Boss" in history


def test_a_finished_run_shows_its_counts_and_each_error_as_a_labelled_card(client, admin, db):
    run = ImportRun(user_id=admin.id, origin="folder", source="ipg130416.zip", path="/x",
                    status="running", total_bytes=1000, summary={})
    db.session.add(run)
    db.session.flush()
    summary = ImportSummary(grants=12_345, created=12_340, unchanged=5)
    summary.error("ipg130416.zip/ipg130416.xml", 4_711, 1_317, "malformed XML: tag mismatch")
    finish_run(db.session, run.id, "done", summary, "")
    db.session.commit()
    text = page(client.get(f"/admin/imports/{run.id}"))
    assert "Imported 12,345 grants" in text and "<dd>12,340, 0, 5</dd>" in text
    assert '<table class="list cards">' in text
    assert ('<td data-label="File">ipg130416.zip/ipg130416.xml</td><td data-label="Document">4711</td>'
            '<td data-label="Line">1317</td><td data-label="Reason">malformed XML: tag mismatch</td>') in text
    history = page(client.get("/admin/imports/"))
    assert '<td data-label="Summary">Imported 12,345 grants' in history


def test_a_run_whose_worker_died_shows_as_interrupted_once_its_heartbeat_stops(client, admin, db):
    now = dt.datetime.now(dt.UTC)
    alive = ImportRun(user_id=admin.id, origin="folder", source="alive.xml", path="/x", status="running",
                      summary={}, started_at=now - dt.timedelta(hours=1),
                      heartbeat_at=now - dt.timedelta(minutes=1))
    dead = ImportRun(user_id=admin.id, origin="folder", source="dead.xml", path="/x", status="running",
                     summary={}, started_at=now - dt.timedelta(hours=1),
                     heartbeat_at=now - STALE_AFTER - dt.timedelta(minutes=1))
    db.session.add_all([alive, dead])
    db.session.commit()
    assert client.get(f"/admin/imports/{alive.id}/status").get_json()["status"] == "running"
    status = client.get(f"/admin/imports/{dead.id}/status").get_json()
    assert (status["status"], status["finished"]) == ("interrupted", True)
    assert '<meta http-equiv="refresh"' not in page(client.get(f"/admin/imports/{dead.id}"))
    history = page(client.get("/admin/imports/"))
    assert "Interrupted: no progress since" in history and history.count("interrupted") == 1


def test_each_committed_batch_beats_the_heartbeat(client, admin, db, app, tmp_path):
    app.config["IMPORT_BATCH_SIZE"] = 1
    run = ImportRun(user_id=admin.id, origin="folder", source="a.xml", status="queued", summary={},
                    path=str(tmp_path / "a.xml"))
    (tmp_path / "a.xml").write_text(grant("07000001") + grant("07000002"), encoding="utf-8")
    db.session.add(run)
    db.session.commit()
    beats = []
    original = runs.utcnow
    runs.utcnow = lambda: beats.append(1) or original()
    try:
        assert runs.run_import_job(run.id) == "done"
    finally:
        runs.utcnow = original
    db.session.expire_all()
    run = db.session.get(ImportRun, run.id)
    assert run.heartbeat_at is not None and run.heartbeat_at >= run.started_at
    assert len(beats) >= 3  # the start and one per batch


def test_posts_without_a_csrf_token_are_refused(migrated_database, tmp_path, db):
    app = create_app({**base_config(tmp_path, migrated_database), "WTF_CSRF_ENABLED": True})
    user = make_user("admin")
    db.session.commit()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    for url, data in (("/admin/imports/upload", {"upload-file": (io.BytesIO(grant().encode()), "a.xml")}),
                      ("/admin/imports/folder", {"folder-name": "a.xml"})):
        response = client.post(url, data=data, content_type="multipart/form-data")
        assert response.status_code == 400
    assert db.session.scalar(select(ImportRun)) is None


def test_an_upload_the_disk_cannot_hold_leaves_nothing_and_says_why(client, admin, db, app, monkeypatch):
    from werkzeug.datastructures import FileStorage

    def full_disk(self, destination, buffer_size=16384):
        Path(destination).write_bytes(b"x" * 1000)  # part of the file got written
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(FileStorage, "save", full_disk)
    response = upload(client, grant("07000001").encode())
    assert response.status_code == 400
    assert "could not be stored on the server: No space left on device" in page(response)
    assert list((Path(app.instance_path) / "imports").glob("*")) == []
    assert db.session.scalar(select(ImportRun)) is None


def test_an_upload_with_a_very_long_name_is_imported_under_a_shorter_one(client, admin, db, app):
    response = upload(client, grant("07000001").encode(), "weekly-" + "a" * 300 + ".xml")
    assert response.status_code == 302
    wait_for_imports()
    run = db.session.scalar(select(ImportRun))
    assert run.status == "done" and run.source.startswith("weekly-aaa") and run.source.endswith(".xml")
    assert len(run.source) <= runs.MAX_NAME


def test_a_run_that_fails_part_way_keeps_the_errors_it_found(client, admin, db, app, monkeypatch):
    app.config["IMPORT_BATCH_SIZE"] = 1

    def index_down(batch):
        raise RuntimeError("index down")

    monkeypatch.setattr("reviewapp.indexing.sync_imported", index_down)
    content = "<?xml version='1.0'?>\n<nonsense/>\n" + grant("07000001") + grant("07000002")
    response = upload(client, content.encode(), "bad.xml")
    wait_for_imports()
    db.session.expire_all()
    run = db.session.scalar(select(ImportRun))
    assert (run.status, run.error_count) == ("failed", 1)
    detail = page(client.get(response.headers["Location"]))
    assert "The import stopped: RuntimeError: index down" in detail
    assert "Errors (1)" in detail and "unknown root element <nonsense>" in detail
    assert "Summary" not in detail  # no counts that a rolled-back batch could have inflated


def old_file(path: Path, content: bytes = b"<xml/>") -> Path:
    """Write a file last changed a day ago."""
    path.write_bytes(content)
    day_ago = (dt.datetime.now() - dt.timedelta(days=1)).timestamp()
    os.utime(path, (day_ago, day_ago))
    return path


def test_a_new_upload_first_removes_the_files_no_import_will_read(client, admin, db, app):
    folder = runs.upload_folder()
    folder.mkdir(parents=True)
    now = dt.datetime.now(dt.UTC)
    dead = old_file(folder / "dead.xml")
    alive = old_file(folder / "alive.xml")
    queued = old_file(folder / "queued.xml")
    old_file(folder / "orphan.xml")  # its run was never committed
    fresh = folder / "fresh.xml"  # just saved by another request, its run not committed yet
    fresh.write_bytes(b"<xml/>")
    db.session.add_all([
        ImportRun(user_id=admin.id, origin="upload", source="dead.xml", path=str(dead), status="running",
                  summary={}, started_at=now - dt.timedelta(days=1), heartbeat_at=now - dt.timedelta(hours=5)),
        ImportRun(user_id=admin.id, origin="upload", source="alive.xml", path=str(alive), status="running",
                  summary={}, started_at=now - dt.timedelta(hours=1), heartbeat_at=now),
        ImportRun(user_id=admin.id, origin="upload", source="queued.xml", path=str(queued), status="queued",
                  summary={})])
    db.session.commit()
    assert upload(client, grant("07000001").encode()).status_code == 400  # one is still running
    assert sorted(path.name for path in folder.iterdir()) == ["alive.xml", "fresh.xml", "queued.xml"]


def test_the_dashboard_counts_queued_and_live_runs_not_dead_ones(client, admin, db):
    now = dt.datetime.now(dt.UTC)
    db.session.add_all([
        ImportRun(user_id=admin.id, origin="folder", source=name, path="/x", status=status, summary={},
                  started_at=now - dt.timedelta(days=3), heartbeat_at=now - beat)
        for name, status, beat in (("dead.xml", "running", dt.timedelta(days=3)),
                                   ("alive.xml", "running", dt.timedelta(minutes=1)),
                                   ("next.xml", "queued", dt.timedelta(0)),
                                   ("old.xml", "done", dt.timedelta(days=3)))])
    db.session.commit()
    assert dashboard_counts(db.session).running_imports == 2


def test_a_second_import_waits_until_the_first_has_finished(client, admin, db, app, folder):
    now = dt.datetime.now(dt.UTC)
    running = ImportRun(user_id=admin.id, origin="folder", source="ipg130416.XML", path="/x",
                        status="running", summary={}, started_at=now, heartbeat_at=now)
    db.session.add(running)
    db.session.commit()
    for response in (upload(client, grant("07000001").encode()),
                     client.post("/admin/imports/folder", data={"folder-name": "ipg130416.XML"})):
        assert response.status_code == 400
        assert f"The import of ipg130416.XML (#{running.id}) has not finished" in page(response)
    assert db.session.scalar(select(func.count(ImportRun.id))) == 1
    assert list(runs.upload_folder().glob("*")) == []  # the refused upload was not kept
    running.heartbeat_at = now - STALE_AFTER - dt.timedelta(minutes=1)  # its worker died
    db.session.commit()
    assert client.post("/admin/imports/folder", data={"folder-name": "ipg130416.XML"}).status_code == 302
    wait_for_imports()


def test_a_run_the_queue_refuses_is_failed_with_the_reason_not_a_500(client, admin, db, app, monkeypatch):
    def queue_down(name, *args):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(app.extensions["huey"], "immediate", False)
    monkeypatch.setattr("reviewapp.tasks.enqueue", queue_down)
    response = upload(client, grant("07000001").encode())
    assert response.status_code == 302
    db.session.expire_all()
    run = db.session.scalar(select(ImportRun))
    assert run.status == "failed" and "could not be queued (ConnectionError: Error 111" in run.message
    assert "The import stopped: could not be queued" in page(client.get(response.headers["Location"]))
    assert list(runs.upload_folder().glob("*")) == []
    monkeypatch.setattr(app.extensions["huey"], "immediate", True)
    assert upload(client, grant("07000001").encode()).status_code == 302  # nothing holds the next back
    wait_for_imports()
