"""Fixtures of these tests."""
from __future__ import annotations

import pytest
from flask import g


@pytest.fixture(autouse=True)
def fresh_login_per_request(app):
    """Forget the user Flask-Login cached in `g`, as a real request (with its own app context) would.

    Test requests share the fixture's app context, so without this the first request's user
    stays logged in after `auth.login(other)` or `auth.logout()`.
    """

    @app.before_request
    def forget_cached_user() -> None:
        g.pop("_login_user", None)
