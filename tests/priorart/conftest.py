"""Fixtures of these tests."""
from __future__ import annotations

import datetime as dt

import pytest
from flask import g

from tests.factories import make_application, make_user


@pytest.fixture(autouse=True)
def fresh_login_per_request(app):
    """Forget the user Flask-Login cached in `g`, as a real request (with its own app context) would.

    Test requests share the fixture's app context, so without this the first request's user
    stays logged in after `auth.login(other)` or `auth.logout()`.
    """

    @app.before_request
    def forget_cached_user() -> None:
        g.pop("_login_user", None)


@pytest.fixture
def application(app):
    """Return an open application with a priority date of 2019-06-01."""
    return make_application(priority_date=dt.date(2019, 6, 1))


@pytest.fixture
def alice(app):
    return make_user(name="Alice")


@pytest.fixture
def bob(app):
    return make_user(name="Bob")
