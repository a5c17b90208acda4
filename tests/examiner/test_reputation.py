"""The submitter's track record, recounted from the verdicts on their work."""
from __future__ import annotations

import threading

from sqlalchemy.orm import Session

from reviewapp.examiner.reputation import recount_track_record
from reviewapp.examiner.verdicts import record_feedback
from reviewapp.models import Submission, User
from reviewapp.priorart.editing import withdraw_submission
from reviewapp.priorart.submitting import submit_prior_art
from tests.conftest import wait_until_blocked
from tests.factories import make_application, make_submission, make_user
from tests.priorart.helpers import data


def test_track_record_is_counted_from_the_feedback_rows(db):
    from reviewapp.models import Feedback

    user, examiner, other = make_user(), make_user("examiner"), make_user("examiner")
    first, second = (make_submission(make_application(), user) for _ in range(2))

    def record() -> tuple[int, int, float]:
        db.session.refresh(user)
        return user.verdicts_total, user.verdicts_positive, round(user.reputation, 4)

    recount_track_record(db.session, user)
    assert record() == (0, 0, 0.0)
    verdict = Feedback(submission_id=first.id, examiner_id=examiner.id, verdict="used")
    db.session.add(verdict)
    db.session.flush()
    recount_track_record(db.session, user)
    assert record() == (1, 1, round(2 / 3, 4))
    later = Feedback(submission_id=second.id, examiner_id=other.id, verdict="known")
    db.session.add(later)
    db.session.flush()
    recount_track_record(db.session, user)
    assert record() == (2, 1, 0.5)
    later.verdict = "relevant"  # a changed verdict counts once, as what it is now
    db.session.flush()
    recount_track_record(db.session, user)
    assert record() == (2, 2, 0.75)
    verdict.verdict = "not_relevant"
    db.session.flush()
    recount_track_record(db.session, user)
    assert record() == (2, 1, 0.5)


def handed_over_review(db):
    """Alice submits US 7,123,456, Bob endorses it, an examiner relies on it; return them."""
    application, alice, bob = make_application(), make_user(name="Alice"), make_user(name="Bob")
    submission = submit_prior_art(db.session, application, alice, data()).submission
    submit_prior_art(db.session, application, bob, data(explanation="Bob agrees."))
    record_feedback(db.session, submission, make_user("examiner"), "used")
    return application, submission, alice, bob


def stored(db, *users) -> list[tuple[int, int, float]]:
    """Return the counters the database holds for `users`."""
    db.session.flush()
    db.session.expire_all()
    held = [(u.verdicts_total, u.verdicts_positive, round(u.reputation, 4)) for u in users]
    for user in users:  # and they are what the feedback rows say
        recount_track_record(db.session, user)
    assert held == [(u.verdicts_total, u.verdicts_positive, round(u.reputation, 4)) for u in users]
    return held


def test_a_handover_moves_the_verdicts_to_the_new_submitters_record(db):
    _, submission, alice, bob = handed_over_review(db)
    assert stored(db, alice, bob) == [(1, 1, round(2 / 3, 4)), (0, 0, 0.0)]
    assert withdraw_submission(db.session, submission, alice) == bob
    assert stored(db, alice, bob) == [(0, 0, 0.0), (1, 1, round(2 / 3, 4))]


def test_a_resubmission_moves_the_verdicts_to_the_resubmitters_record(db):
    application, submission, alice, bob = handed_over_review(db)
    withdraw_submission(db.session, submission, alice)  # to Bob
    withdraw_submission(db.session, submission, bob)  # nobody left: withdrawn, still Bob's
    assert (submission.status, stored(db, bob)) == ("withdrawn", [(1, 1, round(2 / 3, 4))])
    carol = make_user(name="Carol")
    submit_prior_art(db.session, application, carol, data(explanation="Carol's reading."))
    assert submission.submitter_id == carol.id
    assert stored(db, alice, bob, carol) == [(0, 0, 0.0), (0, 0, 0.0), (1, 1, round(2 / 3, 4))]


def test_a_verdict_given_during_a_handover_counts_for_the_new_submitter(app, db, monkeypatch):
    """PostgreSQL: the verdict waits for the handover, then counts in Bob's record, not Alice's."""
    # Each commit below runs the rescoring it wrote (HUEY_IMMEDIATE), the worker's in its thread:
    # slow, and not this test's matter; one still running at teardown would block it.
    monkeypatch.setitem(app.extensions["tasks"], "rescore", lambda *_: None)
    _, submission, alice, bob = handed_over_review(db)
    examiner = make_user("examiner", name="Eve")
    db.session.commit()
    ids = (submission.id, alice.id, examiner.id)
    errors: list[BaseException] = []
    with Session(db.engine) as one, Session(db.engine) as two:
        judged = two.get(Submission, ids[0])  # Eve's page: still Alice's
        assert judged.submitter_id == ids[1]
        withdraw_submission(one, one.get(Submission, ids[0]), one.get(User, ids[1]))

        def judge() -> None:
            with app.app_context():
                try:
                    record_feedback(two, judged, two.get(User, ids[2]), "relevant")
                    two.commit()
                except BaseException as error:  # noqa: BLE001 - reported by the assertion below
                    errors.append(error)
                    two.rollback()

        worker = threading.Thread(target=judge)
        worker.start()
        wait_until_blocked(db.engine)
        one.commit()
        worker.join(timeout=20)
    assert errors == []
    assert stored(db, alice, bob) == [(0, 0, 0.0), (2, 2, 0.75)]
