"""The job outbox: jobs written in the transaction of the change they follow, run until done.

A change that needs work off the request path (index documents, rescore an application, mail
a reset link) adds jobs to its session (`add_job`); they become rows of `jobs` when the
transaction commits, and vanish with it when it rolls back, so an acknowledged change always
has its jobs. `drain` runs the due rows through the app's handler of their kind and deletes
each row once its handler succeeded; a failure is recorded (`attempts`, `last_error`) and
retried after an exponential, capped backoff, never dropped. Every job is idempotent (it
reads the current state), so running one again after a crash is harmless.

Claims keep two drainers off one job: on PostgreSQL the drainer locks its rows
(`FOR UPDATE SKIP LOCKED`) for as long as they run, so a killed drainer releases them at once;
SQLite has no row locks, so there a drainer leases its rows for `JOB_LEASE_SECONDS`.
"""
from __future__ import annotations

import datetime as dt
import functools
import logging
import sqlite3
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, has_app_context
from redis.exceptions import RedisError
from sqlalchemy import (
    ColumnElement,
    Connection,
    Row,
    case,
    delete,
    event,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from .extensions import db
from .models import Job
from .models.base import table_of, utcnow

log = logging.getLogger(__name__)

PENDING_KEY = "reviewapp.pending_jobs"
WRITTEN_KEY = "reviewapp.written_jobs"
# Jobs whose arguments are merged: one row per transaction, one handler call per claimed batch.
MERGED = ("index",)
CLAIM_BATCH = 50
# In-process runs (HUEY_IMMEDIATE) after a commit also retry this many older due jobs.
IMMEDIATE_BACKLOG = 20
JOBS = table_of(Job)
# What putting a message on the queue raises when its store (Redis, or SQLite) is unreachable.
QUEUE_ERRORS = (RedisError, sqlite3.Error, OSError)


# --- writing jobs ---------------------------------------------------------------------------

def pending_jobs(session: Session) -> dict[str, set]:
    """Return the jobs this session writes when its transaction commits, by kind."""
    pending = session.info.get(PENDING_KEY)
    if pending is None:
        pending = session.info[PENDING_KEY] = defaultdict(set, {"index": set(), "rescore": set()})
    return pending


def add_job(session: Session, kind: str, *args: Any) -> None:
    """Write a job in the session's transaction (once, however often it is added)."""
    if kind in MERGED:
        pending_jobs(session)[kind].update(*args)
    else:
        pending_jobs(session)[kind].add(tuple(args))


def job_rows(pending: dict[str, set]) -> list[Job]:
    """Return the rows of a transaction's pending jobs."""
    rows = []
    for kind, items in sorted(pending.items()):
        if not items:
            continue
        if kind in MERGED:
            rows.append(Job(kind=kind, args=[sorted(items)]))
        else:
            rows.extend(Job(kind=kind, args=list(args)) for args in sorted(items))
    return rows


@event.listens_for(Session, "before_commit")
def _write_pending_jobs(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint released: the real commit is still ahead
        return
    pending = session.info.pop(PENDING_KEY, None)
    rows = job_rows(pending) if pending else []
    if not rows:
        return
    session.add_all(rows)
    session.flush()
    session.info[WRITTEN_KEY] = [row.id for row in rows]


@event.listens_for(Session, "after_commit")
def _run_or_wake(session: Session) -> None:
    if session.in_nested_transaction():
        return
    ids = session.info.pop(WRITTEN_KEY, None)
    if ids and has_app_context():  # else (scripts, threads) the worker's next poll finds them
        after_write(ids)


@event.listens_for(Session, "after_soft_rollback")
def _forget_after_rollback(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # only the outermost rollback drops the work
        session.info.pop(PENDING_KEY, None)
        session.info.pop(WRITTEN_KEY, None)


def write_job_now(kind: str, *args: Any) -> None:
    """Write one job in its own transaction (for callers outside a request's), then run or wake."""
    with Session(db.engine) as session:
        add_job(session, kind, *args)
        session.commit()


def after_write(ids: Sequence[int]) -> None:
    """Run freshly committed jobs in-process (HUEY_IMMEDIATE), else wake the worker."""
    if current_app.extensions["huey"].immediate:
        try:
            drain(ids=ids)
            drain(limit=IMMEDIATE_BACKLOG)
        except SQLAlchemyError as error:
            # The change is committed: failing its request now would report a saved write as
            # lost. The jobs stay in the outbox for the next drain.
            log.error("jobs %s not run after their commit (%s: %s): they wait in the outbox",
                      list(ids), type(error).__name__, error)
        return
    try:
        current_app.extensions["tasks"]["drain"]()
    except QUEUE_ERRORS as error:
        # The jobs are safe in the database: the worker's next poll runs them.
        log.warning("could not wake the queue worker (%s: %s); it will find jobs %s at its next poll",
                    type(error).__name__, error, list(ids))


# --- running jobs ---------------------------------------------------------------------------

@dataclass
class DrainReport:
    """What one drain did."""

    done: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def drain(*, ids: Sequence[int] | None = None, limit: int | None = None) -> DrainReport:
    """Run due jobs (only `ids`, when given) until none is left or `limit` were tried."""
    report = DrainReport()
    while limit is None or report.done + report.failed < limit:
        size = CLAIM_BATCH if limit is None else min(CLAIM_BATCH, limit - report.done - report.failed)
        with claim(size, ids) as claimed:
            if not claimed.rows:
                break
            for rows, call in batches(claimed.rows):
                try:
                    call()
                except Exception as error:  # noqa: BLE001 - recorded on the rows and retried
                    text = f"{type(error).__name__}: {error}"
                    log.warning("job %s failed (attempt %d), retried later: %s",
                                ", ".join(f"{r.kind}#{r.id}" for r in rows), rows[0].attempts + 1, text)
                    claimed.failed(rows, text)
                    report.failed += len(rows)
                    report.errors.append(text)
                else:
                    claimed.succeeded(rows)
                    report.done += len(rows)
        if ids is not None:
            break
    return report


def batches(rows: Sequence[Row]) -> Iterator[tuple[list[Row], Callable[[], Any]]]:
    """Group claimed rows into handler calls: merged kinds together, equal jobs once."""
    groups: dict[tuple, list[Row]] = defaultdict(list)
    for row in rows:
        key = (row.kind,) if row.kind in MERGED else (row.kind, repr(row.args))
        groups[key].append(row)
    for (kind, *_), group in groups.items():
        yield group, functools.partial(run_group, kind, group)


def run_group(kind: str, rows: Sequence[Row]) -> Any:
    """Run the handler of one group of equal (or merged) jobs."""
    handler = current_app.extensions["tasks"].get(kind)
    if handler is None:
        raise LookupError(f"no handler for jobs of kind {kind!r} (written by a newer version?)")
    if kind in MERGED:
        return handler(sorted({item for row in rows for item in row.args[0]}))
    return handler(*rows[0].args)


def retry_delay(attempts: int) -> dt.timedelta:
    """Return the wait before the next try of a job that has failed `attempts` times."""
    config = current_app.config
    base = float(config.get("JOB_RETRY_BASE_SECONDS", 2))
    cap = float(config.get("JOB_RETRY_MAX_SECONDS", 120))
    return dt.timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), cap))


class Claimed:
    """Rows a drainer holds, and how it releases them."""

    def __init__(self, connection: Connection, rows: Sequence[Row[Any]], token: str | None) -> None:
        self.connection = connection
        self.rows = rows
        self.token = token

    def _mine(self, rows: Iterable[Row]):
        where: list[ColumnElement[bool]] = [JOBS.c.id.in_([row.id for row in rows])]
        if self.token is not None:  # a lease: unless it ran out and another drainer took the job
            where.append(JOBS.c.claimed_by == self.token)
        return where

    def succeeded(self, rows: Sequence[Row]) -> None:
        self._write(delete(JOBS).where(*self._mine(rows)))

    def failed(self, rows: Sequence[Row], error: str) -> None:
        now = utcnow()
        for row in rows:
            self._write(update(JOBS).where(*self._mine([row])).values(
                attempts=row.attempts + 1, last_error=error[:2000], updated_at=now,
                run_after=now + retry_delay(row.attempts + 1), claimed_by=None, claimed_until=None))

    def _write(self, statement) -> None:
        if self.token is None:  # PostgreSQL: inside the transaction that holds the row locks
            self.connection.execute(statement)
        else:
            with self.connection.begin():
                self.connection.execute(statement)


def due(now: dt.datetime, ids: Sequence[int] | None):
    """Return the conditions of the rows ready to run now."""
    where = [JOBS.c.run_after <= now]
    if ids is not None:
        where.append(JOBS.c.id.in_(list(ids)))
    return where


@contextmanager
def claim(size: int, ids: Sequence[int] | None = None) -> Iterator[Claimed]:
    """Claim up to `size` due jobs for the duration of the block."""
    engine = db.engine
    now = utcnow()
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            with connection.begin():
                rows = connection.execute(
                    select(JOBS).where(*due(now, ids)).order_by(JOBS.c.id).limit(size)
                    .with_for_update(skip_locked=True)).all()
                yield Claimed(connection, rows, None)
            return
        token = uuid.uuid4().hex
        lease = dt.timedelta(seconds=float(current_app.config.get("JOB_LEASE_SECONDS", 600)))
        with connection.begin():
            free = or_(JOBS.c.claimed_until.is_(None), JOBS.c.claimed_until < now)
            chosen = select(JOBS.c.id).where(*due(now, ids), free).order_by(JOBS.c.id).limit(size)
            connection.execute(update(JOBS).where(JOBS.c.id.in_(chosen), free)
                               .values(claimed_by=token, claimed_until=now + lease))
        rows = connection.execute(select(JOBS).where(JOBS.c.claimed_by == token).order_by(JOBS.c.id)).all()
        connection.commit()  # end the read's implicit transaction before the jobs run
        yield Claimed(connection, rows, token)


# --- looking at the outbox ------------------------------------------------------------------

@dataclass
class KindStatus:
    """The outbox's rows of one kind."""

    kind: str
    pending: int
    failing: int  # failed at least once
    oldest: dt.datetime | None
    last_error: str


def outbox_status(session: Session) -> list[KindStatus]:
    """Return, per kind, how many jobs wait, how many have failed, and the latest error."""
    counts = session.execute(
        select(Job.kind, func.count(), func.sum(case((Job.attempts > 0, 1), else_=0)),
               func.min(Job.created_at))
        .group_by(Job.kind).order_by(Job.kind)).all()
    status = []
    for kind, pending, failing, oldest in counts:
        error = session.scalar(select(Job.last_error).where(Job.kind == kind, Job.attempts > 0)
                               .order_by(Job.updated_at.desc(), Job.id.desc()).limit(1))
        status.append(KindStatus(kind, pending, failing or 0, oldest, error or ""))
    return status


def failing_jobs(session: Session, limit: int = 20) -> list[Job]:
    """Return the jobs that have failed, most attempts first."""
    return list(session.scalars(select(Job).where(Job.attempts > 0)
                                .order_by(Job.attempts.desc(), Job.id).limit(limit)))
