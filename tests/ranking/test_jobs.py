"""The ranking's jobs and receivers: rescoring follows changes through signals, never imports."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from reviewapp.community.moderation import hide_submission, restore_submission
from reviewapp.community.votes import cast_vote, remove_vote, set_claim_mark
from reviewapp.examiner.forwarding import close_and_freeze
from reviewapp.examiner.verdicts import record_feedback
from reviewapp.models import Score
from reviewapp.models.application import CLOSED
from reviewapp.models.submission import WITHDRAWN
from reviewapp.outbox import pending_jobs
from reviewapp.priorart.checks import SubmissionDetails
from reviewapp.priorart.editing import edit_submission, withdraw_submission
from reviewapp.priorart.submitting import submit_prior_art
from reviewapp.ranking.jobs import (
    connect_receivers,
    rescore_after_handover,
    rescore_before_freeze,
    rescore_judged_application,
    rescore_submission_application,
    run_rescore_job,
    run_train_job,
)
from reviewapp.signals import (
    report_freezing,
    submission_changed,
    submission_created,
    submission_rated,
    submission_withdrawn,
    submitter_changed,
    verdict_recorded,
    vote_cast,
)
from tests.factories import make_application, make_submission, make_user
from tests.priorart.helpers import data


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


def test_the_rescore_job_commits_its_scores_before_the_leads_searches(app, db, monkeypatch):
    # Searching while holding the write transaction would keep SQLite's one write lock for the
    # searches' whole duration, and every web worker's write waiting on it.
    from reviewapp.ranking import candidates

    application = make_application()
    submission = make_submission(application, make_user())
    db.session.commit()
    seen = []

    def search(_application):
        with db.engine.connect() as other:  # another connection, as a web worker's
            seen.append(other.scalar(sa.select(sa.func.count()).select_from(Score)
                                     .where(Score.submission_id == submission.id)))
        return {}

    monkeypatch.setattr(candidates, "_search", search)
    assert run_rescore_job(application.id) == 1
    assert seen == [1]


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


def test_a_verdict_queues_the_submitters_other_open_applications(app, db):
    # The verdict moves the volunteer's track record, a feature of their submissions on every
    # other application; on the judged one its verdicts are left out of the feature.
    volunteer, other = make_user(), make_user()
    judged, elsewhere, closed, withdrawn, not_theirs = (
        make_application(), make_application(), make_application(status=CLOSED),
        make_application(), make_application())
    submission = make_submission(judged, volunteer)
    make_submission(elsewhere, volunteer)
    make_submission(closed, volunteer)
    make_submission(withdrawn, volunteer, status=WITHDRAWN)
    make_submission(not_theirs, other)
    db.session.flush()
    pending_jobs(db.session)["rescore"].clear()
    record_feedback(db.session, submission, make_user("examiner"), "used")
    assert pending_jobs(db.session)["rescore"] == {(judged.id,), (elsewhere.id,)}


def test_a_verdict_on_a_closed_application_keeps_the_scores_it_was_reviewed_with(app, db):
    # Examiners mostly judge after the window closed: rescoring it then would replace the
    # scores (and the order) of the review mid-way, which its page says are kept.
    volunteer = make_user()
    closed, elsewhere = make_application(status=CLOSED, days_left=-1), make_application()
    submission = make_submission(closed, volunteer)
    make_submission(elsewhere, volunteer)
    db.session.add(Score(submission_id=submission.id, score=0.5, rank=1, model_version="v-reviewed"))
    db.session.flush()
    pending_jobs(db.session)["rescore"].clear()
    record_feedback(db.session, submission, make_user("examiner"), "used")
    assert pending_jobs(db.session)["rescore"] == {(elsewhere.id,)}  # the submitter's open one
    db.session.commit()
    assert db.session.scalar(sa.select(Score.model_version).where(
        Score.submission_id == submission.id)) == "v-reviewed"


def test_a_handover_queues_the_open_applications_of_both_submitters(app, db):
    alice, dave = make_user(name="Alice"), make_user(name="Dave")
    application, alices, daves = make_application(), make_application(), make_application()
    submission = submit_prior_art(db.session, application, alice, data()).submission
    submit_prior_art(db.session, application, dave, data(explanation="Dave agrees."))
    make_submission(alices, alice)
    make_submission(daves, dave)
    db.session.flush()
    pending_jobs(db.session)["rescore"].clear()
    withdraw_submission(db.session, submission, alice)  # Dave, the endorser, takes it over
    assert submission.submitter_id == dave.id
    assert pending_jobs(db.session)["rescore"] == {(application.id,), (alices.id,), (daves.id,)}


SUBMISSION_SIGNALS = (submission_created, submission_withdrawn, submission_rated, vote_cast,
                      submission_changed)


def test_submission_signals_queue_the_rescoring_of_its_application(app, db):
    application = make_application()
    submission = make_submission(application, make_user())
    db.session.flush()
    for signal in SUBMISSION_SIGNALS:
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


# What volunteers and moderators do to a submission, each after what it needs done first.
CHANGES: dict[str, tuple[Callable | None, Callable]] = {
    "vote": (None, lambda s, r: cast_vote(s, r.submission, r.dave, 1)),
    "vote changed": (lambda s, r: cast_vote(s, r.submission, r.dave, 1),
                     lambda s, r: cast_vote(s, r.submission, r.dave, -1)),
    "vote removed": (lambda s, r: cast_vote(s, r.submission, r.dave, 1),
                     lambda s, r: remove_vote(s, r.submission, r.dave)),
    "claim marked": (None, lambda s, r: set_claim_mark(s, r.submission, r.dave, r.claim_id, True)),
    "submitted": (None, lambda s, r: submit_prior_art(s, r.application, r.dave, data(
        identifier="US 5,000,001", title="Pump", explanation="Dave: the pump."))),
    "endorsed": (None, lambda s, r: submit_prior_art(s, r.application, r.dave, data(
        explanation="Dave agrees."))),
    "edited": (None, lambda s, r: edit_submission(s, r.submission, r.alice, SubmissionDetails(
        title="Battery cooler", publication_date=dt.date(2012, 4, 3), pinpoint="col. 4",
        claim_numbers=[1], explanation="Discloses the coolant loop of claim 1."))),
    "withdrawn": (None, lambda s, r: withdraw_submission(s, r.submission, r.alice)),
    "handed over": (lambda s, r: submit_prior_art(s, r.application, r.dave, data(explanation="Dave agrees.")),
                    lambda s, r: withdraw_submission(s, r.submission, r.alice)),
    "hidden": (None, lambda s, r: hide_submission(s, r.submission, r.moderator)),
    "restored": (lambda s, r: hide_submission(s, r.submission, r.moderator),
                 lambda s, r: restore_submission(s, r.submission, r.moderator)),
}


@pytest.mark.parametrize("receiving", [True, False], ids=["ranking connected", "ranking disconnected"])
@pytest.mark.parametrize("change", list(CHANGES))
def test_every_change_to_a_submission_reaches_the_ranking_by_a_signal(app, db, change, receiving):
    """Each change queues its application's rescoring once, through the ranking's receiver alone."""
    application = make_application(priority_date=dt.date(2019, 6, 1))
    alice = make_user(name="Alice")
    review = SimpleNamespace(application=application, alice=alice, dave=make_user(name="Dave"),
                             moderator=make_user("admin"),
                             claim_id=application.document.claims[0].id,
                             submission=submit_prior_art(db.session, application, alice, data()).submission)
    before, act = CHANGES[change]
    if before:
        before(db.session, review)
    pending_jobs(db.session)["rescore"].clear()
    if not receiving:
        for signal in SUBMISSION_SIGNALS:
            signal.disconnect(rescore_submission_application)
        submitter_changed.disconnect(rescore_after_handover)
    try:
        act(db.session, review)
    finally:
        connect_receivers()
    assert pending_jobs(db.session)["rescore"] == ({(application.id,)} if receiving else set())
