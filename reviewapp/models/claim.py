"""One claim of a document, with the claims it depends on."""
from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, Integer, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model

if TYPE_CHECKING:
    from .document import Document


class Claim(Model):
    """A numbered claim; dependent claims list the numbers they refer to."""

    __tablename__ = "claims"
    __table_args__ = (UniqueConstraint("document_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Found by document through the unique constraint, which starts with it: no index of its own.
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text, default="")
    depends_on: Mapped[list[int]] = mapped_column(JSON, default=list)
    independent: Mapped[bool] = mapped_column(default=True)

    document: Mapped[Document] = relationship(back_populates="claims")

    def __repr__(self) -> str:
        return f"<Claim {self.number} of document {self.document_id}>"
