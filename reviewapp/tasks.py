"""The job queue: index writes, rescoring, mail and retraining run off the request path.

Index, rescoring and mail jobs are rows of the job outbox (`reviewapp.outbox`), written in the
transaction of the change they follow and run by `reviewapp worker` until they succeed. Huey
carries only messages that lose nothing when lost: "drain" (wake the worker: it also polls the
outbox every `JOB_POLL_SECONDS`) and "train". Huey stores them in SQLite under the instance
folder by default and in Redis when `REVIEWAPP_REDIS_URL` is set. With `HUEY_IMMEDIATE` (tests,
`make run`) the outbox's jobs run in-process right after their commit.
"""
from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterable
from typing import Any

from flask import Flask, current_app
from huey import MemoryHuey, RedisHuey, SqliteHuey
from huey.api import Huey
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from . import outbox
from .outbox import pending_jobs  # noqa: F401  (re-exported: tests look at a session's jobs)

log = logging.getLogger(__name__)

# What putting a message on the queue raises when its store (Redis, or SQLite) is unreachable.
QUEUE_ERRORS = (RedisError, sqlite3.Error, OSError)
# Outbox job kinds -> their handlers (in this module); the rest are Huey tasks.
OUTBOX_KINDS = ("index", "rescore", "password_reset")


def register_tasks(app: Flask) -> None:
    """Create the app's queue, its Huey tasks, and the handlers of the outbox's jobs."""
    huey = make_huey(app)
    tasks: dict[str, Any] = {
        "index": run_index_job,
        "rescore": run_rescore_job,
        "password_reset": run_password_reset_job,
        "drain": huey.task()(in_app_context(app, run_drain_job)),
        "train": huey.task()(in_app_context(app, run_train_job)),
    }
    app.extensions["huey"] = huey
    app.extensions["tasks"] = tasks


def make_huey(app: Flask) -> Huey:
    """Return the Huey instance the config asks for."""
    # Sites (or test runs) sharing one Redis database need distinct queue names.
    name = app.config.get("QUEUE_NAME") or "reviewapp"
    immediate = app.config.get("HUEY_IMMEDIATE")
    if immediate or (immediate is None and app.testing):
        return MemoryHuey(name, immediate=True)
    if app.config.get("REDIS_URL"):
        return RedisHuey(name, url=app.config["REDIS_URL"])
    return SqliteHuey(name, filename=app.config["HUEY_PATH"])


def in_app_context(app: Flask, func):
    """Wrap `func` so a queue worker thread runs it inside the app's context."""

    def job(*args: Any, **kwargs: Any) -> Any:
        with app.app_context():
            return func(*args, **kwargs)

    job.__name__ = func.__name__
    job.__qualname__ = func.__qualname__
    job.__module__ = func.__module__
    return job


def enqueue(name: str, *args: Any) -> None:
    """Queue one job now, outside any transaction: a durable outbox row, or a Huey message."""
    if name in OUTBOX_KINDS:
        outbox.write_job_now(name, *args)
    else:
        current_app.extensions["tasks"][name](*args)


def enqueue_index(document_ids: Iterable[int]) -> None:
    """Queue an index update of these documents (call only after their commit)."""
    ids = sorted(set(document_ids))
    if ids:
        enqueue("index", ids)


def mark_for_index(session: Session, document_ids: Iterable[int]) -> None:
    """Index these documents: the job is written in the session's transaction."""
    outbox.add_job(session, "index", document_ids)


def rescore_after_commit(session: Session, application_id: int) -> None:
    """Rescore this application's submissions: the job is written in the session's transaction."""
    outbox.add_job(session, "rescore", application_id)


def queue_password_reset(session: Session, user_id: int | None, link_template: str) -> None:
    """Mail a reset link from the queue; a job with no account is written too, and does nothing."""
    outbox.add_job(session, "password_reset", user_id, link_template)


# --- handlers -------------------------------------------------------------------------------

def run_index_job(document_ids: list[int]) -> int:
    """Write these documents' current state (or their absence) to the search index."""
    from .indexing import sync_documents

    return sync_documents(document_ids)


def run_rescore_job(application_id: int) -> int:
    """Recompute the stored ranking scores of one application."""
    from .extensions import db
    from .ranking.services import rescore_application

    with Session(db.engine) as session:
        count = rescore_application(session, application_id)
        session.commit()
    return count


def run_password_reset_job(user_id: int | None, link_template: str) -> bool:
    """Mail a password reset link to an account, if the request named one."""
    from .auth.services import mail_reset_link
    from .extensions import db

    if user_id is None:  # the request named no account: nothing to send
        return False
    with Session(db.engine) as session:
        return mail_reset_link(session, user_id, link_template)


def run_drain_job() -> int:
    """Run the outbox's due jobs (a worker woken by a commit)."""
    report = outbox.drain()
    return report.done


def run_train_job() -> dict:
    """Retrain the ranker from examiner feedback and bootstrap data."""
    from .ranking.services import train_model

    return train_model()


# --- the worker's poll ----------------------------------------------------------------------

def poll_outbox(app: Flask, stop: threading.Event) -> None:
    """Drain the outbox every `JOB_POLL_SECONDS` until `stop` is set (the worker's thread)."""
    interval = float(app.config.get("JOB_POLL_SECONDS", 5))
    while not stop.is_set():
        try:
            with app.app_context():
                outbox.drain()
        except SQLAlchemyError as error:  # the database away: the jobs wait in it
            log.warning("outbox poll failed (%s); retrying in %.1f s", error.__class__.__name__, interval)
        except Exception:  # noqa: BLE001 - the poll must survive anything to retry
            log.exception("outbox poll failed; retrying in %.1f s", interval)
        stop.wait(interval)
