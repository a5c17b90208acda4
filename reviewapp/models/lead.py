"""A machine-found lead: a library document like an application's claims that nobody submitted."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Integer, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, joinedload, mapped_column, relationship

from ..extensions import Model
from .base import utcnow

if TYPE_CHECKING:
    from .document import Document


class MachineLead(Model):
    """One proposed document of an application, ranked by the model; the rescoring job writes them.

    Pages read these rows and never search: the like-claim searches that find the documents run
    in the "rescore" job (ranking.jobs), which replaces an application's leads each time.
    """

    __tablename__ = "machine_leads"
    __table_args__ = (UniqueConstraint("application_id", "document_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    rank: Mapped[int] = mapped_column(Integer)  # 1 is the best
    score: Mapped[float] = mapped_column(Float)
    model_version: Mapped[str] = mapped_column(String(64))
    claims: Mapped[list] = mapped_column(JSON, default=list)  # the claims whose search found it
    explanation: Mapped[list] = mapped_column(JSON, default=list)  # as Score.explanation
    computed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    document: Mapped[Document] = relationship()

    @property
    def reasons(self) -> list[str]:
        """Return the reasons of the score, signed as the examiner reads them ("+ claim 1 ...")."""
        return [f"{'+' if float(r.get('effect') or 0) > 0 else '-'} {r.get('text')}"
                for r in self.explanation or [] if isinstance(r, dict) and r.get("text")]

    @classmethod
    def ranked_for(cls, session: Session, application_id: int) -> list[MachineLead]:
        """Return an application's stored leads, best first, with their documents."""
        return list(session.scalars(
            select(cls).where(cls.application_id == application_id)
            .options(joinedload(cls.document)).order_by(cls.rank)))
