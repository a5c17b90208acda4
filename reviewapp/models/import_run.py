"""One import of USPTO files started from the admin page: its source, progress and outcome."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ColumnElement,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    and_,
    func,
    or_,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from .application import as_utc
from .base import utcnow

if TYPE_CHECKING:
    from .user import User

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
# A run whose worker died (its heartbeat, one per committed batch, stopped STALE_AFTER ago: a
# batch takes seconds), and one an administrator cancelled before it started.
INTERRUPTED, CANCELLED = "interrupted", "cancelled"
STATUSES = (QUEUED, RUNNING, DONE, FAILED, INTERRUPTED, CANCELLED)
ACTIVE = (QUEUED, RUNNING)
ENDED = (DONE, FAILED, INTERRUPTED, CANCELLED)
STALE_AFTER = dt.timedelta(minutes=10)
_ACTIVE_SQL = "status IN ('queued', 'running')"
LANE = "imports"
UPLOAD, FOLDER = "upload", "folder"


class ImportRun(Model):
    """An import job: who started it from where, how far it got, and what it did."""

    __tablename__ = "import_runs"
    # One import at a time is a rule of the database, not a read before the insert: of two
    # requests that both found no import active, the second's insert fails (on PostgreSQL once
    # the first has committed). The index holds only the active runs, all in the one lane.
    __table_args__ = (
        Index("uq_import_runs_one_active", "lane", unique=True,
              sqlite_where=text(_ACTIVE_SQL), postgresql_where=text(_ACTIVE_SQL)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    origin: Mapped[str] = mapped_column(String(16), default=FOLDER)  # upload | folder
    source: Mapped[str] = mapped_column(String(255), default="")  # the name shown
    path: Mapped[str] = mapped_column(String(1024), default="")  # the file the job reads
    status: Mapped[str] = mapped_column(String(16), default=QUEUED, index=True)
    total_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    bytes_done: Mapped[int] = mapped_column(BigInteger, default=0)
    documents_done: Mapped[int] = mapped_column(Integer, default=0)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    message: Mapped[str] = mapped_column(String(1024), default="")  # why a run failed
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))  # last batch
    # The same for every run: the key of the index above (SQLite cannot reflect an index over a
    # constant expression, so the constant is a column).
    lane: Mapped[str] = mapped_column(String(16), default=LANE, server_default=LANE)

    user: Mapped[User | None] = relationship()

    @classmethod
    def unfinished(cls, now: dt.datetime | None = None) -> ColumnElement[bool]:
        """Return the SQL condition of runs still to end: queued, or running and not interrupted."""
        last = func.coalesce(cls.heartbeat_at, cls.started_at)
        return or_(cls.status == QUEUED,
                   and_(cls.status == RUNNING, last >= (now or utcnow()) - STALE_AFTER))

    @classmethod
    def stale(cls, now: dt.datetime | None = None) -> ColumnElement[bool]:
        """Return the SQL condition of active runs that hold nothing back any more: running with
        no heartbeat for STALE_AFTER (the worker died), or queued that long and never started."""
        since = (now or utcnow()) - STALE_AFTER
        last = func.coalesce(cls.heartbeat_at, cls.started_at)
        return or_(and_(cls.status == RUNNING, last < since),
                   and_(cls.status == QUEUED, cls.created_at < since))

    @property
    def interrupted(self) -> bool:
        """Return True for a run whose worker died: recorded so, or still marked running with
        a heartbeat that stopped STALE_AFTER ago."""
        if self.status == INTERRUPTED:
            return True
        last = self.heartbeat_at or self.started_at
        if self.status != RUNNING or last is None:
            return False
        return utcnow() - as_utc(last) > STALE_AFTER

    @property
    def waiting_long(self) -> bool:
        """Return True for a run queued STALE_AFTER ago that no worker has started."""
        return self.status == QUEUED and utcnow() - as_utc(self.created_at) > STALE_AFTER

    @property
    def shown_status(self) -> str:
        """Return the status the pages show: "interrupted" for a run whose worker died."""
        return INTERRUPTED if self.interrupted else self.status

    @property
    def percent(self) -> int:
        """Return how far the run got, 0-100, by bytes read."""
        if self.status == DONE:
            return 100
        if not self.total_bytes:
            return 0
        return min(100, int(100 * self.bytes_done / self.total_bytes))

    @property
    def finished(self) -> bool:
        return self.status in ENDED or self.interrupted

    def progress_json(self) -> dict[str, Any]:
        """Return what the progress poll of /admin/imports shows."""
        return {"id": self.id, "status": self.shown_status, "percent": self.percent,
                "documents": self.documents_done, "errors": self.error_count,
                "finished": self.finished}
