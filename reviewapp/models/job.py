"""A pending job of the outbox: written with the change it follows, deleted once done."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from .base import TimestampMixin, utcnow


class Job(TimestampMixin, Model):
    """One job to run (index documents, rescore an application, send a mail), until it succeeds."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    args: Mapped[list] = mapped_column(JSON, default=list)  # the handler's positional arguments
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # failed runs so far
    # Not before: the backoff after a failure.
    run_after: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    # SQLite's claim: a drainer's token and how long it holds the job (PostgreSQL locks the row).
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str] = mapped_column(Text, default="")

    def __repr__(self) -> str:
        return f"<Job {self.id} {self.kind}{tuple(self.args or ())} attempts={self.attempts}>"
