"""The pages satisfy their Content-Security-Policy in real Chromium, for every role."""
from __future__ import annotations

import pytest

from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

# Recorded from the first script of every document, before the page's own.
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__csp.push(event.violatedDirective + " " + (event.blockedURI || "inline"));
});
"""


def log_in(page, email: str) -> None:
    """Log in through the form."""
    page.goto("/auth/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/")


def visit(page, paths: list[str]) -> None:
    """Load each page; fail on an error status or a CSP violation (console errors fail the fixture)."""
    for path in paths:
        response = page.goto(path)
        assert response is not None and response.ok, f"{path}: {response and response.status}"
        page.wait_for_load_state("load")
        assert page.evaluate("window.__csp") == [], f"{path}: {page.evaluate('window.__csp')}"


def pages_for(world, app) -> dict[str, list[str]]:
    """Return the main pages of each role, by role."""
    n, closed, sub = world.number, world.closed_number, world.submission_id
    admin = ["/admin/", "/admin/users", "/admin/applications", f"/admin/applications/{world.application_id}",
             "/admin/audit", "/moderation", "/admin/imports/", f"/admin/imports/{world.import_run_id}"]
    if "ranking.admin" in app.view_functions:
        admin.append("/admin/ranker")
    return {
        "anonymous": ["/", f"/applications/{n}", f"/applications/{n}/discussion", "/search",
                      "/search?q=coolant", f"/submissions/{sub}", "/tags", f"/tags/{world.tag}",
                      f"/reviewers/{world.other.id}", f"/documents/{world.library_number}",
                      f"/applications/{n}/claims/1/similar", "/auth/login", "/auth/register",
                      "/auth/forgot", f"/auth/reset/{world.reset_token}"],
        world.volunteer.email: [f"/applications/{n}/submit", f"/applications/{n}",
                                f"/submissions/{world.own_submission_id}/edit", f"/submissions/{sub}/tags",
                                f"/flag/submission/{sub}", "/notifications", "/auth/profile",
                                "/auth/password", f"/reviewers/{world.volunteer.id}",
                                f"/examiner/applications/{closed}/report"],
        world.examiner.email: ["/examiner/", f"/examiner/applications/{n}",
                               f"/examiner/applications/{closed}", f"/examiner/applications/{n}/report",
                               f"/examiner/applications/{closed}/report",
                               f"/examiner/submissions/{sub}/feedback", "/api/tokens",
                               f"/api/tokens/{world.token_id}/revoke", "/export/"],
        world.admin.email: admin,
    }


def test_pages_satisfy_the_csp_for_every_role(page, app, world):
    """Load the main pages of each role in turn: no violation, no console error."""
    page.add_init_script(RECORD_VIOLATIONS)
    for who, paths in pages_for(world, app).items():
        page.context.clear_cookies()
        if who != "anonymous":
            log_in(page, who)
        visit(page, paths)


def test_the_policy_is_enforced_and_violations_are_seen(browser, live_server, app, world):
    """Block an injected inline script and record the violation: the check above can fail."""
    context = browser.new_context(base_url=live_server)
    page = context.new_page()
    console = []
    page.on("console", lambda message: console.append(message.text) if message.type == "error" else None)
    page.add_init_script(RECORD_VIOLATIONS)
    assert page.goto("/no/such/page").status == 404  # the error page (a console error of its own)
    assert page.evaluate("window.__csp") == []
    page.goto(f"/applications/{world.number}")
    page.evaluate("""() => {
        const script = document.createElement("script");
        script.textContent = "window.__ran = 1";
        document.body.appendChild(script);
        document.body.insertAdjacentHTML("beforeend", '<p style="color: red">styled</p>');
    }""")
    page.wait_for_timeout(200)
    assert page.evaluate("window.__ran") is None
    violations = page.evaluate("window.__csp")
    context.close()
    assert any(v.startswith("script-src") for v in violations), violations
    assert any(v.startswith("style-src") for v in violations), violations
    assert any("Content Security Policy" in text for text in console), console
