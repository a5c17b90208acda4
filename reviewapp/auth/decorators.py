"""View decorators for roles."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user, login_required

from ..models.user import ADMIN, EXAMINER, VOLUNTEER

View = TypeVar("View", bound=Callable[..., Any])

# Roles are a ladder: an admin may do what an examiner may, and every account is a volunteer.
ROLE_CHECKS: dict[str, Callable[[Any], bool]] = {
    VOLUNTEER: lambda user: True,
    EXAMINER: lambda user: user.is_examiner,
    ADMIN: lambda user: user.is_admin,
}


def has_role(user: Any, *roles: str) -> bool:
    """Tell whether a logged-in `user` holds one of `roles` (or a higher one)."""
    return any(ROLE_CHECKS[role](user) for role in roles)


def role_required(*roles: str) -> Callable[[View], View]:
    """Let in users holding one of `roles`: 403 for other users, anonymous ones go to log in."""
    unknown = set(roles) - set(ROLE_CHECKS)
    if not roles or unknown:
        raise ValueError(f"role_required needs roles among {sorted(ROLE_CHECKS)}, got {roles!r}")

    def decorator(view: View) -> View:
        @wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            if not has_role(current_user, *roles):
                abort(403)
            return view(*args, **kwargs)

        # login_required runs first: anonymous users are sent to the login page with `next`.
        return login_required(checked)

    return decorator
