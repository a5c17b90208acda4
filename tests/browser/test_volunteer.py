"""A volunteer's path in real Chromium: register, find, submit, be refused, vote, comment."""
from __future__ import annotations

import datetime as dt
from itertools import pairwise

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from reviewapp.indexing import rebuild_index
from reviewapp.models import Comment, Submission, User, Vote
from tests.browser.conftest import screenshot
from tests.factories import make_application, make_submission, make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def open_application(db):
    """An open application with a priority date and another reviewer's submission."""
    application = make_application(title="Liquid cooled battery pack", priority_date=dt.date(2019, 6, 1),
                                   cpc=["H01M 10/613"])
    other = make_user(name="Grace H.")
    make_submission(application, other, identifier="US6000001", identifier_raw="US6000001B1",
                    title="Coolant manifold", claim_numbers=(1,))
    db.session.commit()
    return application


def register(page, email: str, name: str, password: str = "a long enough password") -> None:
    page.goto("/auth/register")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Display name").fill(name)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("Repeat the password").fill(password)
    page.get_by_role("button", name="Create the account").click()


def test_volunteer_reviews_an_application(page, db, open_application):
    number = open_application.number
    screenshot(page, "01-home")
    register(page, "ada@example.org", "Ada R.")
    expect(page.get_by_text("Ada R.").first).to_be_visible()

    # Find the application by class from the home page.
    page.goto("/?cpc=H01M")
    page.get_by_role("link", name=number).click()
    expect(page.get_by_role("heading", name="Liquid cooled battery pack")).to_be_visible()
    screenshot(page, "02-application")

    # Submit a document published after the priority date: refused, with the reason on screen.
    page.goto(f"/applications/{number}/submit")
    page.get_by_label("US patent or published application").check()
    page.get_by_label("Number or identifier").fill("US 9,999,999 B2")
    page.get_by_label("Title").fill("Late cold plate")
    page.get_by_label("Publication date").fill("2020-05-01")
    page.get_by_label("Pinpoint").fill("col. 3, l. 15-40")
    page.locator("input[name=claims][value='1']").check()
    page.get_by_label("Concise description of relevance").fill("Shows the cold plate of claim 1.")
    page.get_by_label("I have no conflict of interest", exact=False).check()
    page.get_by_role("button", name="Submit prior art").click()
    refusal = page.locator(".error", has_text="priority date")
    expect(refusal.first).to_be_visible()
    assert "2019-06-01" in refusal.first.inner_text()
    assert page.get_by_label("Title").input_value() == "Late cold plate"  # kept what was typed
    screenshot(page, "03-late-document-refused")
    assert db.session.scalar(select(Submission).where(Submission.title == "Late cold plate")) is None

    # Correct the date: accepted and tied to claim 1.
    page.get_by_label("Publication date").fill("2012-03-06")
    page.get_by_label("I have no conflict of interest", exact=False).check()
    page.get_by_role("button", name="Submit prior art").click()
    expect(page.get_by_text("Late cold plate").first).to_be_visible()
    db.session.expire_all()
    mine = db.session.scalar(select(Submission).where(Submission.title == "Late cold plate"))
    assert mine is not None and [c.number for c in mine.claims] == [1]
    assert mine.identifier == "US9999999"

    # Vote up the other reviewer's submission, then comment.
    page.goto(f"/applications/{number}")
    other_card = page.locator(".submission", has_text="Coolant manifold")
    other_card.get_by_role("button", name="Vote up").click()
    db.session.expire_all()
    ada = db.session.scalar(select(User).where(User.email == "ada@example.org"))
    votes = db.session.scalars(select(Vote).where(Vote.user_id == ada.id)).all()
    assert [v.value for v in votes] == [1]

    page.goto(f"/applications/{number}")
    page.get_by_label("Comment").fill("Claim 1 reads on **US 9,999,999** col. 3.")
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator(".comment strong", has_text="US 9,999,999").first).to_be_visible()
    db.session.expire_all()
    assert db.session.scalar(select(Comment.body).where(Comment.author_id == ada.id)).startswith("Claim 1")
    screenshot(page, "04-application-after-review")


def test_form_errors_show_next_to_fields(page, db, open_application):
    register(page, "x", "", "short")
    assert page.locator(".field.has-error").count() >= 2
    assert page.get_by_label("Email").input_value() == "x"
    screenshot(page, "05-register-errors")


def test_choice_lists_are_named_groups_described_by_their_error(page, db, open_application):
    register(page, "ada@example.org", "Ada R.")
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"/applications/{open_application.number}/submit")
    claims = page.get_by_role("group", name="Claims it bears on")
    expect(claims.get_by_role("checkbox")).to_have_count(3)
    expect(page.get_by_role("group", name="Kind of document").get_by_role("radio")).to_have_count(3)
    page.get_by_role("button", name="Submit prior art").click()
    expect(claims).to_have_accessible_description("Choose at least one claim this document bears on.")
    expect(claims.get_by_role("checkbox").first).to_have_attribute("aria-invalid", "true")


def test_claim_links_on_a_submission_are_targets_of_24_px(page, db, open_application):
    submission = make_submission(open_application, make_user(), claim_numbers=(1, 2))
    db.session.commit()
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"/submissions/{submission.id}")
    links = page.get_by_role("definition").filter(has=page.get_by_role("link", name="2", exact=True))
    boxes = [link.bounding_box() for link in links.get_by_role("link").all()]
    assert len(boxes) == 2
    assert all(box["width"] >= 24 and box["height"] >= 24 for box in boxes), boxes


def test_search_facet_links_are_targets_of_24_px(page, db, open_application):
    rebuild_index()
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto("/search?q=battery")
    links = page.locator("aside.facets li a")
    boxes = [link.bounding_box() for link in links.all()]
    assert boxes, "no facet links"
    assert all(box["height"] >= 24 and box["width"] >= 24 for box in boxes), boxes
    tops = sorted(box["y"] for box in boxes)
    assert all(b - a >= 24 for a, b in pairwise(tops) if b != a), tops
