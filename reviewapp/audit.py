"""The audit log: every moderation and administrative action, written by services."""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from .models import AuditEntry, User


def record_action(session: Session, actor: User | None, action: str, target_type: str,
                  target_id: int, **detail: Any) -> AuditEntry:
    """Add one audit entry in the caller's transaction."""
    entry = AuditEntry(actor_id=actor.id if actor else None, action=action,
                       target_type=target_type, target_id=target_id, detail=detail)
    session.add(entry)
    session.flush()
    return entry
