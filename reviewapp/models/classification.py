"""A classification symbol (CPC, IPC or USPC) given to a document."""
from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model

if TYPE_CHECKING:
    from .document import Document

SCHEMES = ("cpc", "ipc", "uspc")


class Classification(Model):
    """One symbol in one scheme; position 0 is the main classification."""

    __tablename__ = "classifications"
    __table_args__ = (UniqueConstraint("document_id", "scheme", "symbol"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Found by document through the unique constraint, which starts with it: no index of its own.
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    scheme: Mapped[str] = mapped_column(String(8))
    symbol: Mapped[str] = mapped_column(String(64), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    document: Mapped[Document] = relationship(back_populates="classifications")
