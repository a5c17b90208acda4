"""The ranking's jobs and receivers: rescoring follows changes through signals, never imports."""
from __future__ import annotations

import sqlalchemy as sa

from reviewapp.examiner.forwarding import close_and_freeze
from reviewapp.examiner.verdicts import record_feedback
from reviewapp.models import Score
from reviewapp.outbox import pending_jobs
from reviewapp.ranking.jobs import (
    rescore_before_freeze,
    rescore_judged_application,
    run_rescore_job,
    run_train_job,
)
from reviewapp.signals import (
    report_freezing,
    submission_created,
    submission_rated,
    submission_withdrawn,
    verdict_recorded,
    vote_cast,
)
from tests.factories import make_application, make_submission, make_user


def test_the_ranking_registers_its_jobs(app):
    assert app.extensions["tasks"]["rescore"] is run_rescore_job
    assert "rescore" in app.extensions["outbox_kinds"]
    assert "train" in app.extensions["tasks"] and "train" not in app.extensions["outbox_kinds"]
    assert app.extensions["tasks"]["train"].func.__qualname__ == run_train_job.__qualname__


def test_the_rescore_job_stores_scores(app, db):
    application = make_application()
    submission = make_submission(application, make_user())
    db.session.commit()
    assert run_rescore_job(application.id) == 1
    assert db.session.scalar(sa.select(Score.rank).where(Score.submission_id == submission.id)) == 1


def test_a_verdict_queues_the_rescoring_through_its_signal(app, db):
    application = make_application()
    submission = make_submission(application, make_user())
    db.session.flush()
    pending_jobs(db.session)["rescore"].clear()
    verdict_recorded.disconnect(rescore_judged_application)
    try:
        record_feedback(db.session, submission, make_user("examiner"), "used")
        assert pending_jobs(db.session)["rescore"] == set()  # examiner queues nothing itself
    finally:
        verdict_recorded.connect(rescore_judged_application)
    record_feedback(db.session, submission, make_user("examiner"), "known")
    assert pending_jobs(db.session)["rescore"] == {(application.id,)}


def test_submission_signals_queue_the_rescoring_of_its_application(app, db):
    application = make_application()
    submission = make_submission(application, make_user())
    db.session.flush()
    for signal in (submission_created, submission_withdrawn, submission_rated, vote_cast):
        pending_jobs(db.session)["rescore"].clear()
        signal.send(submission, session=db.session)
        assert pending_jobs(db.session)["rescore"] == {(application.id,)}


def test_a_freezing_report_is_rescored_in_the_same_transaction(app, db):
    application = make_application()
    submission = make_submission(application, make_user())
    db.session.flush()
    assert db.session.scalar(sa.select(sa.func.count(Score.id))) == 0
    report_freezing.send(application, session=db.session)
    assert db.session.scalar(sa.select(Score.rank).where(Score.submission_id == submission.id)) == 1


def test_without_the_receiver_the_freeze_copies_no_fresh_scores(app, db):
    application = make_application()
    make_submission(application, make_user())
    db.session.flush()
    report_freezing.disconnect(rescore_before_freeze)
    try:
        report = close_and_freeze(db.session, application)
    finally:
        report_freezing.connect(rescore_before_freeze)
    assert [item["score"] for item in report.items] == [None]  # what ranking's receiver adds
