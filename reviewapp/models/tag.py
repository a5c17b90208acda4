"""Tags on applications and submissions."""
from __future__ import annotations

import re

from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model, db

application_tags = Table(
    "application_tags",
    db.metadata,
    Column("application_id", ForeignKey("applications.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
    # Who put the tag there: they (and moderators) may take it off. NULL for older links.
    Column("added_by_id", ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
)

submission_tags = Table(
    "submission_tags",
    db.metadata,
    Column("submission_id", ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
    # Who put the tag there: they (and moderators) may take it off. NULL for older links.
    Column("added_by_id", ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
)


def tag_name(raw: str) -> str:
    """Return a tag as stored: lower case, runs of spaces turned into hyphens."""
    return re.sub(r"\s+", "-", raw.strip().lower())


class Tag(Model):
    """A short lower-case label, e.g. `blockchain` or `needs-npl`."""

    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True, index=True)
