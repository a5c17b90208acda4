"""CSRF: every state-changing request without a valid token is refused (400) and changes nothing."""
from __future__ import annotations

import time

import pytest
from flask import Blueprint

from reviewapp.extensions import csrf
from reviewapp.models import User
from tests.factories import PASSWORD, make_user

from .conftest import csrf_token_of, table_rows
from .routes import OK, OPTIONAL, ROLES, ROUTES, allowed_role, app_routes, assert_answer, path_of

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
FORM_EXPIRED = "The page this form was on has expired, or your session changed"
POSTS = sorted(key for key in ROUTES if key[1] == "POST")
# A valid request that legitimately writes nothing: the rest must change a row when accepted.
WRITES_NOTHING = {
    "auth.logout",  # the session cookie only
    "auth.forgot_password",  # a mail only
    "examiner.freeze",  # the closed review's report is already frozen
    "ranking.retrain",  # a queued job; models are files
    "imports.upload",  # no file in this world's form: refused (tests/imports/test_views.py)
    "imports.folder",  # no import folder in this world: refused (tests/imports/test_views.py)
    "imports.cancel",  # this world's import is running, not queued: refused (tests/imports/test_views.py)
}


@pytest.fixture
def csrf_on(app):
    """Turn CSRF protection on, as in production."""
    app.config["WTF_CSRF_ENABLED"] = True
    return app


def test_every_state_changing_route_is_checked(app):
    """Cover every POST, PUT, PATCH or DELETE route of the url_map, whatever its blueprint."""
    changing = {(endpoint, method) for endpoint, method in app_routes(app) if method in STATE_CHANGING}
    assert changing - set(POSTS) == set()
    assert set(POSTS) - changing - OPTIONAL == set()


def test_only_the_read_only_json_api_is_exempt(app):
    """Exempt the `api` blueprint alone, and give it no state-changing route."""
    assert {getattr(blueprint, "name", blueprint) for blueprint in csrf._exempt_blueprints} == {"api"}
    assert csrf._exempt_views == set()
    api_rules = [rule for rule in app.url_map.iter_rules()
                 if rule.endpoint.startswith("api.") or rule.rule.startswith("/api/v1/")]
    assert len(api_rules) >= 5
    for rule in api_rules:
        assert rule.methods - {"GET", "HEAD", "OPTIONS"} == set(), rule.rule


@pytest.mark.parametrize("endpoint, method", POSTS)
def test_post_without_token_is_refused_and_changes_nothing(csrf_on, client, auth, world,
                                                           fresh_login_per_request, endpoint, method):
    """Refuse the route's POST without a token (400, friendly page); accept it with one."""
    if (endpoint, method) not in app_routes(csrf_on):
        pytest.skip(f"{endpoint} is not registered in this app (work in progress elsewhere)")
    route = ROUTES[(endpoint, method)]
    role = allowed_role(endpoint, method)
    if world.user(role) is not None:
        auth.login(world.user(role))
    path = path_of(csrf_on, endpoint, route.url_values(world))
    before = table_rows()

    refused = client.post(path, data=route.form(world))
    assert refused.status_code == 400, f"{endpoint} as {role}: {refused.status_code}"
    page = refused.get_data(as_text=True)
    assert FORM_EXPIRED in page and "Back to the applications" in page
    assert table_rows() == before

    forged = client.post(path, data=route.form(world) | {"csrf_token": "forged-" + "x" * 80})
    assert forged.status_code == 400 and table_rows() == before

    # The same request with the session's token goes through: the refusal was the token's doing.
    accepted = client.post(path, data=route.form(world) | {"csrf_token": csrf_token_of(client)})
    assert_answer(accepted, route.expect[ROLES.index(role)], f"{endpoint} as {role} with a token")
    if endpoint not in WRITES_NOTHING:
        assert table_rows() != before, f"{endpoint}: accepted but wrote nothing, so the check proves little"


def test_token_of_another_session_is_refused(csrf_on, client, auth, db, world, fresh_login_per_request):
    """Refuse a token taken from another browser's session."""
    other_client = csrf_on.test_client()
    stolen = csrf_token_of(other_client)
    auth.login(world.volunteer)
    before = table_rows()
    response = client.post(path_of(csrf_on, "community.add_comment", {"number": world.number}),
                           data={"body": "Forged.", "claim_id": "0", "csrf_token": stolen})
    assert response.status_code == 400 and FORM_EXPIRED in response.get_data(as_text=True)
    assert table_rows() == before


def test_a_page_left_open_for_hours_still_sends_its_form(csrf_on, client, db, monkeypatch):
    """The token lives as long as the session: no hour's limit on reading before pressing Send."""
    user = make_user(name="Ada")
    db.session.commit()
    token = csrf_token_of(client, "/auth/login")
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 5 * 3600)
    response = client.post("/auth/login", data={"csrf_token": token, "email": user.email,
                                                "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    token = csrf_token_of(client, "/auth/profile")
    monkeypatch.setattr(time, "time", lambda: now + 10 * 3600)
    response = client.post("/auth/profile", data={"csrf_token": token, "display_name": "Ada L.",
                                                  "affiliation": "", "expertise": "", "bio": ""})
    assert response.status_code == 302
    assert db.session.get(User, user.id).display_name == "Ada L."


def test_a_refused_token_says_what_happened_and_what_to_do(csrf_on, client, db):
    """Not Werkzeug's "400 Bad Request": the page says why, to go back, reload and send again."""
    stale = csrf_token_of(client, "/auth/register")
    with client.session_transaction() as session:
        session.clear()  # the session changed since the page was loaded
    response = client.post("/auth/register", data={"csrf_token": stale, "email": "ada@example.org"},
                           headers={"Referer": "http://localhost.test/auth/register?next=/tags"})
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert FORM_EXPIRED in text and "Go back, reload the page and send the form again." in text
    assert "Bad Request" not in text and "CSRF" not in text
    assert 'href="/auth/register?next=/tags">Open the form\'s page again' in text


def test_a_refused_token_under_the_api_is_answered_in_json(csrf_on, client):
    bp = Blueprint("csrf_probe", __name__)
    bp.add_url_rule("/api/v1/csrf-probe", "probe", lambda: "done", methods=["POST"])
    csrf_on.register_blueprint(bp)
    response = client.post("/api/v1/csrf-probe")
    assert response.status_code == 400
    assert response.get_json()["error"].startswith(FORM_EXPIRED)


@pytest.mark.parametrize("role", ["volunteer", "admin"])
def test_get_requests_change_nothing(app, client, auth, world, fresh_login_per_request, role):
    """Write nothing on any GET a role may make: CSRF protection covers only the other methods."""
    auth.login(world.user(role))
    before = table_rows()
    for (endpoint, method), route in sorted(ROUTES.items()):
        if method != "GET" or (endpoint, method) not in app_routes(app):
            continue
        if route.expect[ROLES.index(role)] != OK:
            continue
        response = client.get(path_of(app, endpoint, route.url_values(world)))
        response.close()
        assert response.status_code == 200, endpoint
        assert table_rows() == before, f"GET {endpoint} as {role} changed the database"
