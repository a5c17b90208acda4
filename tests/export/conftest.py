"""The export blueprint mounted on the test app, and a known review."""
from __future__ import annotations

import pytest

from reviewapp.export.views import bp
from tests.export.helpers import Corpus, build_corpus


@pytest.fixture
def app(app):
    """Return the test app with the export views registered when the factory has not."""
    if bp.name not in app.blueprints:
        app.register_blueprint(bp)
    return app


@pytest.fixture
def corpus(app) -> Corpus:
    """Return the known review: two applications, four submissions, votes, scores, a verdict."""
    return build_corpus()
