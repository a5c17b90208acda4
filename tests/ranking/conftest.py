"""Fixtures of the ranking tests: the admin blueprint mounted, fresh logins, judged reviews."""
from __future__ import annotations

import pytest

from reviewapp.ranking.views import bp
from tests.conftest import forget_login_each_request


@pytest.fixture(autouse=True)
def ranking_blueprint(app):
    """Mount the ranking pages unless create_app already does (the lead registers `bp`)."""
    if bp.name not in app.blueprints:
        app.register_blueprint(bp)
    return app


@pytest.fixture(autouse=True)
def fresh_login_per_request(app):
    """Forget the user Flask-Login cached in `g` at each request (see forget_login_each_request)."""
    forget_login_each_request(app)


@pytest.fixture
def model_dir(app):
    """Return the test app's MODEL_DIR (empty: no model yet)."""
    from pathlib import Path

    return Path(app.config["MODEL_DIR"])
