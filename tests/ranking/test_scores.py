"""Stored scores: rescoring ranks active submissions 1..n and keeps their explanations."""
from __future__ import annotations

from reviewapp.models.submission import WITHDRAWN
from reviewapp.ranking.scores import (
    REASONS,
    enqueue_rescore,
    rescore_application,
    rescore_applications,
)
from tests.factories import make_application, make_submission
from tests.ranking.helpers import BAD_TEXT, GOOD_TEXT, library_document, people, scores_of


def test_rescore_stores_ranks_1_to_n_with_explanations_and_drops_withdrawn(db):
    _, volunteers = people()
    application = make_application()
    submissions = []
    for k in range(6):
        relevant = k % 2 == 1
        doc = library_document(GOOD_TEXT if relevant else BAD_TEXT,
                               "H01M 10/613" if relevant else "A01G 25/09")
        submissions.append(make_submission(application, volunteers[k % 3],
                                           library_document_id=doc.id))
    assert rescore_application(db.session, application.id) == 6
    db.session.expire_all()
    scores = scores_of(db, application)
    assert [s.rank for s in scores] == [1, 2, 3, 4, 5, 6]
    assert [s.score for s in scores] == sorted((s.score for s in scores), reverse=True)
    assert {s.model_version for s in scores} == {"heuristic"}
    relevant_ids = {s.id for s in submissions[1::2]}
    assert {s.submission_id for s in scores[:3]} == relevant_ids  # the battery art first
    for score in scores:
        assert 1 <= len(score.explanation) <= REASONS
        assert all(set(reason) == {"feature", "effect", "text"} for reason in score.explanation)
        effects = [abs(reason["effect"]) for reason in score.explanation]
        assert effects == sorted(effects, reverse=True) and all(effects)
        assert all(isinstance(r["text"], str) and r["text"] for r in score.explanation)
    assert scores[0].explanation[0]["feature"] == "sim_best_claim"

    submissions[1].status = WITHDRAWN
    db.session.flush()
    assert rescore_application(db.session, application.id) == 5
    db.session.expire_all()
    scores = scores_of(db, application)
    assert [s.rank for s in scores] == [1, 2, 3, 4, 5]
    assert submissions[1].id not in {s.submission_id for s in scores}


def test_rescore_of_an_unknown_or_empty_application(db):
    _, (alice, *_) = people()
    application = make_application()
    submission = make_submission(application, alice)
    assert rescore_application(db.session, application.id) == 1
    submission.status = WITHDRAWN
    db.session.flush()
    assert rescore_application(db.session, application.id) == 0
    assert scores_of(db, application) == []
    assert rescore_application(db.session, 987654) == 0


def test_rescoring_several_applications_ranks_each_on_its_own(db):
    _, volunteers = people()
    first, second, empty = make_application(), make_application(), make_application()
    for application, n in ((first, 3), (second, 2)):
        for k in range(n):
            make_submission(application, volunteers[k])
    stale = make_submission(empty, volunteers[0])
    rescore_application(db.session, empty.id)
    stale.status = WITHDRAWN
    db.session.flush()
    assert rescore_applications(db.session, [second.id, first.id, empty.id, 99999]) == 5
    db.session.expire_all()
    assert [s.rank for s in scores_of(db, first)] == [1, 2, 3]
    assert [s.rank for s in scores_of(db, second)] == [1, 2]
    assert scores_of(db, empty) == []


def test_enqueue_rescore_puts_a_rescore_job_on_the_queue(app, db):
    queued = []
    app.extensions["tasks"]["rescore"] = queued.append
    enqueue_rescore(42)
    assert queued == [42]
