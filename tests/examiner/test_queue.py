"""The examiner's queue: open and closed applications, filtered and sorted."""
from __future__ import annotations

import datetime as dt

from reviewapp.examiner.queue import queue_query
from reviewapp.examiner.verdicts import record_feedback
from reviewapp.models.base import utcnow
from tests.factories import make_application, make_submission, make_user


def numbers(db, stmt) -> list[str]:
    return [a.number for a in db.session.scalars(stmt)]


def test_queue_lists_open_and_closed_never_pending(db):
    soon, late = make_application(days_left=3), make_application(days_left=50)
    closed = make_application(status="closed")
    closed.closes_at = utcnow() - dt.timedelta(days=5)
    make_application(status="pending")
    assert numbers(db, queue_query()) == [closed.number, soon.number, late.number]
    assert numbers(db, queue_query(window="open")) == [soon.number, late.number]
    assert numbers(db, queue_query(window="closed")) == [closed.number]
    assert numbers(db, queue_query(sort="closing-desc")) == [late.number, soon.number, closed.number]


def test_a_window_past_its_end_is_closed_before_the_closing_job_runs(db):
    due = make_application(days_left=3)
    due.closes_at = utcnow() - dt.timedelta(days=2)  # `windows close-due` has not run yet
    running = make_application(days_left=5)
    assert numbers(db, queue_query(window="closed")) == [due.number]
    assert numbers(db, queue_query(window="open")) == [running.number]
    assert due.window_status() == "closed"  # what the queue and the ranked page print


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
