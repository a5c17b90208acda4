"""Cookies, security headers, and a CSP the templates can satisfy (in Chromium: tests/browser/test_csp.py)."""
from __future__ import annotations

import re
import zlib
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
from itsdangerous import base64_decode

from reviewapp import PROJECT_ROOT, create_app
from reviewapp.extensions import db as _db
from tests.conftest import base_config, empty_tables
from tests.factories import PASSWORD, make_user

from .routes import ROLES, ROUTES, app_routes, path_of

TEMPLATES = PROJECT_ROOT / "templates"
REFERRER_POLICIES = {"no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"}


def cookie_attributes(response, name: str) -> dict[str, str]:
    """Return the attributes of the Set-Cookie header naming `name`, lower-cased."""
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith(f"{name}="):
            parts = [part.strip() for part in header.split(";")[1:]]
            return {key.lower(): value for key, _, value in (part.partition("=") for part in parts)}
    raise AssertionError(f"no {name} cookie in {response.headers.getlist('Set-Cookie')}")


def log_in(client, email: str, **kwargs):
    """Log in through the form, asking to be remembered."""
    return client.post("/auth/login", data={"email": email, "password": PASSWORD, "remember": "y"}, **kwargs)


def csp_directives(response) -> dict[str, set[str]]:
    """Return the Content-Security-Policy as {directive: set of sources}."""
    policy = response.headers.get("Content-Security-Policy")
    assert policy, f"no CSP on {response.request.path}"
    directives = {}
    for part in filter(None, (p.strip() for p in policy.split(";"))):
        name, *sources = part.split()
        directives[name] = set(sources)
    return directives


def assert_security_headers(response, label: str) -> None:
    """Check the CSP and the other security headers of one response."""
    csp = csp_directives(response)
    assert csp["default-src"] == {"'self'"}, label
    for directive in ("script-src", "style-src"):
        sources = csp.get(directive, csp["default-src"])
        loose = {"'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:"}
        assert not sources & loose, (label, sources)
    assert csp["object-src"] == {"'none'"} and csp["base-uri"] == {"'self'"}, label
    assert csp["frame-ancestors"] == {"'none'"} or response.headers.get("X-Frame-Options") == "DENY", label
    assert response.headers.get("X-Frame-Options") in ("DENY", "SAMEORIGIN"), label
    assert response.headers.get("X-Content-Type-Options") == "nosniff", label
    assert response.headers.get("Referrer-Policy") in REFERRER_POLICIES, label


# --- cookies ----------------------------------------------------------------------------------

def test_session_cookies_are_httponly_and_lax_over_http(client, db):
    """Mark the session and remember-me cookies HttpOnly and SameSite=Lax; not Secure over http."""
    make_user(email="ada@example.org")
    db.session.commit()
    response = log_in(client, "ada@example.org")
    assert response.status_code == 302
    for name in ("session", "remember_token"):
        attributes = cookie_attributes(response, name)
        assert "httponly" in attributes and attributes["samesite"] == "Lax", (name, attributes)
        assert "secure" not in attributes, name
    assert "Strict-Transport-Security" not in response.headers


@pytest.fixture
def https_app(migrated_database, tmp_path, monkeypatch):
    """Return an app whose REVIEWAPP_BASE_URL is https, as configured in production."""
    monkeypatch.setenv("REVIEWAPP_BASE_URL", "https://review.example.org")
    app = create_app(base_config(tmp_path, migrated_database))
    with app.app_context():
        yield app
        _db.session.remove()
        empty_tables()
        _db.engine.dispose()


def test_https_base_url_makes_cookies_secure_and_sends_hsts(https_app):
    """Mark both cookies Secure, send HSTS and redirect plain http to https."""
    make_user(email="ada@example.org")
    _db.session.commit()
    client = https_app.test_client()
    assert https_app.config["BASE_URL"] == "https://review.example.org"
    plain = client.get("/auth/login")
    assert plain.status_code in (301, 302) and plain.location.startswith("https://")
    response = log_in(client, "ada@example.org", base_url="https://localhost.test")
    assert response.status_code == 302
    for name in ("session", "remember_token"):
        attributes = cookie_attributes(response, name)
        assert {"httponly", "secure"} <= attributes.keys() and attributes["samesite"] == "Lax", name
    assert "max-age=" in response.headers["Strict-Transport-Security"]


def test_session_cookie_holds_no_secret(client, db):
    """Keep the password and the hash out of the signed (readable) session cookie."""
    user = make_user(email="ada@example.org")
    db.session.commit()
    response = log_in(client, "ada@example.org")
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    value = SimpleCookie(header)["session"].value
    payload = base64_decode(value.lstrip(".").split(".")[0])
    raw = zlib.decompress(payload) if value.startswith(".") else payload
    assert b"_user_id" in raw
    assert PASSWORD.encode() not in raw and user.password_hash.encode() not in raw


# --- headers on every page --------------------------------------------------------------------

@pytest.mark.parametrize("role", ["anonymous", "admin"])
def test_every_page_sends_the_security_headers(app, client, auth, world, fresh_login_per_request, role):
    """Send the CSP and the other headers on every GET route, HTML, JSON, CSV, PDF or static."""
    if role == "admin":
        auth.login(world.admin)
    checked = 0
    for (endpoint, method), route in sorted(ROUTES.items()):
        if method == "GET" and (endpoint, method) in app_routes(app):
            response = client.get(path_of(app, endpoint, route.url_values(world)))
            response.close()
            expected = route.expect[ROLES.index(role)]
            assert response.status_code == (302 if isinstance(expected, str) else expected), endpoint
            assert_security_headers(response, endpoint)
            checked += 1
    assert checked > 40


def test_error_pages_send_the_security_headers(app, client, auth, world, fresh_login_per_request):
    """Send the headers on 404, 405, 403, 400 and the API's JSON errors too."""
    app.config["WTF_CSRF_ENABLED"] = True
    auth.login(world.volunteer)
    responses = {
        "404": client.get("/no/such/page"),
        "405": client.get("/auth/logout"),
        "403": client.get("/admin/"),
        "400": client.post("/auth/logout"),
        "api 404": client.get("/api/v1/applications/US0000000A1"),
    }
    for label, response in responses.items():
        assert response.status_code == int(label.split()[-1]), label
        assert_security_headers(response, label)


# --- templates the CSP can allow --------------------------------------------------------------

SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
INLINE_STYLE = re.compile(r"""<style\b|\sstyle\s*=""", re.IGNORECASE)
HANDLER = re.compile(r"""\son[a-z]+\s*=\s*["'{]""", re.IGNORECASE)
JS_URL = re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)


def template_files() -> list[Path]:
    """Return every template of the site."""
    return sorted(TEMPLATES.rglob("*.html"))


def test_templates_have_no_inline_script_style_or_handlers():
    """Find no inline <script> body, <style>, style= attribute, on*= handler or javascript: URL."""
    files = template_files()
    assert len(files) > 30
    problems = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        name = path.relative_to(TEMPLATES)
        for attributes, body in SCRIPT.findall(text):
            if body.strip() or "src=" not in attributes:
                problems.append(f"{name}: inline script {body.strip()[:60]!r}")
        problems += [f"{name}: {m.group().strip()!r}" for pattern in (INLINE_STYLE, HANDLER, JS_URL)
                     for m in pattern.finditer(text)]
    assert problems == []


def test_the_template_check_finds_what_it_looks_for():
    """Catch each forbidden construct in a sample, so that the check above can fail."""
    sample = ('<script>alert(1)</script><script src="/x.js"></script><p style="color:red">'
              '<img src=x onerror="f()"><a href="javascript:f()">x</a><style>p{}</style>')
    assert [body for _attrs, body in SCRIPT.findall(sample)] == ["alert(1)", ""]
    assert len(INLINE_STYLE.findall(sample)) == 2
    assert len(HANDLER.findall(sample)) == 1 and len(JS_URL.findall(sample)) == 1


def test_generated_markup_has_no_inline_style_or_handlers():
    """Check the Python that builds HTML (Markup) the same way: the SVG charts use classes only."""
    builders = [path for path in (PROJECT_ROOT / "reviewapp").rglob("*.py")
                if "Markup(" in path.read_text(encoding="utf-8")]
    assert builders
    for path in builders:
        text = path.read_text(encoding="utf-8")
        assert not INLINE_STYLE.search(text) and not HANDLER.search(text), path
