"""Admin services: roles, bans, review windows and the audit log."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from reviewapp.admin.services import (
    admin_applications_query,
    audit_labels,
    audit_query,
    change_role,
    close_review,
    dashboard_counts,
    open_review,
    users_query,
    window_statuses,
)
from reviewapp.api.services import create_token
from reviewapp.applications.services import WindowError
from reviewapp.auth.services import AccountError, ban_user
from reviewapp.examiner.report import get_report, stored_report
from reviewapp.models import Application, AuditEntry, User
from reviewapp.models.application import as_utc
from reviewapp.models.base import utcnow
from tests.conftest import second_waits_for_first
from tests.factories import make_application, make_submission, make_user


def audit(db) -> list[tuple]:
    return [(e.actor_id, e.action, e.target_type, e.target_id, e.detail)
            for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def test_change_role_is_recorded(db):
    admin, user = make_user("admin"), make_user()
    change_role(db.session, admin, user, "examiner")
    assert user.role == "examiner"
    assert audit(db) == [(admin.id, "grant-role", "user", user.id, {"role": "examiner", "previous": "volunteer"})]


def test_change_role_refuses_the_last_admin_and_records_nothing(db):
    admin = make_user("admin")
    with pytest.raises(AccountError, match="last administrator"):
        change_role(db.session, admin, admin, "volunteer")
    assert admin.role == "admin" and audit(db) == []


def test_change_role_to_the_same_role_is_refused(db):
    admin, user = make_user("admin"), make_user()
    with pytest.raises(AccountError, match="already volunteer"):
        change_role(db.session, admin, user, "volunteer")


def test_users_query_searches_email_and_name_and_escapes_wildcards(db):
    ada = make_user(email="ada@example.org", name="Countess")
    bob = make_user(email="bob@example.org", name="Bob 100%")
    assert db.session.scalars(users_query("ADA")).all() == [ada]
    assert db.session.scalars(users_query("countess")).all() == [ada]
    assert db.session.scalars(users_query("100%")).all() == [bob]
    assert db.session.scalars(users_query("%")).all() == [bob]
    assert db.session.scalars(users_query("_")).all() == []
    assert db.session.scalars(users_query("")).all() == [ada, bob]


@pytest.mark.parametrize("typed", ["Élodie", "élodie", "ÉLODIE", "dupont"])
def test_users_query_finds_names_whatever_the_case_of_their_accented_letters(db, typed):
    elodie = make_user(email="e.dupont@example.org", name="Élodie Dupont")
    make_user(email="other@example.org", name="Someone Else")
    assert db.session.scalars(users_query(typed)).all() == [elodie]


def test_open_and_close_review_are_recorded(db):
    admin = make_user("admin")
    application = make_application(status="pending")
    open_review(db.session, admin, application, 30)
    assert application.status == "open"
    assert as_utc(application.closes_at) - as_utc(application.opens_at) == dt.timedelta(days=30)
    close_review(db.session, admin, application)
    assert application.status == "closed"
    entries = audit(db)
    assert [(e[1], e[2], e[3]) for e in entries] == [
        ("open-window", "application", application.id), ("close-window", "application", application.id)]
    assert entries[0][4]["days"] == 30 and entries[0][4]["previous"] == "pending"


def test_refused_window_changes_record_nothing(db):
    admin = make_user("admin")
    application = make_application(status="pending")
    with pytest.raises(WindowError):
        open_review(db.session, admin, application, 0)
    with pytest.raises(WindowError, match="not open"):
        close_review(db.session, admin, application)
    assert application.status == "pending" and audit(db) == []


def test_admin_applications_query_filters_by_status(db):
    pending = make_application(status="pending")
    opened = make_application()
    assert db.session.scalars(admin_applications_query("pending")).all() == [pending]
    assert set(db.session.scalars(admin_applications_query("")).all()) == {pending, opened}


def test_audit_query_is_newest_first_and_labels_name_things(db):
    admin, user = make_user("admin", name="Boss"), make_user(email="x@example.org")
    application = make_application(status="pending")
    ban_user(db.session, admin, user)
    open_review(db.session, admin, application, 10)
    entries = db.session.scalars(audit_query()).all()
    assert [e.action for e in entries] == ["open-window", "ban"]
    assert [e.action for e in db.session.scalars(audit_query("ban"))] == ["ban"]
    labels = audit_labels(db.session, entries)
    assert labels[("user", admin.id)] == f"Boss <{admin.email}>"
    assert labels[("user", user.id)].endswith("<x@example.org>")
    assert labels[("application", application.id)] == application.number


def test_dashboard_counts(db):
    make_user("admin")
    make_user(banned_at=utcnow())
    make_application()
    make_application(status="pending")
    counts = dashboard_counts(db.session)
    assert (counts.users, counts.banned, counts.open_applications, counts.pending_applications) == (2, 1, 1, 1)


def test_users_query_finds_a_decomposed_spelling_of_a_stored_email_or_name(db):
    zoe = make_user(email="zo\u00eb@example.org", name="Zo\u00eb")
    make_user(email="zoe@example.org", name="Zoe")
    assert db.session.scalars(users_query("ZOE\u0308@")).all() == [zoe]
    assert db.session.scalars(users_query("zoe\u0308")).all() == [zoe]


def test_accounts_made_on_the_command_line_follow_the_email_and_display_name_rules(app, db, runner):
    created = runner.invoke(args=["user", "create", "Ed@XN--EXMPLE-CUA.COM", "--name", " Ed\u200b",
                                  "--password", "a long enough password"])
    assert created.exit_code == 0, created.output
    assert "Created ed@ex\u00e4mple.com (volunteer)." in created.output
    changed = runner.invoke(args=["user", "role", "ed@exa\u0308mple.com", "examiner"])
    assert changed.exit_code == 0, changed.output
    invisible = runner.invoke(args=["user", "create", "zed@example.org", "--name", "\u200b\u200b",
                                    "--password", "a long enough password"])
    assert invisible.exit_code == 1 and "would show as nothing" in invisible.output
    blank = runner.invoke(args=["user", "create", "zed@example.org", "--password", " " * 12])
    assert blank.exit_code == 1 and "cannot be only spaces" in blank.output
    for bad in ("", "   ", "notanemail", "two@@example.org", "ann@"):
        refused = runner.invoke(args=["user", "create", bad, "--name", "Ann", "--role", "admin",
                                      "--password", "a long enough password"])
        assert refused.exit_code == 1 and "Enter a valid email address." in refused.output, bad
    db.session.rollback()
    assert db.session.scalar(select(User).where(User.display_name == "Ann")) is None
    ed = db.session.scalar(select(User).where(User.email == "ed@ex\u00e4mple.com"))
    assert (ed.display_name, ed.role) == ("Ed", "examiner")
    assert db.session.scalar(select(User).where(User.email == "zed@example.org")) is None


def test_a_demotion_suspends_api_tokens_and_a_promotion_back_restores_them(app, db, client):
    """As documented (README, JSON API): 403 while not an examiner; not revoked, unlike a ban."""
    admin, examiner = make_user("admin"), make_user("examiner")
    _row, secret = create_token(db.session, examiner, "script")
    db.session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    change_role(db.session, admin, examiner, "volunteer")
    db.session.commit()
    assert client.get("/api/v1/applications", headers=headers).status_code == 403
    change_role(db.session, admin, examiner, "examiner")
    db.session.commit()
    assert client.get("/api/v1/applications", headers=headers).status_code == 200


def test_role_changes_and_accounts_made_on_the_command_line_are_audited(app, db, runner):
    admin = make_user("admin")
    db.session.commit()
    created = runner.invoke(args=["user", "create", "ed@example.test", "--role", "examiner",
                                  "--password", "a long enough password"])
    assert created.exit_code == 0, created.output
    changed = runner.invoke(args=["user", "role", "ed@example.test", "admin"])
    assert changed.exit_code == 0 and "ed@example.test is now admin." in changed.output
    again = runner.invoke(args=["user", "role", "ed@example.test", "admin"])
    assert again.exit_code == 1 and "is already admin" in again.output
    db.session.rollback()
    ed = db.session.scalar(select(User).where(User.email == "ed@example.test"))
    assert audit(db) == [(None, "create-account", "user", ed.id, {"role": "examiner"}),
                         (None, "grant-role", "user", ed.id, {"role": "admin", "previous": "examiner"})]
    assert admin.is_admin


def test_open_review_refuses_a_window_open_now_and_records_nothing(db):
    admin = make_user("admin")
    application = make_application(days_left=60)
    opens, closes = as_utc(application.opens_at), as_utc(application.closes_at)
    with pytest.raises(WindowError, match="already open"):
        open_review(db.session, admin, application, 1)
    assert (as_utc(application.opens_at), as_utc(application.closes_at)) == (opens, closes)
    assert audit(db) == []


def test_reopening_a_window_past_its_end_closes_it_when_due_and_freezes_its_report_first(db, monkeypatch):
    monkeypatch.setattr("reviewapp.ranking.jobs.rescore_application", lambda session, application_id: 0)
    admin = make_user("admin")
    application = make_application(days_left=-2)  # still stored "open": close-due has not run
    make_submission(application, make_user(), title="Found in time")
    due = as_utc(application.closes_at)
    open_review(db.session, admin, application, 10)
    assert application.is_open()
    assert as_utc(application.closes_at) - as_utc(application.opens_at) == dt.timedelta(days=10)
    report = stored_report(db.session, application)  # the ended window's, frozen at its end
    assert report is not None and [item["title"] for item in report.items] == ["Found in time"]
    assert get_report(db.session, application) is None  # as after any reopening: not in force
    assert audit(db)[0][4]["previous"] == "closed"
    close_review(db.session, admin, application)
    assert application.status == "closed" and as_utc(application.closes_at) > due
    assert get_report(db.session, application) is report  # frozen again at the new closing


def test_closing_a_window_past_its_end_records_when_it_was_due(db):
    admin = make_user("admin")
    application = make_application(days_left=-2)
    due = as_utc(application.closes_at)
    close_review(db.session, admin, application)
    assert application.status == "closed" and as_utc(application.closes_at) == due
    assert audit(db)[0][4] == {"closes_at": application.closes_at.isoformat()}


def test_window_counts_and_filter_use_the_status_in_force(db):
    running = make_application(days_left=30)
    closing = make_application(days_left=3)
    ended = make_application(days_left=-1)  # still stored "open": close-due has not run
    scheduled = make_application(days_left=200)  # stored "open", opening in the future
    counts = dashboard_counts(db.session)
    assert (counts.open_applications, counts.closing_this_week, counts.pending_applications) == (2, 1, 1)
    assert set(db.session.scalars(admin_applications_query("open"))) == {running, closing}
    assert db.session.scalars(admin_applications_query("closed")).all() == [ended]
    assert db.session.scalars(admin_applications_query("pending")).all() == [scheduled]
    assert window_statuses([running, ended, scheduled]) == {
        running.id: "open", ended.id: "closed", scheduled.id: "pending"}


def test_an_opening_at_the_same_moment_waits_then_is_refused(app, db):
    """Two administrators (or a double click) open one window at once: only the first opens it."""
    admin, application = make_user("admin"), make_application(status="pending")
    db.session.commit()
    ids = (admin.id, application.id)
    with Session(db.engine) as one, Session(db.engine) as two:
        seen = two.get(Application, ids[1])
        assert seen.status == "pending"  # the second administrator's page
        open_review(one, one.get(User, ids[0]), one.get(Application, ids[1]), 30)
        errors = second_waits_for_first(
            app, one, two, lambda: open_review(two, two.get(User, ids[0]), seen, 1))
    assert [type(error) for error in errors] == [WindowError] and "already open" in str(errors[0])
    db.session.expire_all()
    opened = db.session.get(Application, ids[1])
    assert as_utc(opened.closes_at) - as_utc(opened.opens_at) == dt.timedelta(days=30)
    assert [entry[1] for entry in audit(db)] == ["open-window"]
