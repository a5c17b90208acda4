"""Flags and moderation: asking moderators to look, hiding and restoring, banning, the queue."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask import Flask
from sqlalchemy import Select, exists, select, update
from sqlalchemy.orm import Session

from ..audit import record_action
from ..auth.services import AccountError, ban_user, unban_user
from ..models import Application, Comment, Flag, Submission, SubmissionRevision, User
from ..models.base import execute_count, utcnow
from ..models.comment import HIDDEN as COMMENT_HIDDEN
from ..models.comment import VISIBLE
from ..models.submission import ACTIVE, HIDDEN, WITHDRAWN, lock_submission
from ..models.user import moderation_refusal
from ..signals import submission_changed, user_banned
from .common import CommunityError, get_by_id, site_path
from .links import comment_path
from .notifications import (
    comment_key,
    notify_new_comment,
    notify_new_submission,
    requote_comment_notices,
    requote_submission_notices,
    submission_key,
    withdraw_notifications,
)

MAX_FLAG_REASON = 1000

FlagTarget = Submission | Comment | User
_TARGET_MODELS: dict[str, type] = {"submission": Submission, "comment": Comment, "user": User}


class FlagError(CommunityError):
    """A flag refused."""


class ModerationError(CommunityError):
    """A moderation action refused."""


def _get_target(session: Session, target_type: str, target_id: int) -> FlagTarget | None:
    model = _TARGET_MODELS.get(target_type)
    return get_by_id(session, model, target_id) if model else None


def load_target(session: Session, target_type: str, target_id: int,
                viewer: User | None) -> FlagTarget | None:
    """Return the submission, comment or user named, if `viewer` may see it."""
    target = _get_target(session, target_type, target_id)
    if isinstance(target, (Submission, Comment)) and not target.can_view(viewer):
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
        application = session.get(Application, target.application_id)
        return f"Comment by {target.author.display_name} on {application.number if application else '?'}"
    if isinstance(target, User):
        return f"Reviewer {target.display_name}"
    return "(deleted)"


def target_path(session: Session, target: FlagTarget, viewer: User | None = None) -> str:
    """Return where `viewer` sees a flag target on the site."""
    if isinstance(target, Submission):
        return site_path("priorart.detail", submission_id=target.id)  # shows hidden ones to moderators
    if isinstance(target, Comment):
        return comment_path(session, target, viewer)
    return site_path("community.reviewer", user_id=target.id)


def flag_content(session: Session, reporter: User, target: FlagTarget, reason: str) -> Flag:
    """Ask the moderators to look at a submission, comment or user."""
    refusal = target.flag_refusal(reporter)
    if refusal:
        raise FlagError(refusal, "reason")
    target_type = target_type_of(target)
    text = (reason or "").strip()
    if not text:
        raise FlagError("Say what is wrong, so that a moderator knows what to look for.", "reason")
    if len(text) > MAX_FLAG_REASON:
        raise FlagError(f"Keep the reason under {MAX_FLAG_REASON:,} characters.", "reason")
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


def flag_rows(session: Session, flags: Iterable[Flag], viewer: User | None = None) -> list[FlagRow]:
    """Describe each flag of a queue page, as `viewer` sees it, with its target and reporter."""
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
            path=target_path(session, target, viewer) if target is not None else "",
            status=status, actions=_actions_on(target, status)))
    return rows


def _ensure_moderator(actor: User | None) -> None:
    refusal = moderation_refusal(actor)
    if refusal:
        raise ModerationError(refusal)


def _resolve_flags_on(session: Session, target_type: str, target_id: int, resolution: str) -> int:
    """Close the open flags on one target with `resolution`; return how many."""
    return execute_count(
        session,
        update(Flag).where(Flag.target_type == target_type, Flag.target_id == target_id,
                           Flag.resolved_at.is_(None))
        .values(resolved_at=utcnow(), resolution=resolution)
        .execution_options(synchronize_session="fetch"))


def _revise(session: Session, submission: Submission, actor: User, action: str, previous: str) -> None:
    session.add(SubmissionRevision(submission_id=submission.id, editor_id=actor.id,
                                   version=submission.version, action=action,
                                   data={"status": previous}, created_at=utcnow()))


def hide_submission(session: Session, submission: Submission, actor: User, reason: str = "") -> None:
    """Hide a submission from everyone but its submitter and moderators; resolve its flags; audit it."""
    _ensure_moderator(actor)
    # Locked and read again, as a withdrawal locks it: the status the page showed may be stale,
    # and the one kept here is the one a restore brings back (a withdrawn item stays withdrawn).
    lock_submission(session, submission)
    if submission.status == HIDDEN:
        raise ModerationError("This submission is already hidden.")
    previous, submission.status = submission.status, HIDDEN
    _revise(session, submission, actor, "hide", previous)
    flags = _resolve_flags_on(session, "submission", submission.id, "hidden")
    withdraw_notifications(session, submission_key(submission))
    session.flush()
    submission_changed.send(submission, session=session)
    record_action(session, actor, "hide", "submission", submission.id, reason=reason.strip(),
                  previous=previous, flags_resolved=flags)


def restore_submission(session: Session, submission: Submission, actor: User, reason: str = "") -> None:
    """Show a hidden submission again, in the status it had before; audit it."""
    _ensure_moderator(actor)
    lock_submission(session, submission)  # as hiding does: act on the status it has now
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
    # Seen again in either status: the notices already mailed quote it again. Only an active
    # item is news, for the watchers never told (or whose unmailed notice was taken back).
    requote_submission_notices(session, submission)
    if submission.status == ACTIVE:
        notify_new_submission(session, submission)
    submission_changed.send(submission, session=session)
    record_action(session, actor, "restore", "submission", submission.id, reason=reason.strip(),
                  status=submission.status)


def hide_comment(session: Session, comment: Comment, actor: User, reason: str = "") -> None:
    """Hide a comment from everyone but moderators; resolve its flags; audit it."""
    _ensure_moderator(actor)
    if comment.status == COMMENT_HIDDEN:
        raise ModerationError("This comment is already hidden.")
    comment.status = COMMENT_HIDDEN
    flags = _resolve_flags_on(session, "comment", comment.id, "hidden")
    withdraw_notifications(session, comment_key(comment))
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
    requote_comment_notices(session, comment)
    notify_new_comment(session, comment)
    record_action(session, actor, "restore", "comment", comment.id, reason=reason.strip())


def ban_flagged_user(session: Session, user: User, actor: User, reason: str = "") -> None:
    """Ban a user (audited by the account service, whose signal resolves the flags on them)."""
    _ensure_moderator(actor)
    try:
        ban_user(session, actor, user, reason)
    except AccountError as error:
        raise ModerationError(str(error)) from error


def resolve_flags_on_banned(user: User, session: Session, **_: object) -> dict[str, int]:
    """Resolve the open flags on a banned account, however it was banned (`user_banned`)."""
    return {"flags_resolved": _resolve_flags_on(session, "user", user.id, "banned")}


def unban_flagged_user(session: Session, user: User, actor: User, reason: str = "") -> None:
    """Lift a ban (audited by the account service)."""
    _ensure_moderator(actor)
    try:
        unban_user(session, actor, user, reason)
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


def register(app: Flask) -> None:
    """Connect moderation's receivers (once whatever the number of apps: blinker dedupes)."""
    user_banned.connect(resolve_flags_on_banned)
