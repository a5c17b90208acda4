"""Training: labels from verdicts, training on verdicts and grant examples, one run at a time."""
from __future__ import annotations

import datetime as dt
import logging

import numpy as np
import pytest

from reviewapp.models import ClaimMark, Endorsement, Reference, Vote
from reviewapp.models.application import CLOSED
from reviewapp.models.submission import WITHDRAWN
from reviewapp.ranking.feature_rows import candidates_for, query_for, with_library_signals
from reviewapp.ranking.model_store import served_model
from reviewapp.ranking.training import (
    STATUS_FILE,
    TrainingError,
    _training_lock,
    feedback_examples,
    train_model,
    training_status,
)
from scoring import PairFeatures
from scoring.inputs import FEATURE_NAMES
from tests.factories import make_application, make_document, make_submission, make_user
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


def test_training_reads_community_signals_as_they_were_at_the_first_verdict(db):
    examiner, (alice, bob, carol) = people()
    voter, marker = make_user(), make_user()
    application = make_application(status=CLOSED)
    used = make_submission(application, alice)
    other = make_submission(application, bob)
    claim = application.document.claims[0]
    before, verdict, after = (dt.datetime(2024, 3, d, tzinfo=dt.UTC) for d in (1, 2, 3))
    early = [Vote(submission_id=used.id, user_id=carol.id, value=1),
             Vote(submission_id=used.id, user_id=voter.id, value=-1),  # turned up later
             ClaimMark(submission_id=used.id, user_id=carol.id, claim_id=claim.id)]
    late = [Vote(submission_id=used.id, user_id=marker.id, value=1),
            ClaimMark(submission_id=used.id, user_id=marker.id, claim_id=claim.id),
            Endorsement(submission_id=used.id, user_id=bob.id, explanation="Seen: it was used."),
            Vote(submission_id=other.id, user_id=carol.id, value=-1)]
    db.session.add_all(early + late)
    db.session.flush()
    for row in early:
        row.created_at = row.updated_at = before
    for row in late:
        row.created_at = row.updated_at = after
    early[1].value, early[1].updated_at = 1, after  # the vote changed after the verdict
    first = judge(used, examiner, "relevant")
    judge(other, examiner, "not_relevant").created_at = verdict
    first.created_at = verdict
    judge(used, make_user("examiner"), "used").created_at = after  # a second, later verdict
    db.session.flush()

    pairs, _, _ = feedback_examples(db.session)
    rows = {int(c.id): c for _, c in pairs}
    one, two = rows[used.id], rows[other.id]
    assert (one.votes_up, one.votes_down, one.claim_marks, one.endorsements) == (1, 0, 1, 0)
    assert one.explanation == used.explanation
    assert (two.votes_up, two.votes_down) == (0, 0)
    # Serving reads them as they are now.
    now = {int(c.id): c for c in candidates_for(db.session, application)}
    assert (now[used.id].votes_up, now[used.id].votes_down, now[used.id].claim_marks,
            now[used.id].endorsements) == (3, 0, 2, 1)
    assert now[other.id].votes_down == 1


def test_training_features_are_computed_over_the_applications_whole_list(db):
    # Four same-day documents of one patentee, two of them cited together by a library grant;
    # the examiner judged two. Serving ranks all four: training must read them as serving did.
    examiner, volunteers = people()
    application = make_application(status=CLOSED)
    day = dt.date(2015, 3, 3)
    items = [make_submission(application, volunteers[k % 3], authors="John Smith",
                             publication_date=day, identifier=f"US600000{k}B1") for k in range(4)]
    citing = make_document(number="US8000001B2")
    for number in ("6000000", "6000003"):
        citing.references.append(Reference(position=len(citing.references), kind="patent",
                                           country="US", number=number, kind_code="B1",
                                           category="cited by applicant"))
    judge(items[0], examiner, "used")
    judge(items[1], examiner, "not_relevant")
    db.session.flush()

    query = query_for(application)
    serving = candidates_for(db.session, application)
    with_library_signals(db.session, application, query, serving)
    served = [(query, c) for c in serving]
    pairs, _, _ = feedback_examples(db.session)
    assert sorted(int(c.id) for _, c in pairs) == [items[0].id, items[1].id]
    features = PairFeatures().fit(served)
    expected = dict(zip((c.id for _, c in served), features.transform(served)))
    got = dict(zip((c.id for _, c in pairs), features.transform(pairs)))
    columns = [FEATURE_NAMES.index(n) for n in ("name_repeats", "same_day_repeats", "cocited")]
    for key, row in got.items():
        np.testing.assert_allclose(row[columns], expected[key][columns])
    assert got[str(items[0].id)][columns].tolist() == pytest.approx(
        [np.log1p(3), np.log1p(3), np.log1p(1)])


def test_a_withdrawn_judged_submission_stays_in_its_list_and_an_example(db):
    examiner, volunteers = people()
    application = make_application(status=CLOSED)
    day = dt.date(2015, 3, 3)
    kept, gone = (make_submission(application, volunteers[k], authors="John Smith",
                                  publication_date=day) for k in range(2))
    judge(kept, examiner, "used")
    judge(gone, examiner, "known")
    gone.status = WITHDRAWN
    make_submission(application, volunteers[2], authors="John Smith", publication_date=day,
                    status=WITHDRAWN)  # withdrawn before any verdict: never ranked again
    db.session.flush()
    pairs, _, _ = feedback_examples(db.session)
    assert sorted(int(c.id) for _, c in pairs) == [kept.id, gone.id]
    column = FEATURE_NAMES.index("same_day_repeats")
    assert PairFeatures().fit(pairs).transform(pairs)[:, column].tolist() == pytest.approx(
        [np.log1p(1)] * 2)


@pytest.mark.parametrize("text", ["[1, 2]", '"done"', "3", "null"])
def test_a_status_file_that_is_not_an_object_reads_as_no_status(db, model_dir, text):
    model_dir.mkdir(parents=True, exist_ok=True)
    (model_dir / STATUS_FILE).write_text(text)
    assert training_status() is None
