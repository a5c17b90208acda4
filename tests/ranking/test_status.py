"""The ranker's status and its calibration against examiner verdicts."""
from __future__ import annotations

import pytest

from reviewapp.models import Score
from reviewapp.ranking.scores import rescore_application
from reviewapp.ranking.status import calibration, ranker_status
from tests.factories import make_application, make_submission
from tests.ranking.helpers import judge, people


def test_status_counts_scores_by_model_version(db, model_dir):
    _, (alice, *_) = people()
    application = make_application()
    make_submission(application, alice)
    make_submission(application, alice)
    rescore_application(db.session, application.id)
    assert ranker_status(db.session).scores == {"heuristic": 2}


def test_calibration_says_how_often_items_scored_like_this_were_used(db, model_dir):
    examiner, (alice, bob) = people(2)
    application = make_application()
    items = [make_submission(application, alice if k % 2 else bob) for k in range(6)]
    assert calibration(db.session, "heuristic") == []  # no verdicts yet
    for k, item in enumerate(items):
        db.session.add(Score(submission_id=item.id, score=k / 10, rank=6 - k,
                             model_version="heuristic", explanation=[]))
        judge(item, examiner, "used" if k >= 4 else "not_relevant")
    db.session.flush()
    bands = calibration(db.session, "heuristic", bins=3)
    assert [(b["judged"], b["used"]) for b in bands] == [(2, 0), (2, 0), (2, 2)]
    assert bands[-1]["used_share"] == 1.0 and bands[-1]["low"] == pytest.approx(0.4)
    assert calibration(db.session, "another-model") == []
    shown = ranker_status(db.session).calibration  # the served model's, 5 bands
    assert len(shown) == 5 and sum(b["judged"] for b in shown) == 6
