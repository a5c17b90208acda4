"""The job queue: index writes, rescoring and retraining run off the request path.

Huey stores jobs in SQLite under the instance folder by default and in Redis when
`REVIEWAPP_REDIS_URL` is set; `reviewapp worker` runs the one consumer that writes
the search index. With `HUEY_IMMEDIATE` (tests, `make run`) jobs run in-process at once.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import logging
import sqlite3

from flask import Flask, current_app, has_app_context
from huey import MemoryHuey, RedisHuey, SqliteHuey
from huey.api import Huey
from redis.exceptions import RedisError
from sqlalchemy import event
from sqlalchemy.orm import Session

PENDING_KEY = "reviewapp.after_commit"
# What putting a job on the queue raises when its store (Redis, or SQLite) is unreachable.
QUEUE_ERRORS = (RedisError, sqlite3.Error, OSError)


def register_tasks(app: Flask) -> None:
    """Create the app's queue and its tasks; enqueue index jobs after each commit."""
    huey = make_huey(app)
    tasks = {
        "index": huey.task(retries=3, retry_delay=2)(in_app_context(app, run_index_job)),
        "rescore": huey.task(retries=1)(in_app_context(app, run_rescore_job)),
        "train": huey.task()(in_app_context(app, run_train_job)),
    }
    app.extensions["huey"] = huey
    app.extensions["tasks"] = tasks


def make_huey(app: Flask) -> Huey:
    """Return the Huey instance the config asks for."""
    # Sites (or test runs) sharing one Redis database need distinct queue names.
    name = app.config.get("QUEUE_NAME") or "reviewapp"
    if app.config.get("HUEY_IMMEDIATE") or app.testing:
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
    """Put one job on the current app's queue."""
    current_app.extensions["tasks"][name](*args)


def enqueue_index(document_ids: Iterable[int]) -> None:
    """Queue an index update of these documents (call only after their commit)."""
    ids = sorted(set(document_ids))
    if ids:
        enqueue("index", ids)


def pending_jobs(session: Session) -> dict[str, set[int]]:
    """Return the jobs this session will queue when its transaction commits."""
    return session.info.setdefault(PENDING_KEY, {"index": set(), "rescore": set()})


def mark_for_index(session: Session, document_ids: Iterable[int]) -> None:
    """Index these documents once the session's transaction commits."""
    pending_jobs(session)["index"].update(document_ids)


def rescore_after_commit(session: Session, application_id: int) -> None:
    """Rescore this application's submissions once the transaction commits."""
    pending_jobs(session)["rescore"].add(application_id)


@event.listens_for(Session, "after_commit")
def _enqueue_after_commit(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint released: the real commit is still ahead
        return
    pending = session.info.pop(PENDING_KEY, None)
    if not pending:
        return
    if not has_app_context():  # a bare session (scripts, threads): no queue to put jobs on
        logging.getLogger(__name__).warning("jobs dropped after a commit outside the app: %s", pending)
        return
    try:
        enqueue_index(pending["index"])
        for application_id in sorted(pending["rescore"]):
            enqueue("rescore", application_id)
    except QUEUE_ERRORS as error:
        # The commit stands: failing the request now would tell the user a saved write failed.
        # The index and the scores lag until repaired; the log says how.
        logging.getLogger(__name__).error(
            "job queue unavailable (%s: %s): not queued: index of documents %s, rescoring of "
            "applications %s; repair with `reviewapp index rebuild` and `reviewapp ranker train`",
            type(error).__name__, error, sorted(pending["index"]), sorted(pending["rescore"]))


@event.listens_for(Session, "after_soft_rollback")
def _forget_after_rollback(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # only the outermost rollback drops the work
        session.info.pop(PENDING_KEY, None)


def run_index_job(document_ids: list[int]) -> int:
    """Write these documents' current state (or their absence) to the search index."""
    from .indexing import sync_documents

    return sync_documents(document_ids)


def run_rescore_job(application_id: int) -> int:
    """Recompute the stored ranking scores of one application."""
    from .ranking.services import rescore_application
    from .extensions import db

    count = rescore_application(db.session, application_id)
    db.session.commit()
    return count


def run_train_job() -> dict:
    """Retrain the ranker from examiner feedback and bootstrap data."""
    from .ranking.services import train_model

    return train_model()
