"""The API blueprints mounted on the test app, a known review, an examiner and a token."""
from __future__ import annotations

import pytest

from reviewapp.api.services import create_token
from reviewapp.api.views import bp, tokens_bp
from reviewapp.extensions import db
from tests.export.helpers import Corpus, build_corpus
from tests.factories import make_user


@pytest.fixture
def app(app):
    """Return the test app with the API and token views registered when the factory has not."""
    for blueprint in (bp, tokens_bp):
        if blueprint.name not in app.blueprints:
            app.register_blueprint(blueprint)
    return app


@pytest.fixture
def examiner():
    """Return an examiner account."""
    return make_user("examiner", name="Examiner Ess")


@pytest.fixture
def token(examiner):
    """Return the secret of a valid API token of the examiner."""
    _row, secret = create_token(db.session, examiner, "tests")
    return secret


@pytest.fixture
def corpus(app) -> Corpus:
    """Return the known review: two applications, four submissions, votes, scores, a verdict."""
    return build_corpus()
