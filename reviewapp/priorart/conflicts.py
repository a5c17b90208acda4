"""Conflict-of-interest declarations: one per volunteer and application, before a first submission."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..inputs import normalise_text
from ..models import Application, ConflictDeclaration, User
from .checks import NO_CONFLICT_STATEMENT, SubmissionError


def conflict_declaration(session: Session, application: Application,
                         user: User) -> ConflictDeclaration | None:
    """Return what `user` declared about conflicts on `application`, if anything."""
    return session.scalar(
        select(ConflictDeclaration).where(
            ConflictDeclaration.user_id == user.id, ConflictDeclaration.application_id == application.id
        )
    )


def needs_conflict_declaration(session: Session, application: Application, user: User) -> bool:
    """Tell whether `user` must still state their conflicts of interest on `application`."""
    return conflict_declaration(session, application, user) is None


def declare_conflict(session: Session, application: Application, user: User, *, has_conflict: bool,
                     statement: str = "") -> ConflictDeclaration:
    """Record `user`'s conflict-of-interest statement on `application` (replacing an earlier one)."""
    statement = normalise_text(statement) if has_conflict else ""
    if has_conflict and not statement:
        raise SubmissionError(NO_CONFLICT_STATEMENT, "conflict_statement")
    declaration = conflict_declaration(session, application, user)
    if declaration is None:
        declaration = ConflictDeclaration(user_id=user.id, application_id=application.id)
        try:
            with session.begin_nested():
                session.add(declaration)
        except IntegrityError:  # declared at the same moment in another request
            declaration = conflict_declaration(session, application, user)
            if declaration is None:
                raise
    declaration.has_conflict = has_conflict
    declaration.statement = statement
    session.flush()
    return declaration
