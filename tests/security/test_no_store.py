"""No shared or browser cache keeps a page showing a user's data or a CSRF token."""
from __future__ import annotations

import pytest

from .routes import OK, ROLES, ROUTES, app_routes, path_of


@pytest.mark.parametrize("role", ["volunteer", "admin"])
def test_every_page_a_member_reads_is_no_store(app, client, auth, world, fresh_login_per_request, role):
    auth.login(world.user(role))
    checked = 0
    for (endpoint, method), route in sorted(ROUTES.items()):
        if method != "GET" or endpoint == "static" or (endpoint, method) not in app_routes(app):
            continue
        if route.expect[ROLES.index(role)] != OK:
            continue
        response = client.get(path_of(app, endpoint, route.url_values(world)))
        if response.mimetype == "text/html":
            assert "no-store" in response.headers.get("Cache-Control", ""), endpoint
            checked += 1
        response.close()
    assert checked >= 15


@pytest.mark.parametrize("path", ["/auth/login", "/auth/register", "/auth/forgot",
                                  "/auth/reset/{reset_token}"])
def test_anonymous_pages_with_a_csrf_token_are_no_store(app, client, world, path):
    app.config["WTF_CSRF_ENABLED"] = True  # as in production: the forms carry a token
    response = client.get(path.format(reset_token=world.reset_token))
    assert 'name="csrf_token"' in response.get_data(as_text=True)
    assert "no-store" in response.headers.get("Cache-Control", "")


def test_public_files_and_public_api_answers_stay_cacheable(client, world):
    for path in ("/static/site.css", "/api/v1/applications"):
        response = client.get(path)
        assert "no-store" not in response.headers.get("Cache-Control", ""), path
        response.close()
