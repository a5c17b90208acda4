"""The claim chart: independent claims first, claims without art flagged."""
from __future__ import annotations

from reviewapp.examiner.claim_chart import claim_chart
from reviewapp.models import (
    ClaimMark,
)
from tests.factories import make_application, make_submission, make_user


def test_claim_chart_orders_independent_claims_first_and_flags_claims_without_art(db):
    application = make_application(claims=[
        (1, "A method.", []), (2, "The method of claim 1.", [1]), (3, "A system.", []),
        (4, "The system of claim 3.", [3]), (5, "The method of claim 2.", [2])])
    volunteer, marker = make_user(), make_user()
    first = make_submission(application, volunteer, claim_numbers=(1, 2))
    second = make_submission(application, volunteer, claim_numbers=(1,))
    claim4 = next(c for c in application.document.claims if c.number == 4)
    db.session.add(ClaimMark(submission=second, user_id=marker.id, claim=claim4))
    withdrawn = make_submission(application, volunteer, claim_numbers=(3,))
    withdrawn.status = "withdrawn"
    db.session.flush()
    chart = claim_chart(db.session, application, [first, second])
    assert [row.claim.number for row in chart.rows] == [1, 3, 2, 4, 5]
    cells = {row.claim.number: [(c.targeted, c.marks) for c in row.cells] for row in chart.rows}
    assert cells[1] == [(True, 0), (True, 0)]
    assert cells[2] == [(True, 0), (False, 0)]
    assert cells[4] == [(False, 0), (False, 1)]
    counts = {row.claim.number: row.count for row in chart.rows}
    assert counts == {1: 2, 2: 1, 3: 0, 4: 1, 5: 0}
    assert chart.uncovered == [3, 5] and chart.total == 2
