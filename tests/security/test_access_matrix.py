"""Every route of the app against anonymous, volunteer, examiner and admin; no examiner data leaks."""
from __future__ import annotations

import pytest

from reviewapp.models import Submission, User
from reviewapp.models.submission import HIDDEN

from .conftest import CLOSED_NOTE, CONFLICT, NOTE, table_rows
from .routes import (
    FORBIDDEN,
    LOGIN,
    MISSING,
    OK,
    OPTIONAL,
    ROLES,
    ROUTES,
    app_routes,
    assert_answer,
    describe,
    path_of,
)


def request_as(app, client, auth, world, role: str, endpoint: str, method: str):
    """Send the route's request as `role`; return the response."""
    route = ROUTES[(endpoint, method)]
    user = world.user(role)
    if user is not None:
        auth.login(user)
    path = path_of(app, endpoint, route.url_values(world))
    if method != "POST":
        return client.open(path, method=method)
    # From a page of the site, as a browser sends a form: logged out, it is where login returns.
    return client.open(path, method=method, data=route.form(world),
                       headers={"Referer": "http://localhost.test/"})


def test_every_route_has_an_expectation(app):
    """Fail on a route of the url_map that the table does not cover, or a stale table entry."""
    routes = app_routes(app)
    missing = sorted(routes - ROUTES.keys())
    assert missing == [], f"routes without an expected answer per role (add them to routes.py): {missing}"
    stale = sorted(ROUTES.keys() - routes - OPTIONAL)
    assert stale == [], f"expectations for routes the app no longer has: {stale}"


@pytest.mark.parametrize("endpoint, method", sorted(ROUTES))
def test_route_answers_each_role_as_expected(app, client, auth, new_world, fresh_login_per_request,
                                             endpoint, method):
    """Send the route's request as each role and compare with the table; a refusal writes nothing."""
    if (endpoint, method) not in app_routes(app):
        pytest.skip(f"{endpoint} is not registered in this app (work in progress elsewhere)")
    world, wrong = new_world(), []
    for role, expected in zip(ROLES, ROUTES[(endpoint, method)].expect):
        refused = expected in (LOGIN, FORBIDDEN, MISSING)
        before = table_rows() if method == "POST" and refused else None
        auth.logout()
        response = request_as(app, client, auth, world, role, endpoint, method)
        try:
            assert_answer(response, expected, f"{method} {endpoint} as {role}")
        except AssertionError as error:
            wrong.append(str(error).splitlines()[0])
        finally:
            response.close()
        if before is not None and table_rows() != before:
            wrong.append(f"{method} {endpoint} as {role}: refused, yet the database changed")
        if method == "POST" and not refused:
            world = new_world()  # the next role starts from the same state
    assert wrong == []


@pytest.mark.parametrize("role", ROLES)
def test_undeclared_methods_are_405_for_everyone(app, client, auth, world, fresh_login_per_request, role):
    """Answer 405 to a method a route does not declare, whoever asks."""
    user = world.user(role)
    if user is not None:
        auth.login(user)
    checked = 0
    for rule in app.url_map.iter_rules():
        route = ROUTES.get((rule.endpoint, min(rule.methods - {"HEAD", "OPTIONS"})))
        if route is None:
            continue  # reported by test_every_route_has_an_expectation
        other = "PUT" if {"GET", "POST"} <= rule.methods else "POST" if "GET" in rule.methods else "GET"
        response = client.open(path_of(app, rule.endpoint, route.url_values(world)), method=other)
        response.close()
        assert response.status_code == 405, f"{other} {rule.rule} as {role}: {describe(response)}"
        checked += 1
    assert checked >= len(ROUTES) // 2


def readable_pages(app, world, role: str) -> list[tuple[str, str]]:
    """Return (label, path) of every GET route the table says `role` reads, plus the closed review."""
    pages = [(endpoint, path_of(app, endpoint, route.url_values(world)))
             for (endpoint, method), route in sorted(ROUTES.items())
             if method == "GET" and route.expect[ROLES.index(role)] == OK
             and (endpoint, method) in app_routes(app)]
    closed = {"number": world.closed_number}
    if role != "anonymous":  # reports are for members
        pages.append(("published report", path_of(app, "examiner.report", closed)))
    pages += [
        ("application page of the closed review", path_of(app, "applications.detail", closed)),
        ("API prior art of the closed review", path_of(app, "api.prior_art", closed)),
        ("submission page of the noted item", path_of(app, "priorart.detail",
                                                      {"submission_id": world.submission_id})),
        ("reviewer page of the declarant", path_of(app, "community.reviewer", {"user_id": world.other.id})),
        ("search", path_of(app, "searchpage.search_page", {"q": "coolant"})),
        ("search API", path_of(app, "searchpage.search_api", {"q": "coolant"})),
    ]
    return pages


@pytest.mark.parametrize("who", ["anonymous", "volunteer", "submitter"])
def test_volunteers_never_read_examiner_only_data(app, client, auth, world, fresh_login_per_request, who):
    """Fetch every page and API answer a volunteer may read; none holds notes, conflicts or tokens.

    The submitter is the volunteer whose submissions carry the notes and who declared the conflict:
    their own statement aside, they read no more than anyone.
    """
    role = "anonymous" if who == "anonymous" else "volunteer"
    if who != "anonymous":
        auth.login(world.volunteer if who == "volunteer" else world.other)
    secrets = dict(world.examiner_secrets)
    if who == "submitter":
        del secrets["another reviewer's conflict statement"]
    pages = readable_pages(app, world, role)
    if who == "submitter":  # the edit and withdraw pages of their own submission, the noted one
        own = {label: path_of(app, label, {"submission_id": world.submission_id})
               for label in ("priorart.edit", "priorart.withdraw")}
        pages = [(label, own.get(label, path)) for label, path in pages]
    assert len(pages) > 25
    for label, path in pages:
        response = client.get(path)
        body = response.get_data(as_text=True)
        response.close()
        assert response.status_code == 200, f"{label} {path}: {describe(response)}"
        for what, secret in secrets.items():
            assert secret not in body, f"{who} reads the {what} on {label} ({path})"
    # The closed review's report is published to members, and still without the notes.
    report = client.get(path_of(app, "examiner.report", {"number": world.closed_number}))
    if who == "anonymous":
        assert report.status_code == 302
    else:
        assert "Heat spreader" in report.get_data(as_text=True)


def test_examiners_do_see_what_volunteers_may_not(app, client, auth, world, fresh_login_per_request):
    """Show the examiner the notes and the conflict statement: the markers above are really there."""
    auth.login(world.examiner)
    page = client.get(path_of(app, "examiner.application", {"number": world.number})).get_data(as_text=True)
    assert NOTE in page and CONFLICT in page
    closed = client.get(path_of(app, "examiner.application", {"number": world.closed_number}))
    assert CLOSED_NOTE in closed.get_data(as_text=True)


def test_api_gives_examiner_fields_to_a_token_only(app, client, auth, world, fresh_login_per_request):
    """Give notes and conflicts for a bearer token; never for a session cookie, even an examiner's."""
    path = path_of(app, "api.prior_art", {"number": world.number})
    bearer = {"Authorization": f"Bearer {world.token_secret}"}
    with_token = client.get(path, headers=bearer)
    assert with_token.status_code == 200
    assert NOTE in with_token.get_data(as_text=True) and CONFLICT in with_token.get_data(as_text=True)
    assert "no-store" in with_token.headers["Cache-Control"]

    auth.login(world.examiner)  # a logged-in examiner's browser, e.g. fetched by another site
    by_session = client.get(path).get_data(as_text=True)
    assert NOTE not in by_session and CONFLICT not in by_session and '"conflict"' not in by_session


def test_a_demoted_examiners_token_opens_nothing(app, client, db, world):
    """Refuse a token (403) once its examiner is a volunteer again, without any data."""
    db.session.get(User, world.examiner.id).role = "volunteer"
    db.session.commit()
    response = client.get(path_of(app, "api.prior_art", {"number": world.number}),
                          headers={"Authorization": f"Bearer {world.token_secret}"})
    assert response.status_code == 403
    assert set(response.get_json()) == {"error"}


def test_token_secret_is_shown_once_and_only_to_its_owner(app, client, auth, world, fresh_login_per_request):
    """Show a new token's secret on creation only; the list never holds a secret or a hash."""
    auth.login(world.examiner)
    path = path_of(app, "api_tokens.tokens", {})
    created = client.post(path, data={"name": "ci job"})
    assert created.headers["Cache-Control"] == "no-store"
    secret = next(word for word in created.get_data(as_text=True).replace("<", " ").replace(">", " ").split()
                  if word.startswith("opa_"))
    assert client.get(path, headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    listing = client.get(path).get_data(as_text=True)
    assert secret not in listing and world.token_secret not in listing and world.token_hash not in listing
    assert "laptop script" in listing
    auth.login(world.admin)  # another examiner-level account sees its own tokens, not these
    assert "laptop script" not in client.get(path).get_data(as_text=True)


def test_hidden_submission_is_for_its_submitter_and_moderators(app, client, auth, db, world,
                                                               fresh_login_per_request):
    """Answer 404 on a hidden submission to everyone but its submitter and the administrators."""
    db.session.get(Submission, world.submission_id).status = HIDDEN
    db.session.commit()
    path = path_of(app, "priorart.detail", {"submission_id": world.submission_id})
    expected = {None: 404, world.volunteer: 404, world.examiner: 404, world.other: 200, world.admin: 200}
    for user, status in expected.items():
        auth.logout() if user is None else auth.login(user)
        assert client.get(path).status_code == status, user
        if status == 404:
            for page in ("applications.detail", "community.discussion", "api.prior_art"):
                listing = client.get(path_of(app, page, {"number": world.number}))
                assert "Coolant manifold" not in listing.get_data(as_text=True), (user, page)
