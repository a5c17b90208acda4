"""The ranker's status and its calibration against examiner verdicts."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from reviewapp.models import Feedback, Score
from reviewapp.ranking import training
from reviewapp.ranking.scores import rescore_application
from reviewapp.ranking.status import calibration, ranker_status
from tests.factories import make_application, make_submission
from tests.ranking.helpers import judge, judged_review, people


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


def test_calibration_of_a_trained_model_reads_only_verdicts_recorded_after_training(db,
                                                                                    model_dir):
    examiner, volunteers = people()
    trained_on = judged_review(examiner, volunteers)
    db.session.commit()
    version = training.train_model(db.session, enqueue_rescoring=False)["version"]
    served = ranker_status(db.session)
    assert served.version == version
    # The judged submissions were its training rows: their scores would be in-sample figures.
    for rank, submission in enumerate(trained_on.submissions, 1):
        db.session.add(Score(submission_id=submission.id, score=1.0 - rank / 10, rank=rank,
                             model_version=version, explanation=[]))
    db.session.flush()
    current = ranker_status(db.session)
    assert current.calibration == []
    assert "needs verdicts recorded after the model was trained" in current.calibration_note
    assert served.metadata["trained_at"] in current.calibration_note

    later = make_application()
    items = [make_submission(later, volunteers[0]) for _ in range(2)]
    after = dt.datetime.fromisoformat(served.metadata["trained_at"]) + dt.timedelta(hours=1)
    for k, item in enumerate(items):
        db.session.add(Score(submission_id=item.id, score=0.2 + 0.6 * k, rank=2 - k,
                             model_version=version, explanation=[]))
        judge(item, examiner, "used" if k else "not_relevant").created_at = after
    # A training row judged again after training is still a training row.
    again = db.session.scalar(select(Feedback).where(
        Feedback.submission_id == trained_on.submissions[0].id))
    again.verdict, again.updated_at = "known", after
    db.session.flush()
    current = ranker_status(db.session)
    assert [(b["judged"], b["used"]) for b in current.calibration] == [(1, 0), (1, 1)]
    assert current.calibration_note.startswith("held out by time")


def test_heuristic_calibration_reads_every_verdict_and_says_so(db, model_dir):
    examiner, (alice, *_) = people()
    item = make_submission(make_application(), alice)
    assert ranker_status(db.session).calibration_note.startswith("no examiner verdicts")
    db.session.add(Score(submission_id=item.id, score=1.5, rank=1, model_version="heuristic",
                         explanation=[]))
    judge(item, examiner, "used")
    db.session.flush()
    current = ranker_status(db.session)
    assert len(current.calibration) == 1
    assert current.calibration_note == "on every examiner verdict (the heuristic learns from none)"
