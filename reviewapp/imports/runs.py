"""Import runs started from the admin page: uploads, folder picks, the background job, history.

An administrator uploads a file (kept under the instance folder until its run ends) or picks
one from the configured import folder; `start_import` records a queued run, the job starts
once that commits, and `run_import_job` imports the file through `services.import_paths`,
recording progress and a heartbeat per committed batch.
"""
from __future__ import annotations

import logging
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session, selectinload
from werkzeug.datastructures import FileStorage
from werkzeug.utils import secure_filename

from ..audit import record_action
from ..ingest import total_bytes
from ..ingest.loader import ImportSummary
from ..ingest.sources import file_size, input_files
from ..models import ImportRun, User
from ..models.base import utcnow
from ..models.import_run import DONE, FAILED, QUEUED, RUNNING, STALE_AFTER, UPLOAD
from ..tasks import in_app_context
from .services import import_paths

log = logging.getLogger(__name__)

IMPORT_THREAD = "reviewapp-import"
LAUNCH_KEY = "reviewapp.import_runs"
# An uploaded file's name as kept (file systems allow 255 bytes; a 33-character prefix is added).
MAX_NAME = 120
MAX_STORED_ERRORS = 10_000  # beyond this a run keeps the count and says how many were left out


class ImportRequestError(ValueError):
    """An import that cannot be started, with a message for the administrator."""


@dataclass(frozen=True)
class FolderFile:
    """A file of the import folder an administrator may pick."""

    name: str  # relative to the folder, with forward slashes
    size: int


def import_folder() -> Path | None:
    """Return the configured server folder of import files, or None."""
    folder = current_app.config.get("IMPORT_DIR") or ""
    return Path(folder).expanduser().resolve() if folder else None


def folder_files() -> list[FolderFile]:
    """List the .xml and .zip files (any letter case) of the import folder, sorted."""
    folder = import_folder()
    if folder is None or not folder.is_dir():
        return []
    return [FolderFile(path.relative_to(folder).as_posix(), file_size(path))
            for path in input_files([folder])]


def folder_path(name: str) -> Path:
    """Return the folder file named `name`; refuse anything outside the folder or not listed."""
    folder = import_folder()
    if folder is None:
        raise ImportRequestError("No import folder is configured (REVIEWAPP_IMPORT_DIR).")
    listed = {item.name for item in folder_files()}
    candidate = (folder / name).resolve()
    if name not in listed or not candidate.is_relative_to(folder):
        raise ImportRequestError(f"{name!r} is not a file of the import folder.")
    return candidate


def upload_limit() -> int:
    """Return the largest upload accepted, in bytes."""
    return int(float(current_app.config["IMPORT_MAX_UPLOAD_MB"]) * 1024 * 1024)


def save_upload(upload: FileStorage) -> tuple[str, Path]:
    """Store an uploaded file under the instance folder; return its shown name and path.

    A save that fails (a full disk) leaves no partial file behind and says why.
    """
    name = _short_name(secure_filename(upload.filename or "") or "upload.xml")
    folder = upload_folder()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}-{name}"
    try:
        upload.save(path)
    except BaseException as error:
        path.unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise ImportRequestError(
                f"The upload could not be stored on the server: {error.strerror or error}.") from error
        raise
    finally:
        upload.close()  # a large upload is spooled to a temporary file: free it now
    if path.stat().st_size == 0:
        path.unlink()
        raise ImportRequestError("The uploaded file is empty.")
    return name, path


def upload_folder() -> Path:
    """Return the folder uploads wait in until their import ends."""
    return Path(current_app.instance_path) / "imports"


def remove_stale_uploads(session: Session) -> int:
    """Delete the uploads no import will read: of runs that ended, died, or never got recorded.

    A file saved in the last STALE_AFTER is kept: its run may not be committed yet.
    """
    folder = upload_folder()
    if not folder.is_dir():
        return 0
    waiting = set(session.scalars(select(ImportRun.path).where(
        ImportRun.origin == UPLOAD, ImportRun.unfinished())))
    recent = time.time() - STALE_AFTER.total_seconds()
    removed = 0
    for path in folder.iterdir():
        if path.is_file() and str(path) not in waiting and path.stat().st_mtime < recent:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def _short_name(name: str) -> str:
    """Return a file name short enough for any file system once prefixed, suffix kept."""
    if len(name) <= MAX_NAME:
        return name
    suffix = "".join(Path(name).suffixes)[-20:]
    return name[:MAX_NAME - len(suffix)] + suffix


def refuse_while_importing(session: Session) -> None:
    """Raise ImportRequestError while another import is queued or running.

    Two imports at once would compete for the same two cores and, on overlapping files,
    report each other's documents as refused duplicates.
    """
    busy = session.scalar(select(ImportRun).where(ImportRun.unfinished())
                          .order_by(ImportRun.id).limit(1))
    if busy is not None:
        raise ImportRequestError(f"The import of {busy.source} (#{busy.id}) has not finished: "
                                 "start this one once it has.")


def start_import(session: Session, user: User, origin: str, source: str, path: Path) -> ImportRun:
    """Record a queued import run (audit-logged); it starts once the transaction commits."""
    run = ImportRun(user_id=user.id, origin=origin, source=source[-255:], path=str(path),
                    status=QUEUED, total_bytes=total_bytes([path]), summary={})
    session.add(run)
    session.flush()
    record_action(session, user, "import-start", "import", run.id, source=run.source, origin=origin)
    session.info.setdefault(LAUNCH_KEY, []).append(run.id)
    return run


@event.listens_for(Session, "after_commit")
def _launch_after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return
    for run_id in session.info.pop(LAUNCH_KEY, []):
        try:
            launch_import(run_id)
        except Exception as error:  # the queue is down: say so on the run, never a 500 after it
            log.exception("import run %s could not be queued", run_id)
            _fail_unqueued(session, run_id, error)


def _fail_unqueued(session: Session, run_id: int, error: Exception) -> None:
    """Record that a committed run never reached the queue, and drop its upload."""
    # In a transaction of its own: this one has just committed, and nothing else will start
    # the run (a queued run that never runs would hold back every later import).
    with Session(session.get_bind()) as own:
        run = own.get(ImportRun, run_id)
        if run is None or run.status != QUEUED:
            return
        finish_run(own, run_id, FAILED, None,
                   f"could not be queued ({type(error).__name__}: {error}); start it again")
        own.commit()
        if run.origin == UPLOAD:
            Path(run.path).unlink(missing_ok=True)


@event.listens_for(Session, "after_soft_rollback")
def _forget_after_rollback(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(LAUNCH_KEY, None)


def launch_import(run_id: int) -> threading.Thread | None:
    """Run an import job on the queue; with an in-process queue, on a thread so no page waits."""
    from ..tasks import enqueue

    if not current_app.extensions["huey"].immediate:
        enqueue("import", run_id)
        return None
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def run() -> None:
        with app.app_context():
            try:
                run_import_job(run_id)
            except Exception:
                log.exception("import run %s failed", run_id)

    thread = threading.Thread(target=run, name=IMPORT_THREAD, daemon=True)
    thread.start()
    return thread


def run_import_job(run_id: int) -> str:
    """Import the file of a queued run, recording progress per batch; return its final status."""
    from ..extensions import db

    session = db.session
    run = session.get(ImportRun, run_id)
    if run is None or run.status != QUEUED:
        return run.status if run else "missing"
    run.status = RUNNING
    run.started_at = run.heartbeat_at = utcnow()
    path = Path(run.path)
    uploaded = run.origin == UPLOAD
    session.commit()
    done = [0]
    latest: list[ImportSummary] = []  # the summary so far: a failed run keeps its errors

    def progress(read: int, summary: ImportSummary) -> None:
        done[0] += read
        latest[:] = [summary]
        # In the batch's own transaction: the page never shows documents not yet committed.
        session.execute(update(ImportRun).where(ImportRun.id == run_id).values(
            bytes_done=done[0], documents_done=summary.documents, error_count=len(summary.errors),
            heartbeat_at=utcnow()),
            execution_options={"synchronize_session": False})

    try:
        summary = import_paths(session, [str(path)], progress=progress)
    except Exception as error:
        session.rollback()
        log.exception("import run %s failed", run_id)
        finish_run(session, run_id, FAILED, latest[0] if latest else None,
                   f"{type(error).__name__}: {error}", complete=False)
    else:
        finish_run(session, run_id, DONE, summary, "")
    finally:
        if uploaded:
            path.unlink(missing_ok=True)
    session.commit()
    return session.get_one(ImportRun, run_id).status


def finish_run(session: Session, run_id: int, status: str, summary: ImportSummary | None,
               message: str, complete: bool = True) -> None:
    """Record how a run ended, with its summary and every error (up to MAX_STORED_ERRORS).

    A run that stopped part-way (complete=False) keeps the errors found so far; its counts
    stay those of its last committed batch, since the summary may count a batch rolled back.
    """
    run = session.get_one(ImportRun, run_id)
    run.status, run.finished_at, run.message = status, utcnow(), message[:1024]
    if summary is None:
        return
    errors = {"omitted_errors": max(0, len(summary.errors) - MAX_STORED_ERRORS),
              "errors": summary.errors[:MAX_STORED_ERRORS]}
    run.error_count = len(summary.errors)
    if not complete:
        run.summary = errors
        return
    run.summary = {**summary.as_json(), **errors, "headline": summary.headline()}
    run.documents_done = summary.documents
    run.bytes_done = run.total_bytes


def runs_query():
    """Return a select of import runs, newest first."""
    return select(ImportRun).options(selectinload(ImportRun.user)).order_by(ImportRun.id.desc())


def register_import_task(app: Flask) -> None:
    """Add the import job to the app's queue (see tasks.register_tasks)."""
    huey = app.extensions["huey"]
    app.extensions["tasks"]["import"] = huey.task()(in_app_context(app, run_import_job))
