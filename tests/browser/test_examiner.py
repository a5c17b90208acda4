"""The examiner's path in real Chromium: log in, ranked list and charts, verdict, report."""
from __future__ import annotations

import datetime as dt
import itertools

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from reviewapp.models import Feedback, Score, User
from reviewapp.ranking.scores import rescore_application
from tests.browser.conftest import screenshot
from tests.factories import PASSWORD, make_application, make_submission, make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def reviewed(db):
    """An application under review with three scored submissions, and an examiner."""
    application = make_application(title="Liquid cooled battery pack", priority_date=dt.date(2019, 6, 1))
    ada, grace = make_user(name="Ada R."), make_user(name="Grace H.")
    make_submission(application, ada, identifier="US6000001", identifier_raw="US6000001B1",
                    title="Coolant manifold", claim_numbers=(1, 2),
                    explanation="Discloses the coolant loop of claim 1 and glycol of claim 2.")
    make_submission(application, grace, identifier="US6000002", identifier_raw="US6000002B2",
                    title="Pump housing", claim_numbers=(3,), explanation="Shows the pump of claim 3.")
    make_submission(application, grace, kind="npl", identifier="npl:abc", identifier_raw="Smith 2011",
                    title="Thermal paper", claim_numbers=(1,), explanation="Coolant in battery packs.")
    examiner = make_user("examiner", email="examiner@example.org", name="Examiner E.")
    rescore_application(db.session, application.id)
    db.session.commit()
    return application, examiner


def log_in(page, email: str) -> None:
    page.goto("/auth/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_examiner_reads_ranks_judges_and_reports(page, db, reviewed):
    application, examiner = reviewed
    log_in(page, examiner.email)
    page.get_by_role("link", name="Examiner", exact=True).click()
    page.get_by_role("link", name=application.number).first.click()
    expect(page.get_by_role("heading", name=f"{application.number}: Liquid cooled battery pack")).to_be_visible()

    # Ranked list follows the stored ranks, each with its reasons; the charts are drawn.
    ranks = db.session.execute(select(Score.rank, Score.submission_id).order_by(Score.rank)).all()
    positions = page.locator("article.ranked-item").evaluate_all("els => els.map(e => e.id)")
    assert positions == [f"submission-{sid}" for _, sid in ranks]
    assert page.locator("article.ranked-item.forwarded").count() == 3
    assert page.locator("section.charts svg").count() == 3
    expect(page.locator("table").filter(has_text="Claim").first).to_be_visible()  # the claim chart
    screenshot(page, "10-examiner-application")

    # A verdict on the top item updates the submitter's reputation at once.
    top = page.locator("article.ranked-item").first
    top.get_by_label("used in a rejection").check()
    top.get_by_label("Note (examiners only)").fill("Anticipates claim 1.")
    top.get_by_role("button", name="Save verdict").click()
    db.session.expire_all()
    feedback = db.session.scalar(select(Feedback))
    assert (feedback.verdict, feedback.note) == ("used", "Anticipates claim 1.")
    submitter = db.session.get(User, feedback.submission.submitter_id)
    assert (submitter.verdicts_total, submitter.verdicts_positive) == (1, 1)

    # The report lists the documents by kind with their concise descriptions.
    page.goto(f"/examiner/applications/{application.number}/report")
    body = page.locator("main").inner_text()
    assert "U.S. patents" in body or "U.S. Patents" in body
    assert "Non-patent literature" in body or "Non-Patent Literature" in body
    assert "Discloses the coolant loop of claim 1" in body
    assert "Anticipates claim 1." not in body  # examiner notes never go into the report
    screenshot(page, "11-forwarded-report")


# Each chart text's size on screen: its font size times the scale the SVG is drawn at.
CHART_TEXT = """() => [...document.querySelectorAll("svg.chart text")].map(text => {
    const box = text.getBoundingClientRect();
    return {chart: text.ownerSVGElement.getAttribute("aria-label"), kind: text.getAttribute("class"),
            text: text.textContent, left: box.left, right: box.right,
            px: parseFloat(getComputedStyle(text).fontSize) * text.getScreenCTM().a};
})"""


@pytest.mark.parametrize("width", [360, 1280])
def test_chart_labels_are_at_least_12_px_and_apart(browser, live_server, reviewed, width):
    application, examiner = reviewed
    context = browser.new_context(base_url=live_server, viewport={"width": width, "height": 800})
    page = context.new_page()
    try:
        log_in(page, examiner.email)
        page.wait_for_url("**/")
        page.goto(f"/examiner/applications/{application.number}")
        texts = page.evaluate(CHART_TEXT)
    finally:
        context.close()
    charts = {text["chart"] for text in texts}
    assert len(charts) == 3
    small = [f'{t["chart"]}: {t["text"]} {t["px"]:.1f} px' for t in texts if t["px"] < 12]
    assert small == []
    for chart in charts:
        for kind in ("label", "value"):
            row = sorted((t for t in texts if t["chart"] == chart and t["kind"] == kind),
                         key=lambda t: t["left"])
            overlaps = [(a["text"], b["text"]) for a, b in itertools.pairwise(row) if b["left"] < a["right"] + 2]
            assert overlaps == [], f"{chart}: {kind}s overlap"
