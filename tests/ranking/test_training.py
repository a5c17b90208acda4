"""Training: labels from verdicts, training on verdicts and grant examples, one run at a time."""
from __future__ import annotations

import datetime as dt
import logging

import pytest

from reviewapp.models.application import CLOSED
from reviewapp.ranking.model_store import served_model
from reviewapp.ranking.training import (
    STATUS_FILE,
    TrainingError,
    _training_lock,
    feedback_examples,
    train_model,
    training_status,
)
from tests.factories import make_application, make_submission, make_user
from tests.ranking.helpers import judge, judged_review, people, save_grant_examples, scores_of


def test_feedback_examples_label_used_relevant_positive_known_negative(db):
    examiner, second = make_user("examiner"), make_user("examiner")
    _, volunteers = people()
    first = make_application(status=CLOSED)
    submissions = {verdict: make_submission(first, volunteers[k % 3])
                   for k, verdict in enumerate(["used", "relevant", "known", "not_relevant"])}
    for verdict, submission in submissions.items():
        judge(submission, examiner, verdict)
    changed = make_submission(first, volunteers[0])
    early = judge(changed, examiner, "not_relevant")
    late = judge(changed, second, "relevant")  # the latest verdict counts
    early.updated_at = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    late.updated_at = dt.datetime(2024, 2, 1, tzinfo=dt.UTC)
    unjudged = make_submission(first, volunteers[1])
    later = judged_review(examiner, volunteers)
    db.session.flush()

    pairs, y, groups = feedback_examples(db.session)
    labels = {int(candidate.id): label for (_, candidate), label in zip(pairs, y)}
    assert labels[submissions["used"].id] == labels[submissions["relevant"].id] == 1
    assert labels[submissions["known"].id] == labels[submissions["not_relevant"].id] == 0
    assert labels[changed.id] == 1 and unjudged.id not in labels
    assert len(pairs) == 5 + 4
    assert sorted(set(groups.tolist())) == [f"application:{first.id}", f"application:{later.id}"]
    assert {q.id for (q, _), g in zip(pairs, groups) if g == f"application:{first.id}"} == {
        first.document.publication_number}


def test_train_from_grant_examples_only(db, model_dir):
    header = save_grant_examples(12)
    summary = train_model(db.session, enqueue_rescoring=False)
    meta = served_model(strict=True).metadata
    assert meta["sources"]["feedback"]["pairs"] == 0
    assert meta["sources"]["bootstrap"]["sha256"] == header["sha256"]
    assert meta["sources"]["bootstrap"]["groups"] == 12
    assert meta["training_data"]["pairs"] == header["pairs"]
    assert meta["training_data"]["description"].startswith("USPTO grant citations: ")
    assert summary["cv_metrics"]["map"] > 0


def test_train_from_verdicts_and_grant_examples_together(app, db, model_dir, caplog):
    examiner, volunteers = people()
    judged_review(examiner, volunteers)
    open_application = make_application()
    make_submission(open_application, volunteers[0])
    db.session.commit()
    header = save_grant_examples(12)
    # The real queue (in-process here): the open application is rescored by the job.
    summary = train_model(db.session)
    meta = served_model(strict=True).metadata
    assert meta["training_data"]["pairs"] == header["pairs"] + 4
    assert meta["training_data"]["queries"] == 13
    assert meta["sources"]["feedback"]["pairs"] == 4 and meta["sources"]["bootstrap"]
    assert summary["open_applications"] == [open_application.id]
    db.session.expire_all()
    failures = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert not failures  # the queue logs a failed job instead of raising it
    assert [s.model_version for s in scores_of(db, open_application)] == [summary["version"]]
    assert training_status()["state"] == "done"


def test_training_refuses_without_data_or_without_both_labels(db, model_dir):
    with pytest.raises(TrainingError, match="Nothing to train on"):
        train_model(db.session, enqueue_rescoring=False)
    examiner, volunteers = people()
    judged_review(examiner, volunteers, bad=())
    db.session.flush()
    with pytest.raises(TrainingError, match="Nothing to rank"):
        train_model(db.session, enqueue_rescoring=False)
    status = training_status()
    assert status["state"] == "failed" and "Nothing to rank" in status["message"]
    assert served_model().heuristic


def test_one_training_run_at_a_time_and_a_dead_one_shows(db, model_dir):
    save_grant_examples(3)
    (model_dir / STATUS_FILE).write_text('{"state": "running"}')
    with _training_lock(model_dir):
        assert training_status()["state"] == "running"
        with pytest.raises(TrainingError, match="in progress"):
            train_model(db.session, enqueue_rescoring=False)
    assert training_status()["state"] == "interrupted"
    assert train_model(db.session, enqueue_rescoring=False)["version"]
    assert training_status()["state"] == "done"
