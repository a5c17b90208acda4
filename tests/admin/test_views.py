"""Admin pages: access, users and roles, bans, review windows, the audit log."""
from __future__ import annotations

from html import unescape

import pytest
from sqlalchemy import select

from reviewapp.models import Application, AuditEntry, User
from tests.factories import make_application, make_user

PAGES = ["/admin/", "/admin/users", "/admin/applications", "/admin/audit"]


def page(response) -> str:
    return unescape(response.get_data(as_text=True))


def actions(db) -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


@pytest.fixture
def admin(auth, db):
    """Log the client in as an administrator."""
    user = make_user("admin", name="Boss")
    db.session.commit()
    auth.login(user)
    return user


@pytest.mark.parametrize("role", ["volunteer", "examiner"])
@pytest.mark.parametrize("url", PAGES)
def test_admin_pages_are_forbidden_to_others(client, auth, db, role, url):
    auth.login(make_user(role))
    db.session.commit()
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_users_are_sent_to_log_in(client, url):
    response = client.get(url)
    assert response.status_code == 302 and response.location.startswith("/auth/login?next=")


def test_an_anonymous_post_is_sent_to_log_in_then_back_to_its_page(client):
    response = client.post("/admin/users/1/ban",
                           headers={"Referer": "http://localhost.test/admin/users"})
    assert response.status_code == 302 and response.location == "/auth/login?next=%2Fadmin%2Fusers"


def test_non_admin_cannot_post_a_role_change(client, auth, db):
    examiner, target = make_user("examiner"), make_user()
    db.session.commit()
    auth.login(examiner)
    assert client.post(f"/admin/users/{target.id}/role", data={"role": "admin"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(User, target.id).role == "volunteer"


@pytest.mark.parametrize("url", PAGES)
def test_admin_pages_render(client, admin, url):
    assert client.get(url).status_code == 200


def test_dashboard_links_to_everything(client, admin):
    text = page(client.get("/admin/"))
    for url in ("/admin/users", "/admin/applications", "/admin/audit"):
        assert f'href="{url}"' in text


def test_users_list_searches_and_paginates(app, client, admin, db):
    app.config["ITEMS_PER_PAGE"] = 2
    for n in range(3):
        make_user(email=f"reviewer{n}@example.org")
    make_user(email="someone@example.org", name="Ada Lovelace")
    db.session.commit()
    text = page(client.get("/admin/users", query_string={"q": "lovelace"}))
    assert "someone@example.org" in text and "reviewer0@" not in text
    first = page(client.get("/admin/users"))
    assert "page 1 of 3" in first and "reviewer1@" not in first
    assert "reviewer1@" in page(client.get("/admin/users", query_string={"page": 2}))


def test_role_change_is_applied_and_recorded(client, admin, db):
    user = make_user()
    db.session.commit()
    question = client.post(f"/admin/users/{user.id}/role", query_string={"q": "x", "page": 1},
                           data={"role": "examiner"})
    text = page(question)
    assert question.status_code == 200 and f"Make {user.display_name} examiner?" in text
    assert f'action="/admin/users/{user.id}/role?q=x&page=1"' in text
    assert 'name="role" value="examiner"' in text and 'href="/admin/users?q=x&page=1"' in text  # cancel
    db.session.expire_all()
    assert db.session.get(User, user.id).role == "volunteer" and actions(db) == []
    response = client.post(f"/admin/users/{user.id}/role", query_string={"q": "x", "page": 1},
                           data={"role": "examiner", "confirm": "yes"})
    assert response.status_code == 302 and response.location == "/admin/users?q=x&page=1"
    db.session.expire_all()
    assert db.session.get(User, user.id).role == "examiner"
    entry = db.session.scalar(select(AuditEntry))
    assert (entry.actor_id, entry.action, entry.target_id) == (admin.id, "grant-role", user.id)
    assert f"{user.email} is now examiner." in page(client.get("/admin/users"))
    text = page(client.get("/admin/audit"))
    assert "grant-role" in text and user.email in text and "Boss" in text


def test_the_last_admin_cannot_step_down(client, admin, db):
    response = client.post(f"/admin/users/{admin.id}/role", data={"role": "volunteer", "confirm": "yes"},
                           follow_redirects=True)
    assert "last administrator" in page(response)
    db.session.expire_all()
    assert db.session.get(User, admin.id).role == "admin"
    assert actions(db) == []


def test_an_unknown_role_is_refused(client, admin, db):
    user = make_user()
    db.session.commit()
    response = client.post(f"/admin/users/{user.id}/role", data={"role": "emperor"}, follow_redirects=True)
    assert "Choose one of the roles" in page(response)
    db.session.expire_all()
    assert db.session.get(User, user.id).role == "volunteer"


def test_ban_and_unban(client, admin, db):
    user = make_user()
    db.session.commit()
    question = page(client.get(f"/admin/users/{user.id}/ban"))
    assert f"Ban {user.display_name}?" in question and 'id="confirm-reason"' in question
    kept = page(client.post(f"/admin/users/{user.id}/ban", data={"reason": "spam links"}))
    assert 'value="spam links"' in kept  # the reason typed on the list goes on to the question
    db.session.expire_all()
    assert db.session.get(User, user.id).banned_at is None
    response = client.post(f"/admin/users/{user.id}/ban", data={"reason": "spam links", "confirm": "yes"},
                           follow_redirects=True)
    assert f"{user.email} is banned." in page(response)
    db.session.expire_all()
    assert db.session.get(User, user.id).banned_at is not None
    assert "Unban" in page(client.get("/admin/users"))
    client.post(f"/admin/users/{user.id}/unban")
    db.session.expire_all()
    assert db.session.get(User, user.id).banned_at is None
    assert actions(db) == ["ban", "unban"]
    assert "spam links" in page(client.get("/admin/audit"))


def test_an_admin_cannot_ban_themselves(client, admin, db):
    response = client.post(f"/admin/users/{admin.id}/ban", data={"confirm": "yes"}, follow_redirects=True)
    assert "You cannot ban yourself." in page(response)
    db.session.expire_all()
    assert db.session.get(User, admin.id).banned_at is None


def test_unknown_user_is_404(client, admin):
    assert client.post("/admin/users/999999/ban").status_code == 404


def test_applications_list_filters_by_status(client, admin, db):
    pending = make_application(status="pending", title="Pending widget")
    make_application(title="Open widget")
    db.session.commit()
    text = page(client.get("/admin/applications", query_string={"status": "pending"}))
    assert pending.number in text and "Open widget" not in text
    assert "Open…" in text and 'name="days"' not in text  # opened on its page, with a labelled field


def test_open_windows_offer_close_not_reopen(client, admin, db):
    application = make_application(title="Open widget")
    db.session.commit()
    for url in ("/admin/applications", f"/admin/applications/{application.id}"):
        text = page(client.get(url))
        assert "Close" in text and "Reopen" not in text and 'name="days"' not in text
    closed = make_application(status="closed", title="Closed widget")
    db.session.commit()
    assert "Reopen the review window" in page(client.get(f"/admin/applications/{closed.id}"))


def test_applications_are_found_by_publication_number(client, admin, db):
    wanted = make_application(title="Wanted widget")
    make_application(title="Other widget")
    db.session.commit()
    typed = f"{wanted.number[:2]} {wanted.number[2:6]}/{wanted.number[6:]}".lower()  # "us 2020/000…a1"
    text = page(client.get("/admin/applications", query_string={"q": typed}))
    assert "Wanted widget" in text and "Other widget" not in text
    assert "No application matches." in page(client.get("/admin/applications", query_string={"q": "EP%"}))


def test_open_window_from_the_list_is_applied_and_recorded(client, admin, db):
    application = make_application(status="pending")
    db.session.commit()
    response = client.post(f"/admin/applications/{application.id}/open", query_string={"status": "pending"},
                           data={"days": "30"})
    assert response.status_code == 302 and response.location == "/admin/applications?status=pending"
    db.session.expire_all()
    application = db.session.get(Application, application.id)
    assert application.status == "open" and application.is_open()
    assert actions(db) == ["open-window"]


@pytest.mark.parametrize("days, message", [
    ("0", "between 1 and 365 days"), ("400", "between 1 and 365 days"), ("many", "Not a valid integer value"),
    ("", "Give the number of days."),
])
def test_bad_days_are_shown_next_to_the_field(client, admin, db, days, message):
    application = make_application(status="pending")
    db.session.commit()
    response = client.post(f"/admin/applications/{application.id}/open", data={"days": days})
    text = page(response)
    assert response.status_code == 200
    assert 'id="days-error">' in text and message in text
    assert f'value="{days}"' in text
    db.session.expire_all()
    assert db.session.get(Application, application.id).status == "pending"
    assert actions(db) == []


def test_close_window(client, admin, db):
    application = make_application()
    db.session.commit()
    for question in (client.get(f"/admin/applications/{application.id}/close"),
                     client.post(f"/admin/applications/{application.id}/close")):
        assert f"Close the review of {application.number} now?" in page(question)
    db.session.expire_all()
    assert db.session.get(Application, application.id).status == "open" and actions(db) == []
    response = client.post(f"/admin/applications/{application.id}/close", data={"confirm": "yes"},
                           follow_redirects=True)
    assert f"The review of {application.number} is closed." in page(response)
    db.session.expire_all()
    assert db.session.get(Application, application.id).status == "closed"
    assert actions(db) == ["close-window"]


def test_closing_a_window_that_is_not_open_shows_the_reason(client, admin, db):
    application = make_application(status="pending")
    db.session.commit()
    response = client.post(f"/admin/applications/{application.id}/close", data={"confirm": "yes"},
                           follow_redirects=True)
    assert "This review window is not open." in page(response)
    assert actions(db) == []


def test_application_window_page(client, admin, db):
    application = make_application()
    db.session.commit()
    text = page(client.get(f"/admin/applications/{application.id}"))
    assert application.number in text and "Close it now" in text
    assert client.get("/admin/applications/999999").status_code == 404


def test_audit_log_is_newest_first_and_paginates(app, client, admin, db):
    app.config["ITEMS_PER_PAGE"] = 2
    users = [make_user(email=f"u{n}@example.org") for n in range(3)]
    db.session.commit()
    for user in users:
        client.post(f"/admin/users/{user.id}/ban", data={"confirm": "yes"},
                    follow_redirects=True)  # shows, so clears, the flash
    first = page(client.get("/admin/audit"))
    assert "page 1 of 2" in first
    assert first.index("u2@example.org") < first.index("u1@example.org")
    assert "u0@example.org" not in first
    assert "u0@example.org" in page(client.get("/admin/audit", query_string={"page": 2}))
    assert "u0@example.org" not in page(client.get("/admin/audit", query_string={"action": "unban"}))


def test_admin_forms_carry_csrf_tokens(app, client, admin, db):
    app.config["WTF_CSRF_ENABLED"] = True
    user = make_user()
    make_application()
    db.session.commit()
    application = db.session.scalar(select(Application))
    for url in ("/admin/users", f"/admin/users/{user.id}/ban", f"/admin/applications/{application.id}/close"):
        text = page(client.get(url))
        assert text.count('name="csrf_token"') >= 2  # the action's form and the log-out button
    assert client.post(f"/admin/users/{user.id}/ban").status_code == 400


def test_opening_a_window_open_now_is_refused_with_the_reason(client, admin, db):
    application = make_application(days_left=60)
    db.session.commit()
    closes = application.closes_at
    response = client.post(f"/admin/applications/{application.id}/open", data={"days": "1"},
                           follow_redirects=True)
    assert f"{application.number}: This review window is already open (it closes on " \
           f"{closes:%Y-%m-%d %H:%M} UTC): close it first." in page(response)
    db.session.expire_all()
    assert db.session.get(Application, application.id).closes_at == closes and actions(db) == []


def test_a_window_past_its_end_is_shown_closed_and_reopens(client, admin, db):
    application = make_application(days_left=-2, title="Ended widget")  # close-due has not run
    make_application(title="Running widget")
    db.session.commit()
    text = page(client.get(f"/admin/applications/{application.id}"))
    assert "closed" in text and "open for review" not in text and "Close it now" not in text
    assert "Reopen the review window" in text
    listed = page(client.get("/admin/applications", query_string={"status": "closed"}))
    assert "Ended widget" in listed and "Reopen…" in listed and "Close…" not in listed
    assert "Ended widget" not in page(client.get("/admin/applications", query_string={"status": "open"}))
    assert '<span class="big">1</span> open (0 closing within a week)' in page(client.get("/admin/"))
    response = client.post(f"/admin/applications/{application.id}/open", data={"days": "5"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Application, application.id).is_open() and actions(db) == ["open-window"]
