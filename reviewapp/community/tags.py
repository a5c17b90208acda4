"""Tags on applications and submissions: adding, removing, listing."""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from functools import partial

from sqlalchemy import Column, Select, Table, delete, exists, func, insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from ..audit import record_action
from ..models import Application, Document, Submission, Tag, User, application_tags, submission_tags
from ..models.submission import HIDDEN
from ..models.tag import tag_name
from ..tasks import mark_for_index
from .common import CommunityError, insert_once

TAG_RULE = "A tag is 2 to 40 lower-case letters, digits or hyphens, e.g. battery-cooling."
_TAG_PATTERN = re.compile(r"(?=.*[a-z0-9])[a-z0-9-]{2,40}")


class TagError(CommunityError):
    """A tag refused or not found."""


def normalise_tag(raw: str | None) -> str:
    """Return the tag as stored (lower case, spaces to hyphens); TagError when malformed."""
    name = tag_name(raw or "")
    if not _TAG_PATTERN.fullmatch(name):
        raise TagError(TAG_RULE, "name")
    return name


def _link_table(target: Application | Submission) -> tuple[Table, Column[int]]:
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
    refusal = target.tag_refusal(user)
    if refusal:
        raise TagError(refusal, "name")


def find_tag(session: Session, name: str) -> Tag | None:
    """Return the tag with exactly this name, if any."""
    return session.scalar(select(Tag).where(Tag.name == name))


def add_tag(session: Session, target: Application | Submission, raw_name: str, user: User) -> Tag:
    """Tag an application or a submission; adding a tag it already has changes nothing."""
    _ensure_can_tag(target, user)
    name = normalise_tag(raw_name)
    found = find_tag(session, name)
    tag = found if found is not None else insert_once(session, Tag(name=name),
                                                      partial(find_tag, session, name))[0]
    table, column = _link_table(target)
    linked = session.scalar(select(table.c.tag_id).where(column == target.id, table.c.tag_id == tag.id)
                            .limit(1)) is not None
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
    """Take a tag off (its adder, review open; a moderator, any time); audit it; say if it was there."""
    tag = find_tag(session, name)
    if tag is None:
        return False
    table, column = _link_table(target)
    link = (column == target.id) & (table.c.tag_id == tag.id)
    # Locked (PostgreSQL): the check and the delete see the same link.
    found = session.execute(select(table.c.added_by_id).where(link).with_for_update()).first()
    if found is None:
        return False
    refusal = target.tag_removal_refusal(user, found.added_by_id)
    if refusal:
        raise TagError(refusal, "name")
    session.execute(delete(table).where(link))
    record_action(session, user, "untag",
                  "application" if isinstance(target, Application) else "submission",
                  target.id, tag=tag.name, added_by=found.added_by_id)
    _tags_changed(session, target)
    return True


def application_tag_names(session: Session, application: Application) -> list[str]:
    """Return the names of an application's tags, alphabetically."""
    return [name for name, _ in application_tag_links(session, application)]


def application_tag_links(session: Session, application: Application) -> list[tuple[str, int | None]]:
    """Return an application's tags, alphabetically, each with who added it (None: unknown)."""
    return [(name, added_by) for name, added_by in session.execute(
        select(Tag.name, application_tags.c.added_by_id)
        .join(application_tags, application_tags.c.tag_id == Tag.id)
        .where(application_tags.c.application_id == application.id).order_by(Tag.name))]


def submission_tag_links(session: Session, submission: Submission) -> list[tuple[str, int | None]]:
    """Return a submission's tags, alphabetically, each with who added it (None: unknown)."""
    return [(name, added_by) for name, added_by in session.execute(
        select(Tag.name, submission_tags.c.added_by_id)
        .join(submission_tags, submission_tags.c.tag_id == Tag.id)
        .where(submission_tags.c.submission_id == submission.id).order_by(Tag.name))]


def removable_tags(target: Application | Submission, links: Iterable[tuple[str, int | None]],
                   user: User | None) -> set[str]:
    """Return the names among `links` (name, adder) that `user` may take off `target`."""
    return {name for name, added_by in links if target.can_remove_tag(user, added_by)}


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
                select(application_tags.c.tag_id, func.count())
                .where(application_tags.c.tag_id.in_(ids)).group_by(application_tags.c.tag_id)):
            counts[tag_id][0] = n
        links = _visible_submission_links().subquery()
        for tag_id, n in session.execute(
                select(links.c.tag_id, func.count()).where(links.c.tag_id.in_(ids))
                .group_by(links.c.tag_id)):
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
    return stmt.where(Submission.visible_to(viewer))

