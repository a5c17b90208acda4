"""Fixtures of the ranking tests: the admin blueprint mounted, fresh logins, judged reviews."""
from __future__ import annotations

import pytest
from flask import g

from reviewapp.ranking.views import bp


@pytest.fixture(autouse=True)
def ranking_blueprint(app):
    """Mount the ranking pages unless create_app already does (the lead registers `bp`)."""
    if bp.name not in app.blueprints:
        app.register_blueprint(bp)
    return app


@pytest.fixture(autouse=True)
def fresh_login_per_request(app):
    """Forget the user Flask-Login cached in `g`, as a real request's own app context would."""

    @app.before_request
    def forget_cached_user() -> None:
        g.pop("_login_user", None)


@pytest.fixture
def model_dir(app):
    """Return the test app's MODEL_DIR (empty: no model yet)."""
    from pathlib import Path

    return Path(app.config["MODEL_DIR"])
