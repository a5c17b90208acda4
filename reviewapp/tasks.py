"""The job queue, infrastructure only: features register their jobs, services queue them.

Index, rescoring, mail and import jobs are rows of the job outbox (`reviewapp.outbox`), written
in the transaction of the change they follow and run by `reviewapp worker` until they succeed. Huey
carries only messages that lose nothing when lost: "drain" (wake the worker: it also polls the
outbox every `JOB_POLL_SECONDS`) and tasks such as "train". Huey stores them in SQLite under the
instance folder by default and in Redis when `REVIEWAPP_REDIS_URL` is set. With `HUEY_IMMEDIATE`
(tests, `make run`) the outbox's jobs run in-process right after their commit.

A feature registers its handlers from its own `register` step, which the factory calls:

    register_job(app, "rescore", run_rescore_job)      # an outbox job kind
    register_queue_task(app, "train", run_train_job)   # a Huey task

`app.extensions["tasks"]` maps every name to what runs it; `app.extensions["outbox_kinds"]`
holds the names that are outbox jobs. This module imports no feature.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, current_app
from huey import MemoryHuey, RedisHuey, SqliteHuey
from huey.api import Huey
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from . import outbox
from .outbox import pending_jobs  # noqa: F401  (re-exported: tests look at a session's jobs)

log = logging.getLogger(__name__)

def register_tasks(app: Flask) -> None:
    """Create the app's queue and its own "drain" task; features then register their jobs."""
    huey = make_huey(app)
    app.extensions["huey"] = huey
    app.extensions["tasks"] = {}
    app.extensions["outbox_kinds"] = set()
    register_queue_task(app, "drain", run_drain_job)


def register_job(app: Flask, kind: str, handler: Callable[..., Any]) -> None:
    """Run the outbox's jobs of `kind` with `handler` (called in an app context, by a drain)."""
    app.extensions["tasks"][kind] = handler
    app.extensions["outbox_kinds"].add(kind)


def register_queue_task(app: Flask, name: str, func: Callable[..., Any]) -> Any:
    """Make `func` a Huey task run in the app's context, queued by `enqueue(name)`; return it."""
    task = app.extensions["huey"].task()(in_app_context(app, func))
    app.extensions["tasks"][name] = task
    return task


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


def in_app_context(app: Flask, func: Callable[..., Any]) -> Callable[..., Any]:
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
    if name in current_app.extensions["outbox_kinds"]:
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


def queue_import(session: Session, run_id: int) -> None:
    """Start this import run from the queue: the job is written in the session's transaction."""
    outbox.add_job(session, "import", run_id)


def run_drain_job() -> int:
    """Run the outbox's due jobs (a worker woken by a commit)."""
    report = outbox.drain()
    return report.done


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
        except Exception:  # the poll must survive anything to retry
            log.exception("outbox poll failed; retrying in %.1f s", interval)
        stop.wait(interval)
