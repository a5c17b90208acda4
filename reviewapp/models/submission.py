"""A prior-art submission on an application, its history and endorsements."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON, Column, ColumnElement, Date, ForeignKey, Integer, String, Table, Text, UniqueConstraint, and_, case,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import TimestampMixin

if TYPE_CHECKING:
    from .application import Application
    from .claim import Claim
    from .document import Document
    from .tag import Tag
    from .user import User

US, FOREIGN, NPL = "us", "foreign", "npl"
KINDS = (US, FOREIGN, NPL)
ACTIVE, WITHDRAWN, HIDDEN = "active", "withdrawn", "hidden"
MAX_EXPLANATION = 1000  # the limit of the USPTO's electronic preissuance form

submission_claims = Table(
    "submission_claims",
    db.metadata,
    Column("submission_id", ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True),
    Column("claim_id", ForeignKey("claims.id", ondelete="CASCADE"), primary_key=True),
)


class Submission(TimestampMixin, db.Model):
    """One prior-art document put forward for one application; one per document."""

    __tablename__ = "submissions"
    # The same document twice on one application is one item: the database enforces it.
    __table_args__ = (UniqueConstraint("application_id", "identifier"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    submitter_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    identifier: Mapped[str] = mapped_column(String(255))  # normalised: US7123456B2, EP1234567A1, npl:...
    identifier_raw: Mapped[str] = mapped_column(String(255), default="")
    library_document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(Text, default="")
    authors: Mapped[str] = mapped_column(Text, default="")
    publication_date: Mapped[dt.date | None] = mapped_column(Date)
    url: Mapped[str] = mapped_column(String(2048), default="")
    pinpoint: Mapped[str] = mapped_column(String(255), default="")
    excerpt: Mapped[str] = mapped_column(Text, default="")
    explanation: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default=ACTIVE, index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    application: Mapped[Application] = relationship(back_populates="submissions")
    submitter: Mapped[User] = relationship()
    library_document: Mapped[Document | None] = relationship()
    claims: Mapped[list[Claim]] = relationship(secondary=submission_claims, order_by="Claim.number")
    tags: Mapped[list[Tag]] = relationship(secondary="submission_tags", order_by="Tag.name")
    endorsements: Mapped[list[Endorsement]] = relationship(
        back_populates="submission", cascade="all, delete-orphan", order_by="Endorsement.id"
    )
    revisions: Mapped[list[SubmissionRevision]] = relationship(
        back_populates="submission", cascade="all, delete-orphan", order_by="SubmissionRevision.id"
    )

    @property
    def is_active(self) -> bool:
        return self.status == ACTIVE

    @hybrid_property
    def cited_identifier(self) -> str:
        """Return the document as cited: a patent with its kind code (US7123456B2), else the key."""
        return self.identifier_raw if self.kind != NPL and self.identifier_raw else self.identifier

    @cited_identifier.inplace.expression
    @classmethod
    def _cited_identifier_expression(cls) -> ColumnElement[str]:
        return case((and_(cls.kind != NPL, cls.identifier_raw != ""), cls.identifier_raw), else_=cls.identifier)

    def can_edit(self, user: User | None) -> bool:
        """Tell whether `user` may edit or withdraw this submission now."""
        return bool(
            user and user.is_authenticated and user.id == self.submitter_id
            and self.status == ACTIVE and self.application.is_open()
        )

    def endorser_ids(self) -> set[int]:
        """Return the ids of the volunteers who endorsed it."""
        return {endorsement.user_id for endorsement in self.endorsements}

    def past_submitter_ids(self) -> set[int]:
        """Return the ids of everyone who was its submitter of record, the current one included."""
        return {self.submitter_id} | {revision.data.get("submitter_id") for revision in self.revisions
                                      if isinstance(revision.data, dict)}

    def participation_refusal(self, user: User | None, action: str = "vote") -> str | None:
        """Return why `user` may not vote (or mark claims) on it now, or None when they may.

        Its submitters, past ones included (withdraw and resubmit must not make one's own item
        votable), never vote on it; nor do its endorsers, who put the same document forward.
        """
        what = "vote" if action == "vote" else "mark claims"
        if user is None or not user.is_authenticated:
            return f"Log in to {what}."
        if not user.is_active:
            return "Your account is suspended."
        if user.id == self.submitter_id:
            return f"You can't {what} on your own submission."
        if action == "vote" and user.id in self.endorser_ids():
            return "You endorsed this document: you can't vote on it."
        if action == "vote" and user.id in self.past_submitter_ids():
            return "You submitted this document earlier: you can't vote on it."
        if self.status == WITHDRAWN:
            return "This submission was withdrawn."
        if self.status != ACTIVE:
            return "This submission is hidden."
        if not self.application.is_open():
            return "The review window is closed."
        return None

    def can_vote(self, user: User | None) -> bool:
        """Tell whether `user` may vote on it (see `participation_refusal`)."""
        return self.participation_refusal(user, "vote") is None

    def __repr__(self) -> str:
        return f"<Submission {self.identifier} on {self.application_id}>"


class SubmissionRevision(db.Model):
    """A snapshot of a submission before an edit or withdrawal."""

    __tablename__ = "submission_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(16))  # edit | withdraw | hide | restore
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(db.DateTime(timezone=True))

    submission: Mapped[Submission] = relationship(back_populates="revisions")
    editor: Mapped[User | None] = relationship()


class Endorsement(TimestampMixin, db.Model):
    """A second volunteer putting forward the same document, with their own explanation."""

    __tablename__ = "endorsements"
    __table_args__ = (UniqueConstraint("submission_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    explanation: Mapped[str] = mapped_column(Text, default="")
    pinpoint: Mapped[str] = mapped_column(String(255), default="")

    submission: Mapped[Submission] = relationship(back_populates="endorsements")
    user: Mapped[User] = relationship()
