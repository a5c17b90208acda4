"""A prior-art submission on an application, its history and endorsements."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    Column,
    ColumnElement,
    Date,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    case,
    or_,
    select,
    true,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, Session, mapped_column, object_session, relationship

from ..extensions import Model, db
from .base import TimestampMixin
from .feedback import Feedback
from .moderation import ModeratedContent
from .user import is_member, is_moderator

if TYPE_CHECKING:
    from .application import Application
    from .claim import Claim
    from .document import Document
    from .tag import Tag
    from .user import User

US, FOREIGN, NPL = "us", "foreign", "npl"
KINDS = (US, FOREIGN, NPL)
ACTIVE, WITHDRAWN, HIDDEN = "active", "withdrawn", "hidden"
# How pages, exports and the API name each kind (the `kind_label` template filter).
KIND_LABELS = {US: "US patent document", FOREIGN: "Foreign patent document", NPL: "Non-patent literature"}


def kind_label(kind: str) -> str:
    """Return how a submission kind is named to people ("npl" -> "Non-patent literature")."""
    return KIND_LABELS.get(kind, kind)
MAX_EXPLANATION = 1000  # the limit of the USPTO's electronic preissuance form
ALREADY_ENDORSED = "You already endorsed this document on this application."

submission_claims = Table(
    "submission_claims",
    db.metadata,
    Column("submission_id", ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True),
    Column("claim_id", ForeignKey("claims.id", ondelete="CASCADE"), primary_key=True),
)


class Submission(ModeratedContent, TimestampMixin, Model):
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

    flag_target = "submission"

    @property
    def owner_id(self) -> int | None:
        """Return the id of its submitter."""
        return self.submitter_id

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

    # --- permissions: each `can_*` has the `*_refusal` that says why not, for the user --------

    def view_refusal(self, user: User | None) -> str | None:
        """Return why `user` may not see it, or None: hidden ones are for their submitter and moderators."""
        if self.status != HIDDEN or is_moderator(user):
            return None
        if is_member(user) and user is not None and user.id == self.submitter_id:
            return None
        return "This submission was removed by the moderators."

    def can_view(self, user: User | None) -> bool:
        """Tell whether `user` may see it, on any page or API route (see `view_refusal`)."""
        return self.view_refusal(user) is None

    @classmethod
    def visible_to(cls, user: User | None) -> ColumnElement[bool]:
        """Return `can_view(user)` as an SQL condition, for the lists that show submissions."""
        if is_moderator(user):
            return true()
        if is_member(user) and user is not None:
            return or_(cls.status != HIDDEN, cls.submitter_id == user.id)
        return cls.status != HIDDEN

    def edit_refusal(self, user: User | None) -> str | None:
        """Return why `user` may not edit or withdraw it now, or None when they may."""
        if not is_member(user) or user is None or user.id != self.submitter_id:
            return "Only the volunteer who submitted this prior art may change it."
        if self.status != ACTIVE:
            return f"This submission is {self.status}; it can no longer be changed."
        if not self.application.is_open():
            return "The review window is closed; submissions can no longer be changed."
        return None

    def can_edit(self, user: User | None) -> bool:
        """Tell whether `user` may edit or withdraw it now (see `edit_refusal`)."""
        return self.edit_refusal(user) is None

    def endorser_ids(self) -> set[int]:
        """Return the ids of the volunteers who endorsed it."""
        return {endorsement.user_id for endorsement in self.endorsements}

    def past_submitter_ids(self) -> set[int]:
        """Return the ids of everyone who was its submitter of record, the current one included."""
        earlier = (revision.data.get("submitter_id") for revision in self.revisions
                   if isinstance(revision.data, dict))
        return {self.submitter_id} | {user_id for user_id in earlier if isinstance(user_id, int)}

    def _participation_refusal(self, user: User | None, action: str) -> str | None:
        """Return why `user` may not vote or mark claims on it now, or None when they may.

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

    def vote_refusal(self, user: User | None) -> str | None:
        """Return why `user` may not vote on it now, or None when they may."""
        return self._participation_refusal(user, "vote")

    def can_vote(self, user: User | None) -> bool:
        """Tell whether `user` may vote on it now (see `vote_refusal`)."""
        return self.vote_refusal(user) is None

    def mark_refusal(self, user: User | None) -> str | None:
        """Return why `user` may not mark the claims it reads on, or None when they may."""
        return self._participation_refusal(user, "mark")

    def can_mark(self, user: User | None) -> bool:
        """Tell whether `user` may mark claims on it now (see `mark_refusal`)."""
        return self.mark_refusal(user) is None

    def _hidden_tags_refusal(self, user: User | None) -> str | None:
        """Return why `user` may not touch its tags while it is hidden (only moderators may), or None."""
        if self.status == HIDDEN and not is_moderator(user):
            return "This submission is hidden."
        return None

    def tag_refusal(self, user: User | None) -> str | None:
        """Return why `user` may not tag it, or None: hidden ones only moderators, none once closed."""
        if not is_member(user):
            return "Log in to tag."
        return self._hidden_tags_refusal(user) or self.application.tag_refusal(user)

    def can_tag(self, user: User | None) -> bool:
        """Tell whether `user` may tag it (see `tag_refusal`)."""
        return self.tag_refusal(user) is None

    def tag_removal_refusal(self, user: User | None, added_by_id: int | None) -> str | None:
        """Return why `user` may not remove its tag added by `added_by_id`, or None.

        As on its application (`Application.tag_removal_refusal`); hidden ones only moderators.
        """
        if not is_member(user):
            return "Log in to remove tags."
        return (self._hidden_tags_refusal(user)
                or self.application.tag_removal_refusal(user, added_by_id))

    def can_remove_tag(self, user: User | None, added_by_id: int | None) -> bool:
        """Tell whether `user` may remove its tag added by `added_by_id` (see `tag_removal_refusal`)."""
        return self.tag_removal_refusal(user, added_by_id) is None

    def endorse_refusal(self, user: User | None) -> str | None:
        """Return why `user` may not put this document forward again (endorse or resubmit it), or None.

        A withdrawn one comes back as a resubmission; an active one gets an endorsement, but
        not from its submitter nor twice from one volunteer. Nobody who gave it a verdict puts
        it forward: as `judge_refusal` keeps those who did from judging it, this keeps an
        examiner from becoming the submitter of their own verdict (by resubmission, or by a
        hand-over to its earliest endorser).
        """
        if not is_member(user) or user is None:
            return "Log in to submit prior art."
        if self.status == HIDDEN:
            return "This document was removed from this review by the moderators."
        session = object_session(self)
        if session is not None and session.scalar(
                select(Feedback.id).where(Feedback.submission_id == self.id,
                                          Feedback.examiner_id == user.id).limit(1)) is not None:
            return "You judged this document as an examiner: you cannot put it forward."
        if self.status != ACTIVE:
            return None
        if self.submitter_id == user.id:
            return ("You already submitted this document on this application: edit your "
                    "submission to change it. Nothing was duplicated.")
        if user.id in self.endorser_ids():
            return ALREADY_ENDORSED
        return None

    def can_endorse(self, user: User | None) -> bool:
        """Tell whether `user` may endorse (or resubmit) it (see `endorse_refusal`)."""
        return self.endorse_refusal(user) is None

    def judge_refusal(self, user: User | None) -> str | None:
        """Return why `user` may not record an examiner's verdict on it, or None when they may."""
        if not is_member(user) or user is None or not user.is_examiner:
            return "Only examiners give verdicts."
        if self.status != ACTIVE:
            return f"This submission is {self.status}: it cannot be judged."
        if self.submitter_id == user.id:
            return "You cannot judge your own submission."
        # As with votes: an examiner who put the document forward, or once did, is not impartial.
        if user.id in self.endorser_ids():
            return "You endorsed this document: you cannot judge it."
        if user.id in self.past_submitter_ids():
            return "You submitted this document earlier: you cannot judge it."
        return None

    def can_judge(self, user: User | None) -> bool:
        """Tell whether `user` may give it an examiner's verdict (see `judge_refusal`)."""
        return self.judge_refusal(user) is None

    def __repr__(self) -> str:
        return f"<Submission {self.identifier} on {self.application_id}>"


def lock_submission(session: Session, submission: Submission, *, shared: bool = False) -> None:
    """Lock a submission's row until the transaction ends, then read it again.

    Whoever changes its status or submitter (withdraw, hand over, endorse, resubmit, hide,
    restore) locks it first, so a change made at the same time waits, then sees the other's
    result instead of overwriting it (on SQLite the lock is the database's write lock: see
    `factory.tune_sqlite`). `shared` (FOR SHARE) is for those who only read them, such as a verdict: they do
    not wait for each other, only for a change.
    """
    session.execute(select(Submission.id).where(Submission.id == submission.id)
                    .with_for_update(read=shared))
    session.refresh(submission)


# What a submission's history says each change was; hide and restore are a moderator's and keep
# only the status before (the content did not change).
REVISION_ACTIONS = {"edit": "an edit", "withdraw": "withdrawal",
                    "handover": "withdrawal (the earliest endorser took over)",
                    "resubmit": "resubmission", "hide": "hiding by the moderators",
                    "restore": "restoring by the moderators"}


class SubmissionRevision(Model):
    """A snapshot of a submission before an edit, a withdrawal, a resubmission or moderation."""

    __tablename__ = "submission_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(16))  # a key of REVISION_ACTIONS
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(db.DateTime(timezone=True))

    submission: Mapped[Submission] = relationship(back_populates="revisions")
    editor: Mapped[User | None] = relationship()

    @property
    def description(self) -> str:
        """Return what the history calls the change this version came before."""
        return REVISION_ACTIONS.get(self.action, self.action)

    @property
    def moderation(self) -> bool:
        """Return whether a moderator hid or restored the item (its content did not change)."""
        return self.action in ("hide", "restore")


class Endorsement(TimestampMixin, Model):
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
