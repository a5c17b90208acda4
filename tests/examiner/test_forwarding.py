"""The forwarded report: frozen at closing (rescored first), idempotent, previewed while open."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from reviewapp.applications.services import WindowError, open_window
from reviewapp.examiner.forwarding import (
    ReportError,
    close_and_freeze,
    close_due_windows,
    freeze_closed_report,
    freeze_report,
    report_view,
)
from reviewapp.examiner.queue import frozen_report_ids
from reviewapp.examiner.report import get_report
from reviewapp.models import (
    Application,
    ForwardedReport,
    Vote,
)
from reviewapp.models.base import utcnow
from tests.examiner.conftest import make_score
from tests.factories import make_application, make_submission, make_user


def test_freeze_copies_the_top_n_and_is_idempotent(db, monkeypatch):
    # The stored scores stand as they are (freezing rescores first: see the test below).
    monkeypatch.setattr("reviewapp.ranking.jobs.rescore_application", lambda session, application_id: 0)
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
    assert next(i["title"] for i in report_view(db.session, application).items) == "First"
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
    result = close_due_windows(db.session, now + dt.timedelta(days=2))
    assert result.closed == [due] and result.failed == []
    assert due.status == "closed" and later.status == "open"
    assert abs(due.closes_at.replace(tzinfo=dt.UTC) - (now + dt.timedelta(days=1))) < dt.timedelta(minutes=1)
    assert len(report_view(db.session, due).items) == 1 and report_view(db.session, due).frozen
    assert close_due_windows(db.session, now + dt.timedelta(days=2)).closed == []


def test_a_window_that_fails_to_close_stays_open_and_the_others_close(app, db, runner, monkeypatch):
    broken, fine = make_application(days_left=1), make_application(days_left=1)
    for application in (broken, fine):
        make_submission(application, make_user())
    broken_id, numbers = broken.id, (broken.number, fine.number)
    real_freeze = freeze_report

    def freeze(session, application, top_n=None):
        if application.id == broken_id:
            raise RuntimeError("ranker unavailable")
        return real_freeze(session, application, top_n)

    monkeypatch.setattr("reviewapp.examiner.forwarding.freeze_report", freeze)
    db.session.commit()
    monkeypatch.setattr("reviewapp.examiner.forwarding.utcnow",
                        lambda: utcnow() + dt.timedelta(days=2))

    result = runner.invoke(args=["windows", "close-due"])

    assert result.exit_code == 1
    assert f"Closed 1 window(s): {numbers[1]}" in result.output
    assert f"Could not close 1 (they stay open; tried again next run, see the log): {numbers[0]} (RuntimeError: ranker unavailable)" in result.output
    db.session.rollback()
    statuses = {a.number: a.status for a in db.session.scalars(select(Application))}
    assert statuses == {numbers[0]: "open", numbers[1]: "closed"}  # the broken one's close was undone
    assert db.session.scalar(select(func.count(ForwardedReport.id))) == 1


def test_a_window_reopened_after_its_report_froze_forwards_a_new_one_when_it_closes(db, monkeypatch):
    monkeypatch.setattr("reviewapp.ranking.jobs.rescore_application", lambda session, application_id: 0)
    application, volunteer = make_application(), make_user()
    make_submission(application, volunteer, title="First find")
    first = close_and_freeze(db.session, application)
    assert [item["title"] for item in first.items] == ["First find"]
    frozen_at = first.frozen_at
    assert freeze_report(db.session, application) is first  # closed, not reopened: the same report

    open_window(db.session, application, days=5)
    make_submission(application, make_user(), title="Found after reopening")
    second = close_and_freeze(db.session, application)

    assert second.id == first.id and db.session.scalar(select(func.count(ForwardedReport.id))) == 1
    assert sorted(item["title"] for item in second.items) == ["First find", "Found after reopening"]
    assert second.frozen_at > frozen_at


def test_report_view_previews_an_open_window(db):
    application = make_application()
    make_submission(application, make_user(), explanation="y" * 1500)
    view = report_view(db.session, application)
    assert not view.frozen and len(view.items) == 1
    assert len(view.items[0]["description"]) <= 1000 and view.items[0]["description"].endswith("\u2026")


def test_closing_a_window_sends_window_closed_with_the_frozen_report(db):
    from reviewapp.signals import window_closed

    application = make_application()
    make_submission(application, make_user())
    heard: list[tuple] = []

    def listen(sender, **extra) -> None:
        heard.append((sender, extra["report"], extra["session"]))

    with window_closed.connected_to(listen):
        report = close_and_freeze(db.session, application)
        freeze_report(db.session, application)  # the report again: no second closing
    assert heard == [(application, report, db.session)]


def test_a_report_its_reopened_window_replaced_is_no_longer_the_one_in_force(db, monkeypatch):
    monkeypatch.setattr("reviewapp.ranking.jobs.rescore_application", lambda session, application_id: 0)
    application, other = make_application(), make_application()
    make_submission(application, make_user(), title="First find")
    close_and_freeze(db.session, application)
    close_and_freeze(db.session, other)
    ids = [application.id, other.id]
    assert get_report(db.session, application) is not None
    assert frozen_report_ids(db.session, ids) == set(ids)

    open_window(db.session, application, days=5)
    make_submission(application, make_user(), title="Found after reopening")
    # The ranked page, the queue and the report all treat the window as under review again.
    assert get_report(db.session, application) is None
    assert frozen_report_ids(db.session, ids) == {other.id}
    view = report_view(db.session, application)
    assert not view.frozen
    assert sorted(item["title"] for item in view.items) == ["First find", "Found after reopening"]


def test_items_hidden_after_the_freeze_are_left_out_but_for_moderators(db, monkeypatch):
    monkeypatch.setattr("reviewapp.ranking.jobs.rescore_application", lambda session, application_id: 0)
    application, volunteer = make_application(), make_user()
    kept = make_submission(application, volunteer, title="Kept")
    spam = make_submission(application, volunteer, title="Spam")
    report = close_and_freeze(db.session, application)
    spam.status = "hidden"
    db.session.flush()
    for viewer in (None, make_user(), make_user("examiner")):
        assert [item["title"] for item in report_view(db.session, application, viewer).items] == [
            "Kept"]
    moderator_view = report_view(db.session, application, make_user("admin"))
    assert sorted(item["title"] for item in moderator_view.items) == ["Kept", "Spam"]
    assert len(report.items) == 2 and kept.status == "active"  # the frozen copy keeps both


def test_freezing_a_window_past_its_end_closes_it_when_it_was_due(db):
    application = make_application()
    make_submission(application, make_user(), title="Late find")
    due = utcnow() - dt.timedelta(days=2)
    application.closes_at = due
    db.session.flush()
    with pytest.raises(ReportError, match="when the review window closes"):
        freeze_report(db.session, application)  # the bare freeze still wants a closed window
    report = freeze_closed_report(db.session, application)
    assert application.status == "closed" and abs(application.closes_at - due) < dt.timedelta(seconds=1)
    assert [item["title"] for item in report.items] == ["Late find"]
    with pytest.raises(ReportError, match="when the review window closes"):
        freeze_closed_report(db.session, make_application())  # one still open is refused
