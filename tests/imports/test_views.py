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
from sqlalchemy import func, select, update

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


def test_an_upload_over_the_limit_says_the_limit_and_the_way_for_larger_files(client, admin, app, folder):
    app.config["IMPORT_MAX_UPLOAD_MB"] = 0.01
    response = upload(client, b"<?xml version='1.0'?>\n" + b"x" * 200_000)
    text = page(response)
    assert response.status_code == 413
    assert "The file is larger than the 0.01 MB upload limit" in text
    assert f"Put it in the server's import folder (<code>{folder}</code>, <code>REVIEWAPP_IMPORT_DIR" in text
    assert '<a href="/admin/imports/">Back to the imports</a>' in text
    app.config["IMPORT_DIR"] = ""
    assert "ask whoever runs the site to set <code>REVIEWAPP_IMPORT_DIR</code>" in page(
        upload(client, b"x" * 200_000))


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
    run = ImportRun(user_id=admin.id, origin="folder", source="dead.xml", path="/x", status="running",
                    summary={}, started_at=now - dt.timedelta(hours=1),
                    heartbeat_at=now - dt.timedelta(minutes=1))
    db.session.add(run)
    db.session.commit()
    assert client.get(f"/admin/imports/{run.id}/status").get_json()["status"] == "running"
    run.heartbeat_at = now - STALE_AFTER - dt.timedelta(minutes=1)
    db.session.commit()
    status = client.get(f"/admin/imports/{run.id}/status").get_json()
    assert (status["status"], status["finished"]) == ("interrupted", True)
    assert '<meta http-equiv="refresh"' not in page(client.get(f"/admin/imports/{run.id}"))
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
        assert runs.claim_run(run.id) and runs.import_claimed_run(run.id) == "done"
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
    queued = ImportRun(user_id=user.id, origin="folder", source="a.xml", path="/x", status="queued",
                       summary={})
    db.session.add(queued)
    db.session.commit()
    for url, data in (("/admin/imports/upload", {"upload-file": (io.BytesIO(grant().encode()), "a.xml")}),
                      ("/admin/imports/folder", {"folder-name": "a.xml"}),
                      (f"/admin/imports/{queued.id}/cancel", {})):
        response = client.post(url, data=data, content_type="multipart/form-data")
        assert response.status_code == 400
    db.session.expire_all()
    assert db.session.scalars(select(ImportRun.status)).all() == ["queued"]


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
    done = old_file(folder / "done.xml")
    alive = old_file(folder / "alive.xml")
    old_file(folder / "orphan.xml")  # its run was never committed
    fresh = folder / "fresh.xml"  # just saved by another request, its run not committed yet
    fresh.write_bytes(b"<xml/>")
    db.session.add_all([
        ImportRun(user_id=admin.id, origin="upload", source="dead.xml", path=str(dead), status="interrupted",
                  summary={}, started_at=now - dt.timedelta(days=1), heartbeat_at=now - dt.timedelta(hours=5)),
        ImportRun(user_id=admin.id, origin="upload", source="done.xml", path=str(done), status="done",
                  summary={}),
        ImportRun(user_id=admin.id, origin="upload", source="alive.xml", path=str(alive), status="running",
                  summary={}, started_at=now - dt.timedelta(hours=1), heartbeat_at=now)])
    db.session.commit()
    assert upload(client, grant("07000001").encode()).status_code == 400  # one is still running
    assert sorted(path.name for path in folder.iterdir()) == ["alive.xml", "fresh.xml"]
    db.session.execute(update(ImportRun).where(ImportRun.source == "alive.xml")
                       .values(status="queued"))  # waiting for a worker, its file too
    db.session.commit()
    assert upload(client, grant("07000001").encode()).status_code == 400
    assert sorted(path.name for path in folder.iterdir()) == ["alive.xml", "fresh.xml"]


def test_the_dashboard_counts_queued_and_live_runs_not_dead_ones(client, admin, db):
    now = dt.datetime.now(dt.UTC)
    db.session.add_all([
        ImportRun(user_id=admin.id, origin="folder", source=name, path="/x", status=status, summary={},
                  started_at=now - dt.timedelta(days=3), heartbeat_at=now - beat)
        for name, status, beat in (("dead.xml", "interrupted", dt.timedelta(days=3)),
                                   ("alive.xml", "running", dt.timedelta(minutes=1)),
                                   ("old.xml", "done", dt.timedelta(days=3)))])
    db.session.commit()
    assert dashboard_counts(db.session).running_imports == 1
    alive = db.session.scalar(select(ImportRun).where(ImportRun.source == "alive.xml"))
    alive.heartbeat_at = now - dt.timedelta(days=1)  # its worker died: not recorded yet
    db.session.commit()
    assert dashboard_counts(db.session).running_imports == 0
    alive.status = "queued"
    db.session.commit()
    assert dashboard_counts(db.session).running_imports == 1


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
    db.session.expire_all()
    dead = db.session.get(ImportRun, running.id)
    assert (dead.status, dead.shown_status) == ("interrupted", "interrupted")  # ended, no longer active
    assert "its worker stopped" in dead.message and dead.finished_at is not None


def write_file(path: Path) -> Path:
    path.write_text(grant("07000001"), encoding="utf-8")
    return path


def test_a_missing_import_folder_is_named_with_its_path(client, admin, app, tmp_path):
    missing = tmp_path / "unmounted" / "weekly"
    app.config["IMPORT_DIR"] = str(missing)
    text = page(client.get("/admin/imports/"))
    assert f"The import folder {missing} does not exist" in text and "holds no" not in text
    response = client.post("/admin/imports/folder", data={"folder-name": "ipg130416.xml"})
    assert response.status_code == 400
    assert page(response).count(f"The import folder {missing} does not exist") == 1
    app.config["IMPORT_DIR"] = str(write_file(tmp_path / "a-file.xml"))
    assert "a-file.xml is not a folder" in page(client.get("/admin/imports/"))


def test_an_unreadable_import_folder_says_why(client, admin, app, folder, monkeypatch):
    def refused(path):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(runs.os, "scandir", refused)
    text = page(client.get("/admin/imports/"))
    assert f"The import folder {folder} cannot be read (Permission denied)" in text


def test_a_pick_refused_from_an_empty_folder_says_why(client, admin, app, tmp_path, db):
    empty = tmp_path / "empty"
    empty.mkdir()
    app.config["IMPORT_DIR"] = str(empty)
    assert f"The import folder <code>{empty}</code> holds no .xml or .zip file." in page(
        client.get("/admin/imports/"))
    response = client.post("/admin/imports/folder", data={"folder-name": "ipg130416.xml"})
    assert response.status_code == 400
    assert "'ipg130416.xml' is not a file of the import folder." in page(response)
    assert db.session.scalar(select(ImportRun)) is None


def test_a_file_linked_into_the_folder_is_offered_and_imported(client, admin, db, folder, tmp_path):
    """The folder is configuration: the files its listing offers, links included, can be picked."""
    mount = tmp_path / "data-mount"
    mount.mkdir()
    (folder / "ipg130423.xml").symlink_to(write_file(mount / "ipg130423.xml"))
    (folder / "dangling.xml").symlink_to(mount / "gone.xml")
    index = page(client.get("/admin/imports/"))
    assert "ipg130423.xml" in index and "dangling.xml" not in index
    response = client.post("/admin/imports/folder", data={"folder-name": "ipg130423.xml"})
    assert response.status_code == 302
    wait_for_imports()
    assert db.session.scalar(select(ImportRun.status)) == "done"
    assert client.post("/admin/imports/folder", data={"folder-name": "dangling.xml"}).status_code == 400


def test_an_uploaded_file_keeps_its_name_and_errors_never_show_the_server_path(client, admin, db, app):
    response = upload(client, b"PK\x03\x04 not really a zip", "週報 Ame\u0301lie\u202e\x07.zip")
    assert response.status_code == 302
    wait_for_imports()
    run = db.session.scalar(select(ImportRun))
    assert run.source == "週報 Amélie.zip"  # NFC, without the control characters
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "import-start"))
    assert entry.detail["source"] == "週報 Amélie.zip"
    assert run.summary["errors"][0]["file"] == "週報 Amélie.zip"
    detail = page(client.get(response.headers["Location"]))
    assert '<td data-label="File">週報 Amélie.zip</td>' in detail and app.instance_path not in detail
    assert "週報 Amélie.zip (upload)" in page(client.get("/admin/imports/"))


def test_a_queued_import_can_be_cancelled_and_then_holds_nothing_back(client, admin, db, folder):
    queued = ImportRun(user_id=admin.id, origin="folder", source="ipg130416.XML", path="/x",
                       status="queued", summary={})
    db.session.add(queued)
    db.session.commit()
    detail = page(client.get(f"/admin/imports/{queued.id}"))
    assert "Waiting for the queue worker to start it." in detail and "Cancel this import" in detail
    response = client.post(f"/admin/imports/{queued.id}/cancel")
    assert response.status_code == 302
    text = page(client.get(response.headers["Location"]))
    assert "Import of ipg130416.XML cancelled." in text and "The import stopped: cancelled by Boss" in text
    assert "Cancel this import" not in text
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "import-cancel"))
    assert (entry.actor_id, entry.target_id, entry.detail) == (admin.id, queued.id, {"source": "ipg130416.XML"})
    assert client.post("/admin/imports/folder", data={"folder-name": "ipg130416.XML"}).status_code == 302
    wait_for_imports()


def test_only_a_queued_import_can_be_cancelled(client, admin, db):
    now = dt.datetime.now(dt.UTC)
    running = ImportRun(user_id=admin.id, origin="folder", source="a.xml", path="/x", status="running",
                        summary={}, started_at=now, heartbeat_at=now)
    db.session.add(running)
    db.session.commit()
    response = client.post(f"/admin/imports/{running.id}/cancel")
    assert response.status_code == 302
    assert "The import of a.xml is running: only a queued import can be cancelled." in page(
        client.get(response.headers["Location"]))
    db.session.expire_all()
    assert db.session.get(ImportRun, running.id).status == "running"
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "import-cancel")) is None


def test_a_queued_import_no_worker_took_says_so_and_holds_nothing_back(client, admin, db, folder):
    stuck = ImportRun(user_id=admin.id, origin="folder", source="ipg130416.XML", path="/x",
                      status="queued", summary={},
                      created_at=dt.datetime.now(dt.UTC) - STALE_AFTER - dt.timedelta(minutes=1))
    db.session.add(stuck)
    db.session.commit()
    assert "Not started: no queue worker has taken this import since" in page(
        client.get(f"/admin/imports/{stuck.id}"))
    assert "Not started: no queue worker has taken it since" in page(client.get("/admin/imports/"))
    assert client.post("/admin/imports/folder", data={"folder-name": "2013/ipa130418.zip"}).status_code == 302
    wait_for_imports()
    db.session.expire_all()
    stuck = db.session.get(ImportRun, stuck.id)
    assert stuck.status == "failed" and stuck.message.startswith("never started: no queue worker took it")
    assert db.session.scalars(select(ImportRun.status).order_by(ImportRun.id)).all() == ["failed", "done"]


def test_an_upload_with_no_document_in_it_says_so(client, admin, db):
    response = upload(client, zip_bytes({"ipg130416.sgml": "<!DOCTYPE x>"}), "weekly.zip")
    wait_for_imports()
    run = db.session.scalar(select(ImportRun))
    assert (run.status, run.error_count) == ("done", 1)
    detail = page(client.get(response.headers["Location"]))
    assert "1 error." in detail and ('<td data-label="File">weekly.zip</td><td data-label="Document">0</td>'
                                     '<td data-label="Line"></td><td data-label="Reason">no USPTO document '
                                     'found: the zip archive holds no .xml file (found: ipg130416.sgml)</td>') in detail
