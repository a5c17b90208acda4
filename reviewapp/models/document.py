"""A patent document of the library: an imported published application or grant."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Date, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from .base import TimestampMixin

if TYPE_CHECKING:
    from .application import Application
    from .claim import Claim
    from .classification import Classification
    from .reference import Reference


def number_key(publication_number: str, kind: str) -> str:
    """Return a library document's key: its publication number without the kind code."""
    if kind and publication_number.endswith(kind):
        return publication_number[:-len(kind)]
    return publication_number


def _number_key(context: Any) -> str:
    """Return the number key of a document being inserted without one."""
    params = context.get_current_parameters()
    return number_key(params.get("publication_number") or "", params.get("kind") or "")


class Document(TimestampMixin, Model):
    """One USPTO publication, identified by its canonical number (`US20180000016A1`)."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    publication_number: Mapped[str] = mapped_column(String(32), unique=True, index=True)
    # The number without its kind code (US7123456, US20180000016): what citations and
    # submissions name it by (see number_key above).
    number_key: Mapped[str] = mapped_column(String(32), default=lambda context: _number_key(context),
                                            index=True)
    doc_type: Mapped[str] = mapped_column(String(16), index=True)  # application | grant
    country: Mapped[str] = mapped_column(String(2), default="US")
    doc_number: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(4))
    application_number: Mapped[str] = mapped_column(String(32), default="")
    title: Mapped[str] = mapped_column(Text, default="")
    abstract: Mapped[str] = mapped_column(Text, default="")
    # Tens of kilobytes per document (up to megabytes): loaded only when read (the detail
    # pages, the indexer), not with every list of documents.
    description: Mapped[str] = mapped_column(Text, default="", deferred=True)
    publication_date: Mapped[dt.date | None] = mapped_column(Date, index=True)
    filing_date: Mapped[dt.date | None] = mapped_column(Date)
    priority_date: Mapped[dt.date | None] = mapped_column(Date)
    applicants: Mapped[list[str]] = mapped_column(JSON, default=list)
    inventors: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Countries of the parties' addresses (applicants, inventors, assignees): "US", "JP".
    countries: Mapped[list[str]] = mapped_column(JSON, default=list)
    schema: Mapped[str] = mapped_column(String(64), default="")
    source: Mapped[str] = mapped_column(String(255), default="")
    # SHA-256 of the parsed record: a re-import with the same content changes nothing.
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    # SHA-256 of the document's XML as read (and the parser version): a re-import of the same
    # bytes is recognised without parsing them.
    source_hash: Mapped[str] = mapped_column(String(64), default="", index=True)

    claims: Mapped[list[Claim]] = relationship(
        back_populates="document", order_by="Claim.number", cascade="all, delete-orphan"
    )
    references: Mapped[list[Reference]] = relationship(
        back_populates="document", order_by="Reference.position", cascade="all, delete-orphan"
    )
    classifications: Mapped[list[Classification]] = relationship(
        back_populates="document",
        order_by="(Classification.scheme, Classification.position)",
        cascade="all, delete-orphan",
    )
    application: Mapped[Application | None] = relationship(back_populates="document")

    def classes(self, scheme: str) -> list[str]:
        """Return the symbols of one scheme (cpc, ipc, uspc), main first."""
        return [c.symbol for c in self.classifications if c.scheme == scheme]

    @property
    def cpc(self) -> list[str]:
        return self.classes("cpc")

    @property
    def ipc(self) -> list[str]:
        return self.classes("ipc")

    @property
    def uspc(self) -> list[str]:
        return self.classes("uspc")

    @property
    def independent_claims(self) -> list[Claim]:
        return [claim for claim in self.claims if claim.independent]

    def __repr__(self) -> str:
        return f"<Document {self.publication_number}>"
