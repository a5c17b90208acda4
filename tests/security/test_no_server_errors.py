"""Hostile input on every route: NUL bytes, huge page numbers, CR/LF in `next`; never a 5xx.

The routes come from the access-matrix table (routes.py), so a new route is walked too.
"""
from __future__ import annotations

import pytest

from reviewapp.inputs import MAX_PAGE

from .routes import ROUTES, app_routes, describe, path_of

NUL = "a\x00b"
HUGE = "9223372036854775808"  # one more than PostgreSQL's bigint holds
CRLF_NEXT = "/\r\nSet-Cookie: stolen=1"
PAGE_ARGS = ("page", "spage", "epage", "per_page")
# Roles walked: anonymous reaches the public routes, the admin nearly every other one.
WALKERS = ("anonymous", "volunteer", "admin")


def walk(app, client, auth, world, role: str, variant):
    """Send every route's request, altered by `variant`, as `role`; return the 5xx answers."""
    failures = []
    for (endpoint, method), route in sorted(ROUTES.items()):
        if (endpoint, method) not in app_routes(app) or endpoint == "static":
            continue
        auth.logout()
        if role != "anonymous":
            auth.login(world.user(role))
        values, query, form = variant(text_values(app, endpoint, route.url_values(world)),
                                      route.form(world) if method == "POST" else {})
        path = path_of(app, endpoint, {**values, **query})
        response = client.open(path, method=method, data=form if method == "POST" else None)
        if response.status_code >= 500:
            failures.append(f"{method} {path} as {role}: {describe(response)}")
        if endpoint.startswith("api.") or path.startswith("/api/v1"):
            assert response.is_json, f"{method} {path}: the API answered {response.mimetype}"
        response.close()
    return failures


class Text(str):
    """A URL value that its route reads as text (not through the `int` converter)."""


def text_values(app, endpoint: str, values: dict) -> dict:
    """Mark the URL values the route's converters take as text."""
    from werkzeug.routing import IntegerConverter

    converters = next(app.url_map.iter_rules(endpoint))._converters
    return {key: value if isinstance(converters.get(key), IntegerConverter) else Text(value)
            for key, value in values.items()}


def nul_everywhere(values: dict, form: dict):
    """NUL in every text URL value, every query parameter and every form field."""
    text_values = {k: (NUL if isinstance(v, Text) else v) for k, v in values.items()}
    query = {"q": NUL, "tag": NUL, "cpc": NUL, "status": NUL, "view": NUL, "action": NUL, "next": NUL}
    return text_values, query, {key: value + "\x00" for key, value in form.items()} | {"next": NUL}


def huge_pages(values: dict, form: dict):
    """Page numbers past any database integer on every list."""
    return values, dict.fromkeys(PAGE_ARGS, HUGE), form


def crlf_next(values: dict, form: dict):
    """A `next` target that would split the Location header, in the query and in the form."""
    return values, {"next": CRLF_NEXT}, form | {"next": CRLF_NEXT}


@pytest.mark.parametrize("variant", [nul_everywhere, huge_pages, crlf_next],
                         ids=["nul", "huge-page", "crlf-next"])
@pytest.mark.parametrize("role", WALKERS)
def test_no_route_answers_5xx_to_hostile_input(app, client, auth, new_world, fresh_login_per_request,
                                               role, variant):
    failures = walk(app, client, auth, new_world(), role, variant)
    assert failures == []


@pytest.mark.parametrize("path", ["/applications/%00", "/documents/a%00b", "/tags/%00", "/?tag=%00",
                                  "/search?q=%00", "/api/v1/applications/%00", "/reviewers/1?page=%00"])
def test_nul_in_a_url_is_a_clear_400(client, world, path):
    response = client.get(path)
    assert response.status_code == 400
    assert "NUL character" in response.get_data(as_text=True)


def test_nul_in_a_form_field_is_refused_and_nothing_is_stored(client, auth, world):
    """The login email and a comment with NUL: 400 with the rule's message; no comment stored."""
    from reviewapp.extensions import db
    from reviewapp.models import Comment

    response = client.post("/auth/login", data={"email": "val@example.test\x00", "password": "x"})
    assert response.status_code == 400 and "NUL character" in response.get_data(as_text=True)
    auth.login(world.volunteer)
    before = db.session.query(Comment).count()
    response = client.post(f"/applications/{world.number}/comments", data={"body": "Hi\x00there", "claim_id": "0"})
    assert response.status_code == 400
    assert db.session.query(Comment).count() == before


@pytest.mark.parametrize("path", ["/tags", "/", "/notifications", "/reviewers/{user_id}", "/moderation",
                                  "/admin/users", "/admin/audit", "/admin/applications", "/examiner/",
                                  "/applications/{number}", "/applications/{number}/discussion",
                                  "/submissions/{submission_id}"])
@pytest.mark.parametrize("page", [HUGE, "99999999999999999999999", str(MAX_PAGE + 1), "-5", "x"])
def test_every_list_answers_any_page_number(client, auth, world, fresh_login_per_request, path, page):
    auth.login(world.admin)
    url = path.format(user_id=world.user_id, number=world.number, submission_id=world.submission_id)
    response = client.get(f"{url}?page={page}&spage={page}&epage={page}")
    assert response.status_code == 200, describe(response)


@pytest.mark.parametrize("endpoint, data", [
    ("vote", {"value": "up"}), ("tag", {"name": "thermal"}), ("mark", None), ("read-all", {})])
def test_crlf_in_next_goes_home_instead_of_failing(app, client, auth, world, fresh_login_per_request,
                                                   endpoint, data):
    auth.login(world.volunteer)
    path, form = {
        "vote": (f"/submissions/{world.submission_id}/vote", data),
        "tag": (f"/applications/{world.number}/tags", data),
        "mark": (f"/submissions/{world.submission_id}/marks", {"claim_id": str(world.claim_id), "action": "mark"}),
        "read-all": ("/notifications/read-all", data),
    }[endpoint]
    response = client.post(path, data=form | {"next": "/tags\r\nSet-Cookie: stolen=1"})
    assert response.status_code == 302
    assert "\n" not in response.headers["Location"] and "stolen" not in response.headers["Location"]


def test_crlf_in_login_next_logs_in_and_goes_home(client, world):
    from tests.factories import PASSWORD

    response = client.post("/auth/login?next=/tags%0d%0aSet-Cookie:%20stolen=1",
                           data={"email": "val@example.test", "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"].endswith("/")
    assert "stolen" not in str(response.headers)


def test_every_api_error_is_json(app, client, world, monkeypatch):
    """404, 405, 400, 429 and an unexpected exception: the API answers JSON, never an HTML page."""
    from werkzeug.exceptions import TooManyRequests

    import reviewapp.api.views as api_views
    import reviewapp.searchpage.views as search_views

    assert client.get("/api/v1/nowhere").is_json
    assert client.post("/api/v1/applications").status_code == 405
    for path in ("/api/v1/nowhere", "/api/v1/applications?page=0", "/api/v1/search?page=x"):
        response = client.get(path)
        assert response.status_code in (400, 404) and set(response.get_json()) == {"error"}, path

    def too_many(*args, **kwargs):
        raise TooManyRequests("10 per 1 minute")

    monkeypatch.setattr(search_views, "run_search", too_many)
    response = client.get("/api/v1/search?q=coolant")
    assert response.status_code == 429 and response.get_json() == {"error": "10 per 1 minute"}

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the 500 handler answers
    monkeypatch.setattr(search_views, "run_search", broken)
    monkeypatch.setattr(api_views, "list_applications", broken)
    for path in ("/api/v1/search?q=coolant", "/api/v1/applications"):
        response = client.get(path)
        assert response.status_code == 500 and response.is_json, path
        assert "boom" not in response.get_data(as_text=True)
    assert not client.get("/").is_json  # pages stay pages
