"""A reference cited on a grant, with who cited it."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model

if TYPE_CHECKING:
    from .document import Document

CATEGORIES = ("cited by examiner", "cited by applicant", "cited by other", "cited by third party")


class Reference(Model):
    """A patent (`patent`) or non-patent (`npl`) reference in a document's citation list."""

    # "references" is an SQL keyword.
    __tablename__ = "cited_references"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(8))  # patent | npl
    country: Mapped[str] = mapped_column(String(4), default="")
    number: Mapped[str] = mapped_column(String(32), default="")
    # The cited document's number as the library keys it (US7123456, EP1234567), "" for NPL.
    normalised_number: Mapped[str] = mapped_column(String(32), default="", index=True)
    kind_code: Mapped[str] = mapped_column(String(4), default="")
    date: Mapped[dt.date | None] = mapped_column(Date)
    name: Mapped[str] = mapped_column(Text, default="")
    us_class: Mapped[str] = mapped_column(String(64), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    # Read with its row, never searched by: not indexed (an import writes ~27 rows a grant).
    category: Mapped[str] = mapped_column(String(32), default="")

    document: Mapped[Document] = relationship(back_populates="references")
