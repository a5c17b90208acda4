"""Import runs started from the admin page: uploads, folder picks, the background job, history.

An administrator uploads a file (kept under the instance folder until its run ends) or picks
one from the configured import folder; `start_import` records a queued run and, in the same
transaction, its job in the outbox, so a lost queue message loses no import. The job
(`launch_import`) marks the run running and imports the file on a thread of its own through
`services.import_paths`, recording progress and a heartbeat per committed batch. One run at a
time is queued or running: a unique index of the database refuses a second
(models.import_run), and a run whose worker died, or that no worker took, is ended first.
"""
from __future__ import annotations

import logging
import os
import re
import threading
import time
import unicodedata
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload
from werkzeug.datastructures import FileStorage
from werkzeug.utils import secure_filename

from ..audit import record_action
from ..ingest import total_bytes
from ..ingest.loader import ImportSummary
from ..ingest.sources import file_size, input_files
from ..models import ImportRun, User
from ..models.base import execute_count, utcnow
from ..models.import_run import (
    ACTIVE,
    CANCELLED,
    DONE,
    FAILED,
    FOLDER,
    INTERRUPTED,
    QUEUED,
    RUNNING,
    STALE_AFTER,
    UPLOAD,
)
from ..tasks import queue_import, register_job
from .services import import_paths

log = logging.getLogger(__name__)

IMPORT_THREAD = "reviewapp-import"
# An uploaded file's name as kept (file systems allow 255 bytes; a 33-character prefix is added).
MAX_NAME = 120
MAX_STORED_ERRORS = 10_000  # beyond this a run keeps the count and says how many were left out
# Control and format characters (a newline, a right-to-left override) are dropped from names.
_INVISIBLE = ("Cc", "Cf", "Cs")


class ImportRequestError(ValueError):
    """An import that cannot be started, with a message for the administrator."""


@dataclass(frozen=True)
class FolderFile:
    """A file of the import folder an administrator may pick."""

    name: str  # relative to the folder, with forward slashes
    size: int


@dataclass(frozen=True)
class Folder:
    """The import folder as the page offers it: its files, or why it offers none."""

    path: Path | None  # None: no folder is configured
    files: list[FolderFile] = field(default_factory=list)
    problem: str = ""  # why the folder cannot be read


def import_folder() -> Path | None:
    """Return the configured server folder of import files, or None."""
    folder = current_app.config.get("IMPORT_DIR") or ""
    return Path(folder).expanduser().resolve() if folder else None


def scan_folder() -> Folder:
    """Return the import folder's .xml and .zip files (any letter case, sorted), or its problem.

    Its files are what the folder's listing finds, links the operator put there included (the
    folder is configuration, like the settings): the page offers them and a pick accepts
    exactly them, so no name reaches anything else.
    """
    folder = import_folder()
    if folder is None:
        return Folder(None)
    try:
        with os.scandir(folder):
            pass
    except FileNotFoundError:
        problem = "does not exist: check REVIEWAPP_IMPORT_DIR, or whether its volume is mounted"
    except NotADirectoryError:
        problem = "is not a folder: check REVIEWAPP_IMPORT_DIR"
    except OSError as error:
        problem = f"cannot be read ({error.strerror or error}): check its permissions"
    else:
        return Folder(folder, [FolderFile(path.relative_to(folder).as_posix(), file_size(path))
                               for path in input_files([folder])])
    return Folder(folder, problem=f"The import folder {folder} {problem}.")


def folder_path(name: str) -> Path:
    """Return the folder file named `name`; refuse any name the folder's listing does not offer."""
    folder = scan_folder()
    if folder.path is None:
        raise ImportRequestError("No import folder is configured (REVIEWAPP_IMPORT_DIR).")
    if folder.problem:
        raise ImportRequestError(folder.problem)
    if name not in {item.name for item in folder.files}:
        raise ImportRequestError(f"{name!r} is not a file of the import folder.")
    return folder.path / name


def upload_limit() -> int:
    """Return the largest upload accepted, in bytes."""
    return int(float(current_app.config["IMPORT_MAX_UPLOAD_MB"]) * 1024 * 1024)


def shown_name(filename: str | None) -> str:
    """Return an uploaded file's name as pages show it: its last part, in Unicode NFC, without
    control characters, at most MAX_NAME characters (its suffix kept)."""
    name = "".join(ch for ch in filename or "" if unicodedata.category(ch) not in _INVISIBLE)
    name = re.split(r"[\\/]", unicodedata.normalize("NFC", name))[-1].strip()
    return _short_name(name) or "upload"


def save_upload(upload: FileStorage) -> tuple[str, Path]:
    """Store an uploaded file under the instance folder; return its shown name and path.

    The name shown is the one uploaded (`shown_name`); the stored file's is made safe for the
    file system. A save that fails (a full disk) leaves no partial file behind and says why.
    """
    name = shown_name(upload.filename)
    folder = upload_folder()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}-{_short_name(secure_filename(name) or 'upload')}"
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


def import_upload(session: Session, user: User, upload: FileStorage) -> ImportRun:
    """Store an upload and start importing it; while another import is active, keep nothing."""
    remove_stale_uploads(session)  # room on the disk before this one is stored
    refuse_while_importing(session)  # before the upload is stored: the usual refusal is cheap
    source, path = save_upload(upload)
    try:
        return start_import(session, user, UPLOAD, source, path)
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def import_folder_file(session: Session, user: User, name: str) -> ImportRun:
    """Start importing the import folder's file `name`."""
    path = folder_path(name)
    refuse_while_importing(session)
    return start_import(session, user, FOLDER, name, path)


def refuse_while_importing(session: Session) -> None:
    """Raise ImportRequestError while another import is queued or running (and not stale).

    Two imports at once would compete for the same two cores and, on overlapping files,
    report each other's documents as refused duplicates. This read only spares a refused
    request its work: `start_import` is what holds everyone to the rule.
    """
    busy = active_run(session)
    if busy is not None and not (busy.interrupted or busy.waiting_long):
        raise _busy(busy)


def active_run(session: Session) -> ImportRun | None:
    """Return the run that is queued or running (the database holds at most one), or None."""
    return session.scalar(select(ImportRun).where(ImportRun.status.in_(ACTIVE)).limit(1))


def _busy(run: ImportRun) -> ImportRequestError:
    return ImportRequestError(f"The import of {run.source} (#{run.id}) has not finished: "
                              "start this one once it has.")


def end_stale_runs(session: Session) -> int:
    """End the active runs that hold nothing back any more; return how many.

    A running one whose heartbeat stopped STALE_AFTER ago is interrupted (its worker died); a
    queued one that no worker started within STALE_AFTER failed (no worker runs, or it lost
    the run). Should its job come after all, it finds the run no longer queued and does nothing.
    """
    now = utcnow()
    minutes = int(STALE_AFTER.total_seconds() // 60)
    interrupted = execute_count(session, update(ImportRun).where(
        ImportRun.status == RUNNING, ImportRun.stale(now)).values(
        status=INTERRUPTED, finished_at=now,
        message=f"no progress for {minutes} minutes: its worker stopped. Import the file again: "
                "what it stored is recognised as unchanged and skipped fast"))
    never = execute_count(session, update(ImportRun).where(
        ImportRun.status == QUEUED, ImportRun.stale(now)).values(
        status=FAILED, finished_at=now,
        message=f"never started: no queue worker took it within {minutes} minutes "
                "(is `reviewapp worker` running?)"))
    return interrupted + never


def start_import(session: Session, user: User, origin: str, source: str, path: Path) -> ImportRun:
    """Record a queued import run and its job (audit-logged); the job runs once this commits.

    Raise ImportRequestError while another run is active, also one that a concurrent request
    started a moment ago: the unique index over active runs refuses the second (on PostgreSQL
    once the first has committed; SQLite lets one writer at a time past `end_stale_runs`).
    """
    end_stale_runs(session)
    run = ImportRun(user_id=user.id, origin=origin, source=source[-255:], path=str(path),
                    status=QUEUED, total_bytes=total_bytes([path]), summary={})
    try:
        with session.begin_nested():
            session.add(run)
    except IntegrityError as error:
        busy = active_run(session)
        raise (_busy(busy) if busy else ImportRequestError(
            "Another import has just started and ended: try again.")) from error
    record_action(session, user, "import-start", "import", run.id, source=run.source, origin=origin)
    queue_import(session, run.id)
    return run


def cancel_import(session: Session, run: ImportRun, user: User) -> None:
    """Cancel a run that no worker has started (audit-logged); refuse any other."""
    if run.status != QUEUED:
        raise ImportRequestError(f"The import of {run.source} is {run.shown_status}: only a "
                                 "queued import can be cancelled.")
    cancelled = execute_count(session, update(ImportRun).where(
        ImportRun.id == run.id, ImportRun.status == QUEUED).values(
        status=CANCELLED, finished_at=utcnow(), message=f"cancelled by {user.display_name}"))
    if not cancelled:  # a worker started it a moment ago
        session.refresh(run)
        raise ImportRequestError(f"The import of {run.source} has started meanwhile: it can no "
                                 "longer be cancelled.")
    record_action(session, user, "import-cancel", "import", run.id, source=run.source)


def claim_run(run_id: int) -> bool:
    """Mark a queued run running, in a transaction of its own; False if it is not queued.

    One step (an UPDATE of the queued row), so of two workers given the same job, or a worker
    and a cancel, one wins.
    """
    from ..extensions import db

    now = utcnow()
    with Session(db.engine) as session:
        claimed = execute_count(session, update(ImportRun).where(
            ImportRun.id == run_id, ImportRun.status == QUEUED).values(
            status=RUNNING, started_at=now, heartbeat_at=now))
        session.commit()
    return claimed == 1


def launch_import(run_id: int) -> threading.Thread | None:
    """Run an import's job (the outbox's "import"): claim its run, import it on a thread.

    On a thread of its own, so the drain goes on to the jobs after it and, with an in-process
    queue, no page waits. Not a daemon: a `reviewapp jobs drain` waits for it to end.
    """
    if not claim_run(run_id):
        return None  # cancelled, ended as never started, or another worker's
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def run() -> None:
        with app.app_context():
            try:
                import_claimed_run(run_id)
            except Exception:
                log.exception("import run %s failed", run_id)

    thread = threading.Thread(target=run, name=IMPORT_THREAD)
    thread.start()
    return thread


def import_claimed_run(run_id: int) -> str:
    """Import the file of a run marked running, recording progress per batch; return its status."""
    from ..extensions import db

    session = db.session
    run = session.get_one(ImportRun, run_id)
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
    Errors and the message name the file as the pages do (`source`), never its path on the
    server (an upload's is a folder of the instance and a random prefix).
    """
    run = session.get_one(ImportRun, run_id)
    run.status, run.finished_at, run.message = status, utcnow(), _shown(run, message)[:1024]
    if summary is None:
        return
    errors = {"omitted_errors": max(0, len(summary.errors) - MAX_STORED_ERRORS),
              "errors": [{**error, "file": _shown(run, error["file"])}
                         for error in summary.errors[:MAX_STORED_ERRORS]]}
    run.error_count = len(summary.errors)
    if not complete:
        run.summary = errors
        return
    run.summary = {**summary.as_json(), **errors, "headline": summary.headline()}
    run.documents_done = summary.documents
    run.bytes_done = run.total_bytes


def _shown(run: ImportRun, text: str) -> str:
    """Return `text` with the run's file named as the pages name it."""
    return text.replace(run.path, run.source) if run.path else text


def runs_query():
    """Return a select of import runs, newest first."""
    return select(ImportRun).options(selectinload(ImportRun.user)).order_by(ImportRun.id.desc())


def register_import_task(app: Flask) -> None:
    """Make the import job a kind of the outbox (see tasks.register_job)."""
    register_job(app, "import", launch_import)
