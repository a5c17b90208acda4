"""Fixtures of the examiner tests: the blueprint mounted, a fresh login per request, score rows."""
from __future__ import annotations

import pytest

from reviewapp.extensions import db
from reviewapp.models import Score
from tests.conftest import forget_login_each_request


@pytest.fixture(autouse=True)
def examiner_blueprint(app):
    """Mount the examiner blueprint when create_app does not (yet) do it."""
    if "examiner" not in app.blueprints:
        from reviewapp.examiner.views import bp

        app.register_blueprint(bp)


@pytest.fixture(autouse=True)
def fresh_login_per_request(app):
    """Forget the user Flask-Login cached in `g` at each request (see forget_login_each_request)."""
    forget_login_each_request(app)


@pytest.fixture
def rescores(app, monkeypatch):
    """Record the application ids of the rescoring jobs enqueued, instead of running them."""
    calls: list[int] = []
    monkeypatch.setitem(app.extensions["tasks"], "rescore", calls.append)
    return calls


def make_score(submission, score: float, rank: int, *, version: str = "v7",
               explanation: list | None = None) -> Score:
    """Store a model score of a submission, as the ranking job would."""
    row = Score(submission_id=submission.id, score=score, rank=rank, model_version=version,
                explanation=explanation if explanation is not None else [])
    db.session.add(row)
    db.session.flush()
    return row
