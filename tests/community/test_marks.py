"""Per-claim "reads on claim N" marks."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from reviewapp.community.votes import VoteError, submission_controls, toggle_claim_mark
from reviewapp.models import ClaimMark
from tests.conftest import wait_until_blocked
from tests.factories import make_application, make_submission

from .helpers import flash_texts


def claim(application, number: int):
    return next(c for c in application.document.claims if c.number == number)


def marks_on(db, submission) -> list[tuple[int, int]]:
    return db.session.execute(
        select(ClaimMark.user_id, ClaimMark.claim_id).where(ClaimMark.submission_id == submission.id)
        .order_by(ClaimMark.user_id, ClaimMark.claim_id)).all()


def test_mark_toggles_on_and_off(db, people, application, submission):
    claim_2 = claim(application, 2)
    assert toggle_claim_mark(db.session, submission, people.voter, claim_2.id) is True
    assert marks_on(db, submission) == [(people.voter.id, claim_2.id)]
    assert toggle_claim_mark(db.session, submission, people.voter, claim_2.id) is False
    assert marks_on(db, submission) == []


def test_marks_are_per_person_and_per_claim(db, people, application, submission):
    c1, c3 = claim(application, 1), claim(application, 3)
    toggle_claim_mark(db.session, submission, people.voter, c1.id)
    toggle_claim_mark(db.session, submission, people.voter, c3.id)
    toggle_claim_mark(db.session, submission, people.other, c1.id)
    controls = submission_controls(db.session, [submission], people.voter)[submission.id]
    assert [(m.number, m.count, m.mine) for m in controls.marks] == [(1, 2, True), (3, 1, True)]
    controls = submission_controls(db.session, [submission], people.other)[submission.id]
    assert [(m.number, m.count, m.mine) for m in controls.marks] == [(1, 2, True), (3, 1, False)]


def test_only_claims_of_that_application(db, people, submission):
    elsewhere = make_application()
    with pytest.raises(VoteError, match="this application's claims"):
        toggle_claim_mark(db.session, submission, people.voter, claim(elsewhere, 1).id)
    with pytest.raises(VoteError, match="this application's claims"):
        toggle_claim_mark(db.session, submission, people.voter, 987654)
    assert marks_on(db, submission) == []


def test_not_on_ones_own_submission(db, people, application, submission):
    with pytest.raises(VoteError, match="own submission"):
        toggle_claim_mark(db.session, submission, people.submitter, claim(application, 1).id)
    assert marks_on(db, submission) == []


def test_not_after_the_window_closes(db, people):
    closed = make_application(days_left=-2)
    submission = make_submission(closed, people.submitter)
    with pytest.raises(VoteError, match="window is closed"):
        toggle_claim_mark(db.session, submission, people.voter, claim(closed, 1).id)
    assert marks_on(db, submission) == []


def test_mark_view_toggles_and_reports(client, auth, db, people, application, submission):
    auth.login(people.voter)
    claim_3 = claim(application, 3)
    response = client.post(f"/submissions/{submission.id}/marks", data={"claim_id": claim_3.id, "next": "/tags"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/tags")
    assert marks_on(db, submission) == [(people.voter.id, claim_3.id)]
    assert "Marked" in flash_texts(client)
    client.post(f"/submissions/{submission.id}/marks", data={"claim_id": claim_3.id})
    assert marks_on(db, submission) == []


def test_mark_view_refuses_foreign_claims_and_garbage(client, auth, db, people, submission):
    auth.login(people.voter)
    foreign = claim(make_application(), 1)
    client.post(f"/submissions/{submission.id}/marks", data={"claim_id": foreign.id})
    client.post(f"/submissions/{submission.id}/marks", data={"claim_id": "abc"})
    client.post(f"/submissions/{submission.id}/marks", data={"claim_id": str(2**40)})
    texts = flash_texts(client)
    assert "Choose one of this application's claims." in texts
    assert marks_on(db, submission) == []


def test_two_connections_toggling_one_mark_at_once_never_fail(app, db, people, application, submission):
    """Toggle the same mark from two connections at once (PostgreSQL): no UniqueViolation, one state."""
    import threading

    from sqlalchemy.orm import Session

    from reviewapp.models import Submission, User

    if db.engine.dialect.name != "postgresql":
        pytest.skip("concurrent writers are a PostgreSQL matter; SQLite serialises them")
    db.session.commit()
    claim_id = claim(application, 1).id
    outcome: dict[str, object] = {}
    with Session(db.engine) as one, Session(db.engine) as two:
        assert toggle_claim_mark(one, one.get(Submission, submission.id), one.get(User, people.voter.id),
                                 claim_id) is True  # inserted, not committed yet

        def toggle_too() -> None:
            with app.app_context():
                try:
                    outcome["marked"] = toggle_claim_mark(two, two.get(Submission, submission.id),
                                                          two.get(User, people.voter.id), claim_id)
                    two.commit()
                except Exception as error:  # noqa: BLE001 - the defect: IntegrityError (UniqueViolation)
                    two.rollback()
                    outcome["error"] = repr(error)

        worker = threading.Thread(target=toggle_too)
        worker.start()
        wait_until_blocked(db.engine)
        one.commit()
        worker.join(timeout=20)
    assert "error" not in outcome, outcome
    db.session.expire_all()
    assert len(marks_on(db, submission)) == (1 if outcome["marked"] else 0)


def test_endorsing_while_the_same_claim_is_being_marked_never_fails(app, db, people, application):
    """Mark claim 1 on one connection while endorsing with claim 1 on another (PostgreSQL)."""
    import datetime as dt
    import threading

    from sqlalchemy.orm import Session

    from reviewapp.models import Application, Submission, User
    from reviewapp.priorart.checks import SubmissionData
    from reviewapp.priorart.submitting import submit_prior_art

    if db.engine.dialect.name != "postgresql":
        pytest.skip("concurrent writers are a PostgreSQL matter; SQLite serialises them")

    def data(explanation: str) -> SubmissionData:
        return SubmissionData(kind="us", identifier="US 5,000,001", claim_numbers=[1], has_conflict=False,
                              publication_date=dt.date(2001, 1, 1), explanation=explanation)

    submission = submit_prior_art(db.session, application, people.submitter, data("First.")).submission
    db.session.commit()
    claim_id = claim(application, 1).id
    outcome: dict[str, object] = {}
    with Session(db.engine) as one, Session(db.engine) as two:
        toggle_claim_mark(one, one.get(Submission, submission.id), one.get(User, people.voter.id), claim_id)

        def endorse() -> None:
            with app.app_context():
                try:
                    outcome["result"] = submit_prior_art(
                        two, two.get(Application, application.id), two.get(User, people.voter.id),
                        data("Same document.")).status
                    two.commit()
                except Exception as error:  # noqa: BLE001 - the defect: IntegrityError (UniqueViolation)
                    two.rollback()
                    outcome["result"] = repr(error)

        worker = threading.Thread(target=endorse)
        worker.start()
        wait_until_blocked(db.engine)
        one.commit()
        worker.join(timeout=20)
    assert outcome.get("result") == "endorsed", outcome
    assert marks_on(db, submission) == [(people.voter.id, claim_id)]
