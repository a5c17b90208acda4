"""The landing for first-time visitors and the application page as a reviewer's workspace."""
from __future__ import annotations

import re
from html import unescape

from reviewapp.applications.services import claim_counts, site_numbers
from reviewapp.examiner.forwarding import freeze_report
from reviewapp.models import ClaimMark
from tests.factories import make_application, make_submission, make_user


def test_site_numbers_count_live_reviews(db):
    volunteer, other = make_user(), make_user()
    soon, later = make_application(days_left=3), make_application(days_left=40)
    closed = make_application(status="closed", days_left=-1)
    make_application(status="pending")
    for application, who in ((soon, volunteer), (soon, other), (later, volunteer), (closed, other)):
        make_submission(application, who)
    make_submission(later, other, status="withdrawn")
    # Someone whose only prior art was withdrawn or hidden is not counted among the reviewers.
    make_submission(later, make_user(), status="withdrawn")
    make_submission(soon, make_user(), status="hidden")
    freeze_report(db.session, closed)
    numbers = site_numbers(db.session)
    assert (numbers.open_applications, numbers.closing_this_week, numbers.submissions,
            numbers.reviewers, numbers.forwarded_reports) == (2, 1, 4, 2, 1)


def test_first_time_visitors_get_the_landing_with_live_numbers(client, auth, db, app):
    make_application(days_left=3)
    make_user()
    db.session.commit()
    html = unescape(client.get("/").get_data(as_text=True))
    assert "How a review works" in html and f"The top {app.config['FORWARDED_TOP_N']} go to the examiner" in html
    assert re.search(r"<dt>Open for review</dt><dd>1</dd>", html)
    assert re.search(r"<dt>Closing within a week</dt><dd>1</dd>", html)
    assert html.count("<h1") == 1
    assert "How a review works" not in client.get("/?view=closing-soon").get_data(as_text=True)
    auth.login(make_user())
    db.session.commit()
    assert "How a review works" not in client.get("/").get_data(as_text=True)


def test_claims_show_their_numbers_prior_art_and_reads_on_marks(client, db):
    application = make_application()
    volunteer, other = make_user(), make_user()
    first = make_submission(application, volunteer, claim_numbers=(1, 2))
    make_submission(application, other, claim_numbers=(1,))
    make_submission(application, other, claim_numbers=(3,), status="withdrawn")
    claims = {claim.number: claim for claim in application.document.claims}
    db.session.add_all([ClaimMark(submission_id=first.id, user_id=other.id, claim_id=claims[3].id),
                        ClaimMark(submission_id=first.id, user_id=volunteer.id, claim_id=claims[3].id)])
    db.session.commit()
    assert claim_counts(db.session, application) == {claims[1].id: (2, 0), claims[2].id: (1, 0),
                                                     claims[3].id: (0, 2)}
    html = unescape(client.get(f"/applications/{application.number}").get_data(as_text=True))
    heads = re.findall(r'<strong class="claim-number">Claim (\d)</strong>.*?<span class="fact[^"]*">(\d) prior art',
                       html, re.DOTALL)
    assert heads == [("1", "2"), ("2", "1"), ("3", "0")]
    assert "reads on ×2" in html
    # Claim 2 depends on claim 1: nested in its list; tabs name the panes with their counts.
    assert re.search(r'id="claim-1".*<ol class="claims">\s*<li id="claim-2"', html, re.DOTALL)
    assert re.search(r'href="#prior-art">Prior art <span class="count">2</span>', html)
    assert f'<a class="button primary" href="/applications/{application.number}/submit">Submit prior art</a>' in html


def test_window_states_are_said_in_words_once(client, auth, db):
    closed = make_application(status="closed", days_left=-2, title="Closed widget")
    make_application(status="pending", title="Pending widget")
    examiner = make_user("examiner")
    db.session.commit()
    day = closed.closes_at.strftime("%Y-%m-%d")
    html = client.get("/?status=closed").get_data(as_text=True)
    assert f"closed {day}" in html and "closed, clos" not in html
    assert "not yet open" in client.get("/?status=pending").get_data(as_text=True)
    auth.login(examiner)
    queue = client.get("/examiner/?window=closed").get_data(as_text=True)
    assert f"closed {day}" in queue and "closed, closed" not in queue
