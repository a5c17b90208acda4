"""Browser tests: the real app served on loopback, driven by headless Chromium (Playwright)."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from reviewapp import create_app
from reviewapp.extensions import db as _db
from tests.conftest import base_config, empty_tables, serving
from tests.security.conftest import build_world

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    # Without these Chromium keeps calling home, and this machine refuses the connections.
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Return Debian's Chromium; skip (fail under CI) when it is not installed."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        message = "chromium is not installed (apt-get install chromium); browser tests need it"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def browser(chromium_path):
    """Yield one headless Chromium for the whole run."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path, headless=True,
                                              args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def app(migrated_database, tmp_path):
    """Return an app as users get it: CSRF on, no fixed server name."""
    config = base_config(tmp_path, migrated_database)
    config.update(WTF_CSRF_ENABLED=True, SERVER_NAME=None)
    app = create_app(config)
    with app.app_context():
        yield app
        _db.session.remove()
        empty_tables()
        _db.engine.dispose()


@pytest.fixture
def live_server(app):
    """Serve the app on a free loopback port in a thread; yield its base URL."""
    with serving(app) as url:
        yield url


@pytest.fixture
def page(browser, live_server):
    """Yield a fresh browser page; JS errors and CSP violations fail the test."""
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("console", lambda message: problems.append(f"console {message.type}: {message.text}")
            if message.type == "error" else None)
    page.set_default_timeout(10_000)
    yield page
    context.close()
    assert problems == [], problems


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot under test-artifacts/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def world(app, db, monkeypatch):
    """Return the security tests' site: every kind of row, committed."""
    with monkeypatch.context() as patch:
        patch.setitem(app.extensions["tasks"], "rescore", lambda application_id: None)
        return build_world()
