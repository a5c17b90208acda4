"""An application's threaded discussion: posting comments and reading the threads."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask import current_app
from flask_sqlalchemy.pagination import Pagination
from markupsafe import Markup
from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session, aliased, selectinload

from ..inputs import normalise_text
from ..models import Application, Claim, Comment, User
from ..models.base import utcnow
from ..models.comment import HIDDEN, VISIBLE
from ..models.user import is_member, is_moderator
from ..signals import comment_posted
from .common import CommunityError, get_by_id, paginate
from .markdown import render_markdown
from .tags import application_tag_links, removable_tags

MAX_COMMENT = 5000
DUPLICATE_COMMENT_WINDOW = dt.timedelta(minutes=2)  # the same text again within this is one comment


class CommentError(CommunityError):
    """A comment refused."""


@dataclass
class CommentNode:
    """A comment with its rendered body and its replies; `removed` ones show no content."""

    comment: Comment
    html: Markup
    removed: bool = False
    children: list[CommentNode] = field(default_factory=list)

    @property
    def hidden(self) -> bool:
        return self.comment.status == HIDDEN


@dataclass
class Panel:
    """The community panel of one application, as one viewer sees it."""

    application: Application
    threads: Pagination  # top-level comments; their trees are in `nodes`
    nodes: list[CommentNode]
    comment_count: int
    tags: list[str]
    removable: set[str]  # the tags this viewer may remove
    claim_choices: list[tuple[int, str]]
    comment_refusal: str | None
    tag_refusal: str | None
    can_flag: bool
    can_moderate: bool

    @property
    def can_comment(self) -> bool:
        return self.comment_refusal is None

    @property
    def can_tag(self) -> bool:
        return self.tag_refusal is None


def post_comment(session: Session, application: Application, author: User, body: str, *,
                 parent_id: int | None = None, claim_id: int | None = None) -> Comment:
    """Add a comment (a reply when `parent_id`, about one claim when `claim_id`); send `comment_posted`."""
    refusal = application.comment_refusal(author)
    if refusal:
        raise CommentError(refusal, "body")
    text = normalise_text(body)  # a browser's CRLF is one character, as its maxlength counts it
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
    twin = recent_twin(session, application, author, text, parent, claim_id or None)
    if twin is not None:
        return twin  # a double click or a resent form: the comment is posted once
    comment = Comment(application_id=application.id, author_id=author.id, body=text,
                      parent_id=parent.id if parent else None, claim_id=claim_id or None)
    session.add(comment)
    session.flush()
    comment_posted.send(comment, session=session)
    return comment


def recent_twin(session: Session, application: Application, author: User, text: str,
                parent: Comment | None, claim_id: int | None = None) -> Comment | None:
    """Return the author's same comment (same text, parent and claim) posted moments ago, if any."""
    # The author's row lock (PostgreSQL) makes two simultaneous posts check one after the other.
    session.execute(select(User.id).where(User.id == author.id).with_for_update())
    return session.scalar(
        select(Comment).where(
            Comment.application_id == application.id, Comment.author_id == author.id,
            Comment.parent_id == parent.id if parent else Comment.parent_id.is_(None),
            # The same words about another claim are another comment, not a resent form.
            Comment.claim_id == claim_id if claim_id else Comment.claim_id.is_(None),
            Comment.body == text, Comment.created_at >= utcnow() - DUPLICATE_COMMENT_WINDOW)
        .order_by(Comment.id).limit(1))


def _comments(session: Session, stmt: Select) -> list[Comment]:
    return list(session.scalars(stmt.options(selectinload(Comment.author), selectinload(Comment.claim))
                                .order_by(Comment.created_at, Comment.id)))


def _prune(node: CommentNode, viewer: User | None) -> CommentNode | None:
    """Drop the comments `viewer` may not read, keeping a stub where visible replies hang."""
    node.children = [kept for child in node.children if (kept := _prune(child, viewer))]
    if node.comment.can_view(viewer):
        return node
    if not node.children:
        return None
    node.removed, node.html = True, Markup("")
    return node


def claim_choices(application: Application) -> list[tuple[int, str]]:
    """Return (claim id, label) of an application's claims for a claim selector."""
    return [(claim.id, f"Claim {claim.number}") for claim in application.document.claims]


def _roots_shown(application: Application, viewer: User | None) -> list[ColumnElement[bool]]:
    """Return the conditions on the top-level comments of an application that `viewer` is shown."""
    shown = [Comment.application_id == application.id, Comment.parent_id.is_(None)]
    if not is_moderator(viewer):
        # A hidden comment stays as a stub only above a visible reply, at any depth: a thread that
        # `_prune` would drop must not take a place on a page, or readers see empty pages.
        shown.append(or_(Comment.status == VISIBLE,
                         Comment.id.in_(_hidden_roots_with_visible_replies(application))))
    return shown


def _newest_threads_first() -> tuple[ColumnElement, ...]:
    # Newest threads first, so that a new one shows on page 1; replies read oldest first.
    return Comment.created_at.desc(), Comment.id.desc()


def discussion_roots_query(application: Application, viewer: User | None) -> Select:
    """Return the top-level comments of an application that `viewer` may see, newest first."""
    return (select(Comment).where(*_roots_shown(application, viewer))
            .options(selectinload(Comment.author), selectinload(Comment.claim))
            .order_by(*_newest_threads_first()))


def thread_position(session: Session, application: Application, root_id: int,
                    viewer: User | None) -> int | None:
    """Return where the thread `root_id` is among those `viewer` is shown (0: first), or None."""
    ranked = (select(Comment.id, func.row_number().over(order_by=_newest_threads_first()).label("n"))
              .where(*_roots_shown(application, viewer)).subquery())
    n = session.scalar(select(ranked.c.n).where(ranked.c.id == root_id))
    return None if n is None else n - 1


def thread_root(session: Session, comment: Comment) -> Comment:
    """Return the top-level comment of the thread `comment` is in (itself, for a top-level one)."""
    root = comment
    while root.parent_id is not None and (parent := session.get(Comment, root.parent_id)) is not None:
        root = parent
    return root


def _hidden_roots_with_visible_replies(application: Application) -> Select:
    """Return the ids of an application's hidden top-level comments with a visible reply below."""
    tree = (select(Comment.id.label("root_id"), Comment.id.label("id"),
                   Comment.status.label("status"))
            .where(Comment.application_id == application.id, Comment.parent_id.is_(None),
                   Comment.status != VISIBLE)
            .cte("hidden_thread", recursive=True))
    reply = aliased(Comment, name="reply")
    tree = tree.union_all(select(tree.c.root_id, reply.id, reply.status)
                          .where(reply.parent_id == tree.c.id))
    return select(tree.c.root_id).where(tree.c.status == VISIBLE)


def discussion_threads(session: Session, application: Application, viewer: User | None, *,
                       page: int = 1, per_page: int = 20) -> tuple[Pagination, list[CommentNode]]:
    """Return one page of top-level comments and their reply trees, rendered for `viewer`."""
    threads = paginate(session, discussion_roots_query(application, viewer), page, per_page)
    by_id: dict[int, CommentNode] = {}
    roots = [by_id.setdefault(c.id, CommentNode(c, render_markdown(c.body))) for c in threads.items]
    level = [node.comment.id for node in roots]
    while level:  # one query per depth of the threads shown
        replies = _comments(session, select(Comment).where(Comment.parent_id.in_(level)))
        for reply in replies:
            node = by_id.setdefault(reply.id, CommentNode(reply, render_markdown(reply.body)))
            if reply.parent_id is not None:  # always, for a reply
                by_id[reply.parent_id].children.append(node)
        level = [reply.id for reply in replies]
    return threads, [kept for node in roots if (kept := _prune(node, viewer))]


def application_panel(session: Session, application: Application, user: User | None, *,
                      page: int = 1, per_page: int | None = None) -> Panel:
    """Return the discussion, tags and comment-form data of an application for `user`."""
    per_page = per_page or current_app.config["ITEMS_PER_PAGE"]
    threads, nodes = discussion_threads(session, application, user, page=page, per_page=per_page)
    count_stmt = select(func.count(Comment.id)).where(Comment.application_id == application.id)
    if not is_moderator(user):
        count_stmt = count_stmt.where(Comment.status == VISIBLE)
    links = application_tag_links(session, application)
    return Panel(
        application=application, threads=threads, nodes=nodes,
        comment_count=session.scalar(count_stmt) or 0,
        tags=[name for name, _ in links],
        removable=removable_tags(application, links, user),
        claim_choices=claim_choices(application),
        comment_refusal=application.comment_refusal(user),
        tag_refusal=application.tag_refusal(user), can_flag=is_member(user),
        can_moderate=application.can_moderate(user),
    )
