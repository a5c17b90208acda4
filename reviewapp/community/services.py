"""Community services: votes, claim marks, tags, discussion, flags, moderation, notifications."""
from __future__ import annotations

import datetime as dt
import logging
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import current_app
from flask_sqlalchemy.pagination import Pagination
from markupsafe import Markup
from sqlalchemy import Select, Table, delete, exists, func, insert, literal, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from ..audit import record_action
from ..extensions import CountSparingPagination
from ..tasks import mark_for_index, rescore_after_commit
from ..models import (
    Application, Claim, ClaimMark, Comment, Document, Endorsement, Feedback, Flag, Notification, Submission,
    SubmissionRevision, Tag, User, Vote, Watch, application_tags, submission_tags,
)
from ..models.application import OPEN, PENDING, as_utc
from ..models.base import insert_missing, utcnow
from ..models.comment import HIDDEN as COMMENT_HIDDEN
from ..models.comment import VISIBLE
from ..models.feedback import VERDICTS
from ..models.submission import ACTIVE, HIDDEN, WITHDRAWN
from .markdown import render_markdown

logger = logging.getLogger(__name__)

T = TypeVar("T")

MAX_ID = 2**31 - 1  # ids are 32-bit integers in PostgreSQL
MAX_COMMENT = 5000
MAX_FLAG_REASON = 1000
CLOSING_SOON = dt.timedelta(days=7)
DUPLICATE_COMMENT_WINDOW = dt.timedelta(minutes=2)  # the same text again within this is one comment
TAG_RULE = "A tag is 2 to 40 lower-case letters, digits or hyphens, e.g. battery-cooling."
_TAG_PATTERN = re.compile(r"(?=.*[a-z0-9])[a-z0-9-]{2,40}")


class CommunityError(ValueError):
    """A community action refused, with a message for the user and the form field it concerns."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class VoteError(CommunityError):
    """A vote or claim mark refused."""


class TagError(CommunityError):
    """A tag refused or not found."""


class CommentError(CommunityError):
    """A comment refused."""


class FlagError(CommunityError):
    """A flag refused."""


class ModerationError(CommunityError):
    """A moderation action refused."""


# --- shared helpers ----------------------------------------------------------------------------

def paginate(session: Session, stmt: Select, page: int = 1, per_page: int = 20) -> Pagination:
    """Return one page of `stmt` run on `session` (out-of-range pages come back empty)."""
    return CountSparingPagination(select=stmt, session=session, page=page,
                                  per_page=per_page, error_out=False)


def is_member(user: User | None) -> bool:
    """Tell whether `user` is logged in and neither deactivated nor banned."""
    return bool(user is not None and user.is_authenticated and user.is_active)


def is_moderator(user: User | None) -> bool:
    """Tell whether `user` may see hidden content and moderate it."""
    return bool(is_member(user) and user.is_admin)


def submission_visible(submission: Submission, viewer: User | None) -> bool:
    """Tell whether `viewer` may see `submission` (hidden ones are for moderators only)."""
    return submission.status != HIDDEN or is_moderator(viewer)


def get_by_id(session: Session, model: type[T], ident: int | None) -> T | None:
    """Return the row with this id, or None, also for ids no 32-bit column can hold."""
    if not isinstance(ident, int) or not 0 < ident <= MAX_ID:
        return None
    return session.get(model, ident)


def _insert_once(session: Session, row: T, find: Callable[[], T | None]) -> tuple[T, bool]:
    """Insert `row` in a savepoint; return (row, True), or (the twin that won a race, False)."""
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        # A concurrent request inserted the same unique row first: use theirs.
        existing = find()
        if existing is None:
            raise
        return existing, False
    return row, True


def _path(endpoint: str, anchor: str | None = None, **values: Any) -> str:
    """Return the site-relative URL of `endpoint`, also outside a request (CLI, queue)."""
    adapter = current_app.url_map.bind("localhost", script_name=current_app.config.get("APPLICATION_ROOT"))
    path = adapter.build(endpoint, values)
    return f"{path}#{anchor}" if anchor else path


# --- votes and claim marks ---------------------------------------------------------------------

def participation_refusal(submission: Submission, user: User | None, action: str = "vote") -> str | None:
    """Return why `user` may not vote or mark claims on `submission`, or None when they may."""
    return submission.participation_refusal(user, action)


def _ensure_can_participate(submission: Submission, user: User | None, action: str) -> None:
    refusal = participation_refusal(submission, user, action)
    if refusal:
        raise VoteError(refusal)


def _find_vote(session: Session, submission_id: int, user_id: int) -> Vote | None:
    return session.scalar(select(Vote).where(Vote.submission_id == submission_id, Vote.user_id == user_id))


def cast_vote(session: Session, submission: Submission, user: User, value: int) -> Vote:
    """Vote `submission` up (+1) or down (-1), replacing the user's earlier vote."""
    if value not in (1, -1):
        raise VoteError("A vote is either up or down.")
    _ensure_can_participate(submission, user, "vote")
    vote = _find_vote(session, submission.id, user.id)
    if vote is None:
        vote, created = _insert_once(
            session, Vote(submission_id=submission.id, user_id=user.id, value=value),
            lambda: _find_vote(session, submission.id, user.id))
        if created:
            rescore_after_commit(session, submission.application_id)
            return vote
    vote.value = value
    session.flush()
    rescore_after_commit(session, submission.application_id)
    return vote


def remove_vote(session: Session, submission: Submission, user: User) -> bool:
    """Withdraw the user's vote on `submission`; tell whether there was one."""
    _ensure_can_participate(submission, user, "vote")
    result = session.execute(
        delete(Vote).where(Vote.submission_id == submission.id, Vote.user_id == user.id))
    rescore_after_commit(session, submission.application_id)
    return bool(result.rowcount)


def toggle_claim_mark(session: Session, submission: Submission, user: User, claim_id: int) -> bool:
    """Mark or unmark "reads on this claim"; return True when the claim is now marked."""
    _ensure_can_participate(submission, user, "mark")
    claim = get_by_id(session, Claim, claim_id)
    if claim is None or claim.document_id != submission.application.document_id:
        raise VoteError("Choose one of this application's claims.", "claim_id")
    removed = session.execute(delete(ClaimMark).where(
        ClaimMark.submission_id == submission.id, ClaimMark.user_id == user.id,
        ClaimMark.claim_id == claim.id)).rowcount
    rescore_after_commit(session, submission.application_id)
    if removed:
        return False
    # A twin request may insert the same mark meanwhile: then it is marked, as asked.
    insert_missing(session, ClaimMark.__table__, [
        {"submission_id": submission.id, "user_id": user.id, "claim_id": claim.id}])
    return True


def net_votes(session: Session, submission_ids: Iterable[int]) -> dict[int, int]:
    """Return the net votes (ups minus downs) of each submission, 0 when none."""
    ids = list(set(submission_ids))
    totals = dict.fromkeys(ids, 0)
    if ids:
        rows = session.execute(select(Vote.submission_id, func.sum(Vote.value))
                               .where(Vote.submission_id.in_(ids)).group_by(Vote.submission_id))
        totals.update({submission_id: int(total or 0) for submission_id, total in rows})
    return totals


@dataclass
class MarkCount:
    """How many people say a submission reads on one claim, and whether the viewer does."""

    claim_id: int
    number: int
    count: int
    mine: bool


@dataclass
class Controls:
    """What the per-submission vote, mark, tag and moderation controls show one viewer."""

    submission_id: int
    up: int = 0
    down: int = 0
    my_vote: int = 0
    refusal: str | None = None
    marks: list[MarkCount] = field(default_factory=list)
    claim_choices: list[tuple[int, int]] = field(default_factory=list)  # (claim id, claim number)
    tags: list[str] = field(default_factory=list)
    can_tag: bool = False
    can_flag: bool = False
    can_moderate: bool = False
    hidden: bool = False

    @property
    def net(self) -> int:
        return self.up - self.down

    @property
    def can_vote(self) -> bool:
        return self.refusal is None


def submission_controls(session: Session, submissions: Iterable[Submission],
                        user: User | None) -> dict[int, Controls]:
    """Return the controls of each submission for `user`, keyed by submission id."""
    submissions = list(submissions)
    ids = [s.id for s in submissions]
    if not ids:
        return {}
    user_id = user.id if is_member(user) else None
    if user_id is not None:  # who endorsed or once submitted each item: one query each, not one per item
        session.scalars(select(Submission).where(Submission.id.in_(ids))
                        .options(selectinload(Submission.endorsements), selectinload(Submission.revisions))).all()
    controls = {
        s.id: Controls(
            submission_id=s.id, refusal=participation_refusal(s, user),
            claim_choices=[(c.id, c.number) for c in s.application.document.claims],
            can_tag=is_member(user) and submission_visible(s, user), can_flag=is_member(user),
            can_moderate=is_moderator(user), hidden=s.status == HIDDEN)
        for s in submissions
    }
    # Counts and the viewer's own vote and marks, one query each (these pages are the busiest).
    def by_viewer(column):
        return func.count().filter(column == user_id) if user_id is not None else literal(0)

    for submission_id, value, count, own in session.execute(
            select(Vote.submission_id, Vote.value, func.count(), by_viewer(Vote.user_id))
            .where(Vote.submission_id.in_(ids)).group_by(Vote.submission_id, Vote.value)):
        if value > 0:
            controls[submission_id].up = count
        else:
            controls[submission_id].down = count
        if own:
            controls[submission_id].my_vote = value
    for submission_id, claim_id, number, count, own in session.execute(
            select(ClaimMark.submission_id, Claim.id, Claim.number, func.count(),
                   by_viewer(ClaimMark.user_id))
            .join(Claim, Claim.id == ClaimMark.claim_id).where(ClaimMark.submission_id.in_(ids))
            .group_by(ClaimMark.submission_id, Claim.id, Claim.number)
            .order_by(ClaimMark.submission_id, Claim.number)):
        controls[submission_id].marks.append(MarkCount(claim_id, number, count, bool(own)))
    for submission_id, names in submission_tag_names(session, ids).items():
        controls[submission_id].tags = names
    return controls


# --- tags --------------------------------------------------------------------------------------

def normalise_tag(raw: str | None) -> str:
    """Return the tag as stored (lower case, spaces to hyphens); TagError when malformed."""
    name = re.sub(r"\s+", "-", (raw or "").strip().lower())
    if not _TAG_PATTERN.fullmatch(name):
        raise TagError(TAG_RULE, "name")
    return name


def _link_table(target: Application | Submission) -> tuple[Table, Any]:
    if isinstance(target, Application):
        return application_tags, application_tags.c.application_id
    return submission_tags, submission_tags.c.submission_id


def _tags_changed(session: Session, target: Application | Submission) -> None:
    """Reload `target.tags` and reindex an application, whose tags are searchable."""
    # The link rows are written with plain SQL (race-safe); the ORM collection must catch up.
    session.expire(target, ["tags"])
    if isinstance(target, Application):
        mark_for_index(session, [target.document_id])


def _ensure_can_tag(target: Application | Submission, user: User | None) -> None:
    if not is_member(user):
        raise TagError("Log in to tag.", "name")
    if isinstance(target, Submission) and not submission_visible(target, user):
        raise TagError("This submission is hidden.", "name")


def find_tag(session: Session, name: str) -> Tag | None:
    """Return the tag with exactly this name, if any."""
    return session.scalar(select(Tag).where(Tag.name == name))


def add_tag(session: Session, target: Application | Submission, raw_name: str, user: User) -> Tag:
    """Tag an application or a submission; adding a tag it already has changes nothing."""
    _ensure_can_tag(target, user)
    name = normalise_tag(raw_name)
    tag = find_tag(session, name)
    if tag is None:
        tag, _ = _insert_once(session, Tag(name=name), lambda: find_tag(session, name))
    table, column = _link_table(target)
    linked = session.scalar(select(exists().where(column == target.id, table.c.tag_id == tag.id)))
    if not linked:
        try:
            with session.begin_nested():
                session.execute(insert(table).values({column.key: target.id, "tag_id": tag.id,
                                                      "added_by_id": user.id}))
        except IntegrityError:
            pass  # a concurrent request added the same tag: what the user asked for is done
        _tags_changed(session, target)
    return tag


def remove_tag(session: Session, target: Application | Submission, name: str, user: User) -> bool:
    """Take a tag off (its adder or a moderator, review not over); audit it; tell whether it was there."""
    _ensure_can_tag(target, user)
    tag = find_tag(session, name)
    if tag is None:
        return False
    table, column = _link_table(target)
    link = (column == target.id) & (table.c.tag_id == tag.id)
    # Locked (PostgreSQL): the check and the delete see the same link.
    found = session.execute(select(table.c.added_by_id).where(link).with_for_update()).first()
    if found is None:
        return False
    application = target if isinstance(target, Application) else target.application
    refusal = application.tag_removal_refusal(user, found.added_by_id)
    if refusal:
        raise TagError(refusal, "name")
    session.execute(delete(table).where(link))
    record_action(session, user, "untag", "application" if isinstance(target, Application) else "submission",
                  target.id, tag=tag.name, added_by=found.added_by_id)
    _tags_changed(session, target)
    return True


def application_tag_names(session: Session, application: Application) -> list[str]:
    """Return the names of an application's tags, alphabetically."""
    return list(session.scalars(
        select(Tag.name).join(application_tags, application_tags.c.tag_id == Tag.id)
        .where(application_tags.c.application_id == application.id).order_by(Tag.name)))


def submission_tag_names(session: Session, submission_ids: Iterable[int]) -> dict[int, list[str]]:
    """Return the tag names of each submission, alphabetically."""
    names: dict[int, list[str]] = defaultdict(list)
    ids = list(set(submission_ids))
    if ids:
        for submission_id, name in session.execute(
                select(submission_tags.c.submission_id, Tag.name)
                .join(Tag, Tag.id == submission_tags.c.tag_id)
                .where(submission_tags.c.submission_id.in_(ids)).order_by(Tag.name)):
            names[submission_id].append(name)
    return dict(names)


def _visible_submission_links() -> Select:
    return (select(submission_tags.c.tag_id, submission_tags.c.submission_id)
            .join(Submission, Submission.id == submission_tags.c.submission_id)
            .where(Submission.status != HIDDEN))


def tags_query() -> Select:
    """Return the tags in use (on an application or a visible submission), by name."""
    links = _visible_submission_links().subquery()
    return select(Tag).where(or_(
        exists().where(application_tags.c.tag_id == Tag.id),
        exists().where(links.c.tag_id == Tag.id),
    )).order_by(Tag.name)


def tag_counts(session: Session, tags: Iterable[Tag]) -> dict[int, tuple[int, int]]:
    """Return (applications, visible submissions) carrying each tag."""
    ids = [tag.id for tag in tags]
    counts = {tag_id: [0, 0] for tag_id in ids}
    if ids:
        for tag_id, n in session.execute(
                select(application_tags.c.tag_id, func.count()).where(application_tags.c.tag_id.in_(ids))
                .group_by(application_tags.c.tag_id)):
            counts[tag_id][0] = n
        links = _visible_submission_links().subquery()
        for tag_id, n in session.execute(
                select(links.c.tag_id, func.count()).where(links.c.tag_id.in_(ids)).group_by(links.c.tag_id)):
            counts[tag_id][1] = n
    return {tag_id: (a, s) for tag_id, (a, s) in counts.items()}


def tagged_applications_query(tag: Tag) -> Select:
    """Return the applications carrying `tag`, by publication number."""
    return (select(Application).join(Application.document)
            .join(application_tags, application_tags.c.application_id == Application.id)
            .where(application_tags.c.tag_id == tag.id).order_by(Document.publication_number))


def tagged_submissions_query(tag: Tag, viewer: User | None) -> Select:
    """Return the submissions carrying `tag` that `viewer` may see, newest first."""
    stmt = (select(Submission).join(submission_tags, submission_tags.c.submission_id == Submission.id)
            .where(submission_tags.c.tag_id == tag.id)
            .options(selectinload(Submission.application))
            .order_by(Submission.created_at.desc(), Submission.id.desc()))
    if not is_moderator(viewer):
        stmt = stmt.where(Submission.status != HIDDEN)
    return stmt


# --- discussion --------------------------------------------------------------------------------

@dataclass
class CommentNode:
    """A comment with its rendered body and its replies; `removed` ones show no content."""

    comment: Comment
    html: Markup
    removed: bool = False
    children: list[CommentNode] = field(default_factory=list)

    @property
    def hidden(self) -> bool:
        return self.comment.status == COMMENT_HIDDEN


@dataclass
class Panel:
    """The community panel of one application, as one viewer sees it."""

    application: Application
    threads: Pagination  # top-level comments; their trees are in `nodes`
    nodes: list[CommentNode]
    comment_count: int
    tags: list[str]
    claim_choices: list[tuple[int, str]]
    comment_refusal: str | None
    can_tag: bool
    can_flag: bool
    can_moderate: bool

    @property
    def can_comment(self) -> bool:
        return self.comment_refusal is None


def comment_refusal(application: Application, user: User | None) -> str | None:
    """Return why `user` may not comment on `application` now, or None when they may."""
    if user is None or not user.is_authenticated:
        return "Log in to join the discussion."
    if not user.is_active:
        return "Your account is suspended."
    if application.is_open():
        return None
    if application.status == PENDING or (as_utc(application.opens_at) or utcnow()) > utcnow():
        return "The discussion opens with the review window."
    return "The review window is closed: the discussion is read-only."


def post_comment(session: Session, application: Application, author: User, body: str, *,
                 parent_id: int | None = None, claim_id: int | None = None) -> Comment:
    """Add a comment (a reply when `parent_id`, about one claim when `claim_id`) and notify watchers."""
    refusal = comment_refusal(application, author)
    if refusal:
        raise CommentError(refusal, "body")
    text = (body or "").strip()
    if not text:
        raise CommentError("Write something first.", "body")
    if len(text) > MAX_COMMENT:
        raise CommentError(f"A comment is at most {MAX_COMMENT:,} characters; yours has {len(text):,}.",
                           "body")
    parent = get_by_id(session, Comment, parent_id) if parent_id else None
    if parent_id and (parent is None or parent.application_id != application.id
                      or parent.status != VISIBLE):
        raise CommentError("The comment you are replying to is no longer there.", "body")
    if claim_id:
        claim = get_by_id(session, Claim, claim_id)
        if claim is None or claim.document_id != application.document_id:
            raise CommentError("Choose one of this application's claims.", "claim_id")
    elif parent is not None:
        claim_id = parent.claim_id  # a reply stays on the claim of the comment it answers
    twin = recent_twin(session, application, author, text, parent)
    if twin is not None:
        return twin  # a double click or a resent form: the comment is posted once
    comment = Comment(application_id=application.id, author_id=author.id, body=text,
                      parent_id=parent.id if parent else None, claim_id=claim_id or None)
    session.add(comment)
    session.flush()
    notify_new_comment(session, comment)
    return comment


def recent_twin(session: Session, application: Application, author: User, text: str,
                parent: Comment | None) -> Comment | None:
    """Return the author's same comment (same text, same parent) posted moments ago, if any."""
    # The author's row lock (PostgreSQL) makes two simultaneous posts check one after the other.
    session.execute(select(User.id).where(User.id == author.id).with_for_update())
    return session.scalar(
        select(Comment).where(
            Comment.application_id == application.id, Comment.author_id == author.id,
            Comment.parent_id == parent.id if parent else Comment.parent_id.is_(None),
            Comment.body == text, Comment.created_at >= utcnow() - DUPLICATE_COMMENT_WINDOW)
        .order_by(Comment.id).limit(1))


def _comments(session: Session, stmt: Select) -> list[Comment]:
    return list(session.scalars(stmt.options(selectinload(Comment.author), selectinload(Comment.claim))
                                .order_by(Comment.created_at, Comment.id)))


def _prune(node: CommentNode, show_hidden: bool) -> CommentNode | None:
    """Drop hidden comments for ordinary readers, keeping a stub where visible replies hang."""
    node.children = [kept for child in node.children if (kept := _prune(child, show_hidden))]
    if not node.hidden or show_hidden:
        return node
    if not node.children:
        return None
    node.removed, node.html = True, Markup("")
    return node


def claim_choices(application: Application) -> list[tuple[int, str]]:
    """Return (claim id, label) of an application's claims for a claim selector."""
    return [(claim.id, f"Claim {claim.number}") for claim in application.document.claims]


def discussion_roots_query(application: Application, viewer: User | None) -> Select:
    """Return the top-level comments of an application that `viewer` may see, newest first."""
    stmt = (select(Comment).where(Comment.application_id == application.id, Comment.parent_id.is_(None))
            .options(selectinload(Comment.author), selectinload(Comment.claim)))
    if not is_moderator(viewer):
        # A hidden comment stays as a stub when replies hang from it (pruned later if all are hidden).
        child = Comment.__table__.alias("child")
        stmt = stmt.where(or_(Comment.status == VISIBLE, exists().where(child.c.parent_id == Comment.id)))
    # Newest threads first, so that a new one shows on page 1; replies read oldest first.
    return stmt.order_by(Comment.created_at.desc(), Comment.id.desc())


def discussion_threads(session: Session, application: Application, viewer: User | None, *,
                       page: int = 1, per_page: int = 20) -> tuple[Pagination, list[CommentNode]]:
    """Return one page of top-level comments and their reply trees, rendered for `viewer`."""
    threads = paginate(session, discussion_roots_query(application, viewer), page, per_page)
    show_hidden = is_moderator(viewer)
    by_id: dict[int, CommentNode] = {}
    roots = [by_id.setdefault(c.id, CommentNode(c, render_markdown(c.body))) for c in threads.items]
    level = [node.comment.id for node in roots]
    while level:  # one query per depth of the threads shown
        replies = _comments(session, select(Comment).where(Comment.parent_id.in_(level)))
        for reply in replies:
            node = by_id.setdefault(reply.id, CommentNode(reply, render_markdown(reply.body)))
            by_id[reply.parent_id].children.append(node)
        level = [reply.id for reply in replies]
    return threads, [kept for node in roots if (kept := _prune(node, show_hidden))]


def application_panel(session: Session, application: Application, user: User | None, *,
                      page: int = 1, per_page: int | None = None) -> Panel:
    """Return the discussion, tags and comment-form data of an application for `user`."""
    per_page = per_page or current_app.config["ITEMS_PER_PAGE"]
    threads, nodes = discussion_threads(session, application, user, page=page, per_page=per_page)
    count_stmt = select(func.count(Comment.id)).where(Comment.application_id == application.id)
    if not is_moderator(user):
        count_stmt = count_stmt.where(Comment.status == VISIBLE)
    return Panel(
        application=application, threads=threads, nodes=nodes,
        comment_count=session.scalar(count_stmt) or 0,
        tags=application_tag_names(session, application),
        claim_choices=claim_choices(application),
        comment_refusal=comment_refusal(application, user),
        can_tag=is_member(user), can_flag=is_member(user), can_moderate=is_moderator(user),
    )


# --- flags and moderation ----------------------------------------------------------------------

FlagTarget = Submission | Comment | User
_TARGET_MODELS: dict[str, type] = {"submission": Submission, "comment": Comment, "user": User}


def _get_target(session: Session, target_type: str, target_id: int) -> FlagTarget | None:
    model = _TARGET_MODELS.get(target_type)
    return get_by_id(session, model, target_id) if model else None


def load_target(session: Session, target_type: str, target_id: int,
                viewer: User | None) -> FlagTarget | None:
    """Return the submission, comment or user named, if `viewer` may see it."""
    target = _get_target(session, target_type, target_id)
    if isinstance(target, Submission) and not submission_visible(target, viewer):
        return None
    if isinstance(target, Comment) and target.status == COMMENT_HIDDEN and not is_moderator(viewer):
        return None
    return target


def target_type_of(target: FlagTarget) -> str:
    """Return the flag target type of a submission, comment or user."""
    return {Submission: "submission", Comment: "comment", User: "user"}[type(target)]


def target_label(session: Session, target: FlagTarget | None) -> str:
    """Return a short human description of a flag target."""
    if isinstance(target, Submission):
        return f"Prior art {target.identifier_raw or target.identifier} on {target.application.number}"
    if isinstance(target, Comment):
        number = session.get(Application, target.application_id).number
        return f"Comment by {target.author.display_name} on {number}"
    if isinstance(target, User):
        return f"Reviewer {target.display_name}"
    return "(deleted)"


def target_path(session: Session, target: FlagTarget) -> str:
    """Return where a flag target is seen on the site."""
    if isinstance(target, Submission):
        return _path("priorart.detail", submission_id=target.id)  # shows hidden ones to moderators
    if isinstance(target, Comment):
        number = session.get(Application, target.application_id).number
        return _path("community.discussion", f"comment-{target.id}", number=number)
    return _path("community.reviewer", user_id=target.id)


def flag_content(session: Session, reporter: User, target: FlagTarget, reason: str) -> Flag:
    """Ask the moderators to look at a submission, comment or user."""
    if not is_member(reporter):
        raise FlagError("Log in to flag content.", "reason")
    target_type = target_type_of(target)
    text = (reason or "").strip()
    if not text:
        raise FlagError("Say what is wrong, so that a moderator knows what to look for.", "reason")
    if len(text) > MAX_FLAG_REASON:
        raise FlagError(f"Keep the reason under {MAX_FLAG_REASON:,} characters.", "reason")
    if target_type == "user" and target.id == reporter.id:
        raise FlagError("You cannot flag yourself.", "reason")
    already = session.scalar(select(exists().where(
        Flag.target_type == target_type, Flag.target_id == target.id, Flag.reporter_id == reporter.id,
        Flag.resolved_at.is_(None))))
    if already:
        raise FlagError("You already flagged this; a moderator will look at it.", "reason")
    flag = Flag(target_type=target_type, target_id=target.id, reporter_id=reporter.id, reason=text)
    session.add(flag)
    session.flush()
    return flag


def open_flags_query() -> Select:
    """Return the flags waiting for a moderator, oldest first."""
    return select(Flag).where(Flag.resolved_at.is_(None)).order_by(Flag.created_at, Flag.id)


@dataclass
class FlagRow:
    """One flag of the moderation queue with what it points at and what can be done to it."""

    flag: Flag
    reporter: User | None
    target: FlagTarget | None
    label: str
    path: str
    status: str  # active, hidden, withdrawn, visible, banned, or gone
    actions: list[tuple[str, str]]  # (action, button label)


def _actions_on(target: FlagTarget | None, status: str) -> list[tuple[str, str]]:
    if target is None:
        return []
    if isinstance(target, User):
        return [("unban", "Unban")] if status == "banned" else [("ban", "Ban")]
    return [("restore", "Restore")] if status == HIDDEN else [("hide", "Hide")]


def flag_rows(session: Session, flags: Iterable[Flag]) -> list[FlagRow]:
    """Describe each flag of a queue page with its target and reporter."""
    rows = []
    for flag in flags:
        target = _get_target(session, flag.target_type, flag.target_id)
        if isinstance(target, User):
            status = "banned" if target.banned_at else "active"
        else:
            status = target.status if target is not None else "gone"
        rows.append(FlagRow(
            flag=flag, reporter=session.get(User, flag.reporter_id), target=target,
            label=target_label(session, target),
            path=target_path(session, target) if target is not None else "",
            status=status, actions=_actions_on(target, status)))
    return rows


def _ensure_moderator(actor: User | None) -> None:
    if not is_moderator(actor):
        raise ModerationError("Only administrators moderate.")


def _resolve_flags_on(session: Session, target_type: str, target_id: int, resolution: str) -> int:
    """Close the open flags on one target with `resolution`; return how many."""
    result = session.execute(
        update(Flag).where(Flag.target_type == target_type, Flag.target_id == target_id,
                           Flag.resolved_at.is_(None))
        .values(resolved_at=utcnow(), resolution=resolution).execution_options(synchronize_session="fetch"))
    return result.rowcount


def _revise(session: Session, submission: Submission, actor: User, action: str, previous: str) -> None:
    session.add(SubmissionRevision(submission_id=submission.id, editor_id=actor.id,
                                   version=submission.version, action=action,
                                   data={"status": previous}, created_at=utcnow()))


def hide_submission(session: Session, submission: Submission, actor: User, reason: str = "") -> None:
    """Hide a submission from everyone but moderators; resolve its flags; audit it."""
    _ensure_moderator(actor)
    if submission.status == HIDDEN:
        raise ModerationError("This submission is already hidden.")
    previous, submission.status = submission.status, HIDDEN
    _revise(session, submission, actor, "hide", previous)
    flags = _resolve_flags_on(session, "submission", submission.id, "hidden")
    session.flush()
    rescore_after_commit(session, submission.application_id)
    record_action(session, actor, "hide", "submission", submission.id, reason=reason.strip(),
                  previous=previous, flags_resolved=flags)


def restore_submission(session: Session, submission: Submission, actor: User, reason: str = "") -> None:
    """Show a hidden submission again, in the status it had before; audit it."""
    _ensure_moderator(actor)
    if submission.status != HIDDEN:
        raise ModerationError("This submission is not hidden.")
    last_hide = session.scalar(
        select(SubmissionRevision).where(SubmissionRevision.submission_id == submission.id,
                                         SubmissionRevision.action == "hide")
        .order_by(SubmissionRevision.id.desc()).limit(1))
    restored = (last_hide.data or {}).get("status", ACTIVE) if last_hide else ACTIVE
    submission.status = restored if restored in (ACTIVE, WITHDRAWN) else ACTIVE
    _revise(session, submission, actor, "restore", HIDDEN)
    session.flush()
    rescore_after_commit(session, submission.application_id)
    record_action(session, actor, "restore", "submission", submission.id, reason=reason.strip(),
                  status=submission.status)


def hide_comment(session: Session, comment: Comment, actor: User, reason: str = "") -> None:
    """Hide a comment from everyone but moderators; resolve its flags; audit it."""
    _ensure_moderator(actor)
    if comment.status == COMMENT_HIDDEN:
        raise ModerationError("This comment is already hidden.")
    comment.status = COMMENT_HIDDEN
    flags = _resolve_flags_on(session, "comment", comment.id, "hidden")
    session.flush()
    record_action(session, actor, "hide", "comment", comment.id, reason=reason.strip(),
                  flags_resolved=flags)


def restore_comment(session: Session, comment: Comment, actor: User, reason: str = "") -> None:
    """Show a hidden comment again; audit it."""
    _ensure_moderator(actor)
    if comment.status != COMMENT_HIDDEN:
        raise ModerationError("This comment is not hidden.")
    comment.status = VISIBLE
    session.flush()
    record_action(session, actor, "restore", "comment", comment.id, reason=reason.strip())


def ban_flagged_user(session: Session, user: User, actor: User, reason: str = "") -> None:
    """Ban a user (audited by the admin service) and resolve the flags on them."""
    from ..admin.services import ban_user
    from ..auth.services import AccountError

    _ensure_moderator(actor)
    try:
        ban_user(session, actor, user, reason)
    except AccountError as error:
        raise ModerationError(str(error)) from error
    _resolve_flags_on(session, "user", user.id, "banned")
    session.flush()


def unban_flagged_user(session: Session, user: User, actor: User, reason: str = "") -> None:
    """Lift a ban (audited by the admin service)."""
    from ..admin.services import unban_user
    from ..auth.services import AccountError

    _ensure_moderator(actor)
    try:
        unban_user(session, actor, user)
    except AccountError as error:
        raise ModerationError(str(error)) from error


def resolve_flag(session: Session, flag: Flag, actor: User, resolution: str = "dismissed") -> None:
    """Close one flag without acting on its target; audit it."""
    _ensure_moderator(actor)
    if flag.resolved_at is not None:
        raise ModerationError("This flag is already resolved.")
    flag.resolved_at, flag.resolution = utcnow(), resolution[:32]
    session.flush()
    record_action(session, actor, "resolve-flag", "flag", flag.id, resolution=flag.resolution,
                  flagged_type=flag.target_type, flagged_id=flag.target_id)


MODERATION_ACTIONS: dict[tuple[str, str], Callable[..., None]] = {
    ("submission", "hide"): hide_submission,
    ("submission", "restore"): restore_submission,
    ("comment", "hide"): hide_comment,
    ("comment", "restore"): restore_comment,
    ("user", "ban"): ban_flagged_user,
    ("user", "unban"): unban_flagged_user,
}


def moderate(session: Session, actor: User, target: FlagTarget, action: str, reason: str = "") -> None:
    """Apply a moderation `action` (hide, restore, ban, unban) to `target`."""
    service = MODERATION_ACTIONS.get((target_type_of(target), action))
    if service is None:
        raise ModerationError(f"Cannot {action} a {target_type_of(target)}.")
    service(session, target, actor, reason)


# --- notifications -----------------------------------------------------------------------------

def _watcher_ids(session: Session, application_id: int, exclude: int | None = None) -> list[int]:
    stmt = (select(Watch.user_id).join(User, User.id == Watch.user_id)
            .where(Watch.application_id == application_id, User.active.is_(True), User.banned_at.is_(None)))
    if exclude is not None:
        stmt = stmt.where(Watch.user_id != exclude)
    return list(session.scalars(stmt.order_by(Watch.user_id)))


def _notify(session: Session, user_ids: list[int], *, application_id: int, kind: str, message: str,
            url: str, dedupe_key: str) -> int:
    """Notify each user once per `dedupe_key`; return how many new notifications were made."""
    if not user_ids:
        return 0
    done = set(session.scalars(select(Notification.user_id).where(
        Notification.user_id.in_(user_ids), Notification.dedupe_key == dedupe_key)))
    created = 0
    for user_id in user_ids:
        if user_id in done:
            continue
        _, new = _insert_once(
            session,
            Notification(user_id=user_id, application_id=application_id, kind=kind, message=message,
                         url=url, dedupe_key=dedupe_key),
            lambda: session.scalar(select(Notification).where(
                Notification.user_id == user_id, Notification.dedupe_key == dedupe_key)))
        created += new
    return created


def notify_new_submission(session: Session, submission: Submission) -> int:
    """Tell the application's watchers, except the submitter, about new prior art."""
    application = submission.application
    return _notify(
        session, _watcher_ids(session, application.id, exclude=submission.submitter_id),
        application_id=application.id, kind="submission",
        message=f"New prior art on {application.number}: {submission.title or submission.identifier}",
        url=_path("applications.detail", f"submission-{submission.id}", number=application.number),
        dedupe_key=f"submission:{submission.id}")


def notify_new_comment(session: Session, comment: Comment) -> int:
    """Tell the application's watchers, except the author, about a new comment."""
    application = session.get(Application, comment.application_id)
    author = session.get(User, comment.author_id)
    return _notify(
        session, _watcher_ids(session, application.id, exclude=comment.author_id),
        application_id=application.id, kind="comment",
        message=f"{author.display_name} commented on {application.number}: {application.title}"[:500],
        url=_path("community.discussion", f"comment-{comment.id}", number=application.number),
        dedupe_key=f"comment:{comment.id}")


def notify_closing_windows(session: Session, now: dt.datetime | None = None) -> int:
    """Tell watchers once that a window closes within 7 days; return how many were told."""
    now = (now or utcnow()).astimezone(dt.timezone.utc)
    closing = session.scalars(select(Application).where(
        Application.status == OPEN, Application.closes_at > now,
        Application.closes_at <= now + CLOSING_SOON).order_by(Application.closes_at, Application.id))
    created = 0
    for application in closing.all():
        closes = as_utc(application.closes_at)
        created += _notify(
            session, _watcher_ids(session, application.id), application_id=application.id,
            kind="closing",
            message=f"The review of {application.number} closes on {closes:%Y-%m-%d %H:%M} UTC.",
            url=_path("applications.detail", number=application.number),
            dedupe_key=f"closing:{application.id}")
    return created


def notifications_query(user: User) -> Select:
    """Return `user`'s notifications, newest first."""
    return (select(Notification).where(Notification.user_id == user.id)
            .order_by(Notification.created_at.desc(), Notification.id.desc()))


def unread_count(session: Session, user: User | None) -> int:
    """Count `user`'s unread notifications (0 for visitors)."""
    if not is_member(user):
        return 0
    return session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def mark_read(session: Session, notification: Notification, user: User) -> None:
    """Mark one of `user`'s notifications as read."""
    if notification.user_id != user.id:
        raise CommunityError("This notification is not yours.")
    if notification.read_at is None:
        notification.read_at = utcnow()
        session.flush()


def mark_all_read(session: Session, user: User) -> int:
    """Mark all of `user`'s notifications as read; return how many changed."""
    result = session.execute(
        update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow()).execution_options(synchronize_session="fetch"))
    return result.rowcount


def mail_pending_notifications(session: Session, *, limit: int = 200) -> int:
    """Mail unread, unmailed notifications when SMTP is configured; mark them mailed."""
    if not current_app.config.get("MAIL_SERVER"):
        return 0
    from ..mail import send_mail

    base = (current_app.config.get("BASE_URL") or "").rstrip("/")
    rows = session.execute(
        select(Notification, User).join(User, User.id == Notification.user_id)
        .where(Notification.mailed.is_(False), Notification.read_at.is_(None),
               User.active.is_(True), User.banned_at.is_(None))
        .order_by(Notification.id).limit(limit)).all()
    sent = 0
    for notification, user in rows:
        body = (f"{notification.message}\n\n{base}{notification.url}\n\n"
                "You receive this because you watch this application on Open Prior Art.")
        try:
            send_mail(user.email, notification.message[:150], body)
        except Exception:  # one bad address or a server hiccup must not stop the others
            logger.exception("notification %s not mailed", notification.id)
            continue
        notification.mailed = True
        sent += 1
    session.flush()
    return sent


# --- reviewer pages ----------------------------------------------------------------------------

@dataclass
class ReviewerPage:
    """A volunteer's public record."""

    user: User
    submissions: Pagination
    endorsements: Pagination
    verdicts: dict[int, list[str]]  # submission id -> examiner verdict labels
    votes: dict[int, int]  # submission id -> net votes
    net_votes_received: int


def verdict_labels(session: Session, submission_ids: Iterable[int]) -> dict[int, list[str]]:
    """Return the examiners' verdict labels of each submission (never their notes)."""
    labels: dict[int, list[str]] = defaultdict(list)
    ids = list(set(submission_ids))
    if ids:
        for submission_id, verdict in session.execute(
                select(Feedback.submission_id, Feedback.verdict).where(Feedback.submission_id.in_(ids))
                .order_by(Feedback.submission_id, Feedback.id)):
            label = VERDICTS.get(verdict, verdict)
            if label not in labels[submission_id]:
                labels[submission_id].append(label)
    return dict(labels)


def reviewer_page(session: Session, user: User, viewer: User | None, *, page: int = 1,
                  endorsement_page: int = 1, per_page: int = 20) -> ReviewerPage:
    """Return a reviewer's submissions, endorsements, votes received and verdicts."""
    shown = [ACTIVE, WITHDRAWN, HIDDEN] if is_moderator(viewer) else [ACTIVE, WITHDRAWN]
    submissions = paginate(session, select(Submission).where(
        Submission.submitter_id == user.id, Submission.status.in_(shown))
        .options(selectinload(Submission.application))
        .order_by(Submission.created_at.desc(), Submission.id.desc()), page, per_page)
    endorsements = paginate(session, select(Endorsement).join(Endorsement.submission).where(
        Endorsement.user_id == user.id, Submission.status.in_(shown))
        .options(selectinload(Endorsement.submission).selectinload(Submission.application))
        .order_by(Endorsement.created_at.desc(), Endorsement.id.desc()), endorsement_page, per_page)
    ids = [s.id for s in submissions.items]
    received = session.scalar(
        select(func.coalesce(func.sum(Vote.value), 0)).join(Submission, Submission.id == Vote.submission_id)
        .where(Submission.submitter_id == user.id, Submission.status != HIDDEN))
    return ReviewerPage(user=user, submissions=submissions, endorsements=endorsements,
                        verdicts=verdict_labels(session, ids), votes=net_votes(session, ids),
                        net_votes_received=int(received or 0))
