"""Examiner services: queue, ranking by stored score, claim chart, feedback and reputation, the report."""
from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from reviewapp.applications.services import WindowError
from reviewapp.examiner import services as examiner_services
from reviewapp.examiner.claim_chart import claim_chart
from reviewapp.examiner.forwarding import close_and_freeze, close_due_windows, freeze_report, report_view, ReportError
from reviewapp.examiner.queue import queue_query
from reviewapp.examiner.review import ranked_query, review_items
from reviewapp.examiner.verdicts import FeedbackError, record_feedback
from reviewapp.models import (ClaimMark, ConflictDeclaration, Endorsement, Feedback, ForwardedReport, Submission, User,
                              Vote)
from reviewapp.models.base import utcnow
from tests.examiner.conftest import make_score
from tests.factories import make_application, make_submission, make_user


def numbers(db, stmt) -> list[str]:
    return [a.number for a in db.session.scalars(stmt)]


# --- the queue ----------------------------------------------------------------------------

def test_queue_lists_open_and_closed_never_pending(db):
    soon, late = make_application(days_left=3), make_application(days_left=50)
    closed = make_application(status="closed")
    closed.closes_at = utcnow() - dt.timedelta(days=5)
    make_application(status="pending")
    assert numbers(db, queue_query()) == [closed.number, soon.number, late.number]
    assert numbers(db, queue_query(window="open")) == [soon.number, late.number]
    assert numbers(db, queue_query(window="closed")) == [closed.number]
    assert numbers(db, queue_query(sort="closing-desc")) == [late.number, soon.number, closed.number]


def test_queue_puts_applications_still_needing_verdicts_first(db):
    volunteer, examiner = make_user(), make_user("examiner")
    judged, waiting, empty = (make_application(days_left=days) for days in (3, 30, 10))
    make_submission(waiting, volunteer)
    done = make_submission(judged, volunteer)
    record_feedback(db.session, done, examiner, "relevant", "")
    assert numbers(db, queue_query()) == [waiting.number, judged.number, empty.number]
    make_submission(judged, volunteer)  # a new one, not yet judged: back among the waiting
    assert numbers(db, queue_query()) == [judged.number, waiting.number, empty.number]
    assert numbers(db, queue_query(sort="closing")) == [judged.number, empty.number, waiting.number]


def test_queue_filters_by_class_prefix_and_minimum_submissions(db):
    volunteer = make_user()
    crypto = make_application(cpc=["H04L 9/32"])
    network = make_application(cpc=["H04L 12/40"], days_left=20)
    battery = make_application(cpc=["H01M 10/613"], days_left=10)
    for application, count in ((crypto, 1), (network, 3), (battery, 2)):
        for _ in range(count):
            make_submission(application, volunteer)
    withdrawn = make_submission(crypto, volunteer)
    withdrawn.status = "withdrawn"
    assert set(numbers(db, queue_query(cpc="H04L"))) == {crypto.number, network.number}
    assert numbers(db, queue_query(cpc="H04L 9/")) == [crypto.number]
    assert numbers(db, queue_query(min_submissions=2)) == [battery.number, network.number]
    assert numbers(db, queue_query(min_submissions=2, cpc="H04")) == [network.number]
    # Withdrawn items do not count.
    assert numbers(db, queue_query(min_submissions=2, cpc="H04L 9/")) == []
    assert numbers(db, queue_query(sort="most-submissions")) == [network.number, battery.number, crypto.number]
    assert numbers(db, queue_query(sort="fewest-submissions")) == [crypto.number, battery.number, network.number]


# --- ranking ------------------------------------------------------------------------------

def test_ranked_by_stored_rank_with_unscored_last_oldest_first(db):
    application, volunteer = make_application(), make_user()
    a, b, c, d, e = (make_submission(application, volunteer) for _ in range(5))
    make_score(a, 0.2, 3)
    make_score(b, 0.9, 1)
    make_score(d, 0.5, 2)
    hidden = make_submission(application, volunteer)
    make_score(hidden, 0.99, 1)
    hidden.status = "hidden"
    ranked = db.session.scalars(ranked_query(application)).all()
    assert ranked == [b, d, a, c, e]
    items = review_items(db.session, application, ranked, offset=0, top_n=2)
    assert [(i.position, i.forwarded) for i in items] == [(1, True), (2, True), (3, False), (4, False), (5, False)]
    assert items[3].score is None and items[0].score.score == 0.9


def test_items_carry_reasons_votes_conflicts_marks_and_verdicts(db):
    application = make_application()
    submitter, endorser, voters, examiner = make_user(), make_user(), [make_user() for _ in range(3)], make_user("examiner")
    item = make_submission(application, submitter, claim_numbers=(1, 2))
    make_score(item, 0.7, 1, explanation=[
        {"feature": "cpc", "effect": 0.4, "text": "shares the CPC main group H01M 10/"},
        {"feature": "date", "effect": -0.1, "text": "published long before the priority date"},
        "garbage", {"feature": "x"}])
    db.session.add(Endorsement(submission=item, user=endorser, explanation="Figure 3 too."))
    db.session.add_all([Vote(submission=item, user=voters[0], value=1), Vote(submission=item, user=voters[1], value=1),
                        Vote(submission=item, user=voters[2], value=-1)])
    db.session.add_all([
        ConflictDeclaration(user_id=submitter.id, application_id=application.id, has_conflict=True,
                            statement="I work for a competitor."),
        ConflictDeclaration(user_id=endorser.id, application_id=application.id, has_conflict=False),
    ])
    claim3 = application.document.claims[2]
    db.session.add(ClaimMark(submission=item, user_id=voters[0].id, claim=claim3))
    record_feedback(db.session, item, examiner, "relevant", "check col. 4")
    db.session.flush()
    [found] = review_items(db.session, application, [item], offset=0, top_n=10, examiner=examiner)
    assert [(r.positive, r.text) for r in found.reasons] == [
        (True, "shares the CPC main group H01M 10/"), (False, "published long before the priority date")]
    assert (found.up, found.down, found.net) == (2, 1, 1)
    assert found.conflicts == {submitter.id: "I work for a competitor."}
    assert found.marks == {3: 1}
    assert found.mine.verdict == "relevant" and found.mine.note == "check col. 4"


# --- the claim chart ----------------------------------------------------------------------

def test_claim_chart_orders_independent_claims_first_and_flags_claims_without_art(db):
    application = make_application(claims=[
        (1, "A method.", []), (2, "The method of claim 1.", [1]), (3, "A system.", []),
        (4, "The system of claim 3.", [3]), (5, "The method of claim 2.", [2])])
    volunteer, marker = make_user(), make_user()
    first = make_submission(application, volunteer, claim_numbers=(1, 2))
    second = make_submission(application, volunteer, claim_numbers=(1,))
    claim4 = next(c for c in application.document.claims if c.number == 4)
    db.session.add(ClaimMark(submission=second, user_id=marker.id, claim=claim4))
    withdrawn = make_submission(application, volunteer, claim_numbers=(3,))
    withdrawn.status = "withdrawn"
    db.session.flush()
    chart = claim_chart(db.session, application, [first, second])
    assert [row.claim.number for row in chart.rows] == [1, 3, 2, 4, 5]
    cells = {row.claim.number: [(c.targeted, c.marks) for c in row.cells] for row in chart.rows}
    assert cells[1] == [(True, 0), (True, 0)]
    assert cells[2] == [(True, 0), (False, 0)]
    assert cells[4] == [(False, 0), (False, 1)]
    counts = {row.claim.number: row.count for row in chart.rows}
    assert counts == {1: 2, 2: 1, 3: 0, 4: 1, 5: 0}
    assert chart.uncovered == [3, 5] and chart.total == 2


# --- feedback and reputation --------------------------------------------------------------

def test_feedback_updates_reputation_at_once_and_a_changed_verdict_counts_once(db, rescores):
    application, submitter, examiner = make_application(), make_user(), make_user("examiner")
    first, second = make_submission(application, submitter), make_submission(application, submitter)
    record_feedback(db.session, first, examiner, "used")
    assert (submitter.verdicts_total, submitter.verdicts_positive) == (1, 1)
    assert submitter.reputation == pytest.approx(2 / 3)
    record_feedback(db.session, first, examiner, "not_relevant", "seen it")  # changed: no double count
    assert (submitter.verdicts_total, submitter.verdicts_positive) == (1, 0)
    assert submitter.reputation == pytest.approx(1 / 3)
    record_feedback(db.session, first, examiner, "not_relevant", "same verdict, new note")
    assert (submitter.verdicts_total, submitter.verdicts_positive) == (1, 0)
    record_feedback(db.session, second, examiner, "relevant")
    assert (submitter.verdicts_total, submitter.verdicts_positive) == (2, 1)
    assert submitter.reputation == pytest.approx(2 / 4)
    rows = db.session.scalars(select(Feedback).where(Feedback.submission_id == first.id)).all()
    assert [(f.verdict, f.note) for f in rows] == [("not_relevant", "same verdict, new note")]
    # The count is in the database, not only on the object.
    db.session.expire_all()
    stored = db.session.get(User, submitter.id)
    assert (stored.verdicts_total, stored.verdicts_positive) == (2, 1)


def test_simultaneous_changes_of_one_verdict_leave_the_counters_equal_to_the_feedback(app, db, rescores):
    """Two connections change one verdict at once (a double click): the counters say what the rows say."""
    application, submitter, examiner = make_application(), make_user(), make_user("examiner")
    items = [make_submission(application, submitter) for _ in range(3)]
    for item in items:
        record_feedback(db.session, item, examiner, "known")
    db.session.commit()  # the other connections must see the rows
    assert (submitter.verdicts_total, submitter.verdicts_positive) == (3, 0)
    item_id, examiner_id, engine = items[0].id, examiner.id, db.engine
    barrier = threading.Barrier(2, timeout=20)
    errors: list[BaseException] = []

    def change_now() -> None:
        with Session(engine) as session:
            waited = []

            @event.listens_for(session, "before_flush")
            def write_together(*_args) -> None:
                # Both have read the old verdict ("known"): now both write "used".
                if not waited:
                    waited.append(True)
                    barrier.wait()

            try:
                record_feedback(session, session.get(Submission, item_id), session.get(User, examiner_id), "used")
                session.commit()
            except BaseException as error:  # reported by the assertions below
                errors.append(error)
                session.rollback()

    threads = [threading.Thread(target=change_now) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    db.session.expire_all()
    stored = db.session.get(User, submitter.id)
    assert (stored.verdicts_total, stored.verdicts_positive) == (3, 1)  # not 3 total / 2 positive
    assert stored.reputation == pytest.approx(2 / 5)


def test_two_examiners_each_count(db, rescores):
    application, submitter = make_application(), make_user()
    item = make_submission(application, submitter)
    record_feedback(db.session, item, make_user("examiner"), "used")
    record_feedback(db.session, item, make_user("admin"), "known")
    assert (submitter.verdicts_total, submitter.verdicts_positive) == (2, 1)


def test_rescore_is_enqueued_only_after_commit(db, rescores):
    application, examiner = make_application(), make_user("examiner")
    item = make_submission(application, make_user())
    db.session.commit()
    record_feedback(db.session, item, examiner, "relevant")
    assert rescores == []
    db.session.rollback()
    db.session.commit()
    assert rescores == []  # rolled back: nothing to rescore
    record_feedback(db.session, item, examiner, "relevant")
    db.session.commit()
    assert rescores == [application.id]


@pytest.mark.parametrize("verdict, note, field", [("maybe", "", "verdict"), ("used", "x" * 2001, "note")])
def test_bad_feedback_is_refused_with_the_field(db, verdict, note, field):
    application = make_application()
    item = make_submission(application, make_user())
    with pytest.raises(FeedbackError) as error:
        record_feedback(db.session, item, make_user("examiner"), verdict, note)
    assert error.value.field == field


def test_feedback_refused_on_own_or_withdrawn_items_and_from_volunteers(db):
    application, examiner = make_application(), make_user("examiner")
    own = make_submission(application, examiner)
    withdrawn = make_submission(application, make_user())
    withdrawn.status = "withdrawn"
    for submission, judge in ((own, examiner), (withdrawn, examiner), (make_submission(application, make_user()), make_user())):
        with pytest.raises(FeedbackError):
            record_feedback(db.session, submission, judge, "used")
    assert db.session.scalar(select(func.count(Feedback.id))) == 0


# --- the forwarded report -----------------------------------------------------------------

def test_freeze_copies_the_top_n_and_is_idempotent(db, monkeypatch):
    # The stored scores stand as they are (freezing rescores first: see the test below).
    monkeypatch.setattr(examiner_services, "rescore_application", lambda session, application_id: 0)
    application, volunteer = make_application(), make_user()
    items = [make_submission(application, volunteer, title=f"Doc {i}") for i in range(12)]
    for rank, submission in enumerate(reversed(items), 1):
        make_score(submission, 1 - rank / 100, rank)
    with pytest.raises(ReportError):
        freeze_report(db.session, application, top_n=10)  # still open
    close_and_freeze(db.session, application, top_n=10)
    report = db.session.scalar(select(ForwardedReport))
    assert [i["title"] for i in report.items] == [f"Doc {i}" for i in range(11, 1, -1)]
    assert [i["rank"] for i in report.items] == list(range(1, 11))
    assert report.model_version == "v7"
    first = report.items[0]
    assert first["submission_id"] == items[11].id and first["claims"] == [1] and first["score"] == pytest.approx(0.99)
    # Later votes, edits and rescoring change nothing frozen.
    items[0].title = "Edited"
    db.session.add(Vote(submission=items[0], user=make_user(), value=1))
    items[11].explanation = "Changed afterwards."
    db.session.flush()
    again = freeze_report(db.session, application)
    assert again.id == report.id and again.items[0]["description"] == "Shows the coolant loop of claim 1."
    assert db.session.scalar(select(func.count(ForwardedReport.id))) == 1
    with pytest.raises(WindowError):
        close_and_freeze(db.session, application)


def test_freezing_rescores_first_when_the_rescoring_job_is_still_queued(db, rescores):
    """A window closing before its rescoring job ran freezes the current ranking, not the stale one."""
    from reviewapp.ranking.scores import rescore_application

    application = make_application()
    first, second = make_submission(application, make_user(), title="First"), make_submission(
        application, make_user(), title="Second")
    rescore_application(db.session, application.id)
    db.session.flush()
    assert [i["title"] for i in report_view(db.session, application).items][0] == "First"
    for _ in range(4):  # the community backs the second: its rescoring job is queued, not run
        db.session.add(Vote(submission=second, user=make_user(), value=1))
    db.session.add(Vote(submission=first, user=make_user(), value=-1))
    db.session.flush()
    assert [i["title"] for i in report_view(db.session, application).items] == ["First", "Second"]  # stale
    close_and_freeze(db.session, application)
    report = db.session.scalar(select(ForwardedReport))
    assert [i["title"] for i in report.items] == ["Second", "First"]
    assert report.model_version == "heuristic"


def test_close_due_windows_closes_at_the_due_time_and_freezes(db):
    now = utcnow()
    due, later = make_application(days_left=1), make_application(days_left=30)
    make_submission(due, make_user())
    closed = close_due_windows(db.session, now + dt.timedelta(days=2))
    assert closed == [due]
    assert due.status == "closed" and later.status == "open"
    assert abs(due.closes_at.replace(tzinfo=dt.timezone.utc) - (now + dt.timedelta(days=1))) < dt.timedelta(minutes=1)
    assert len(report_view(db.session, due).items) == 1 and report_view(db.session, due).frozen
    assert close_due_windows(db.session, now + dt.timedelta(days=2)) == []


def test_report_view_previews_an_open_window(db):
    application = make_application()
    make_submission(application, make_user(), explanation="y" * 1500)
    view = report_view(db.session, application)
    assert not view.frozen and len(view.items) == 1
    assert len(view.items[0]["description"]) <= 1000 and view.items[0]["description"].endswith("\u2026")


def test_reasons_about_missing_values_carry_no_sign():
    from types import SimpleNamespace

    from reviewapp.examiner.review import reasons
    score = SimpleNamespace(explanation=[
        {"feature": "sim_best_claim", "effect": 0.8, "text": "claim 1 text similarity 0.61 (high)"},
        {"feature": "ipc_subclass", "effect": 0.3, "text": "CPC/IPC subclass of the candidate unknown"},
        {"feature": "track_record", "effect": -0.1, "text": "submitter has no examiner verdicts yet"},
        {"feature": "days", "effect": -0.2, "text": "published 2 years before priority"},
    ])
    assert [(r.text.split()[0], r.positive, r.known) for r in reasons(score)] == [
        ("claim", True, True), ("CPC/IPC", True, False), ("submitter", False, False), ("published", False, True)]
