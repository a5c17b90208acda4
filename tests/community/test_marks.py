"""Per-claim "reads on claim N" marks."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from reviewapp.community.votes import VoteError, set_claim_mark, submission_controls
from reviewapp.models import ClaimMark, Endorsement
from tests.conftest import wait_until_blocked
from tests.factories import make_application, make_submission

from .helpers import flash_texts


def claim(application, number: int):
    return next(c for c in application.document.claims if c.number == number)


def marks_on(db, submission) -> list[tuple[int, int]]:
    return db.session.execute(
        select(ClaimMark.user_id, ClaimMark.claim_id).where(ClaimMark.submission_id == submission.id)
        .order_by(ClaimMark.user_id, ClaimMark.claim_id)).all()


def test_marking_and_unmarking_do_what_is_asked_however_often(db, people, application, submission):
    claim_2 = claim(application, 2)
    assert set_claim_mark(db.session, submission, people.voter, claim_2.id, True) is True
    assert set_claim_mark(db.session, submission, people.voter, claim_2.id, True) is False  # twice
    assert marks_on(db, submission) == [(people.voter.id, claim_2.id)]
    assert set_claim_mark(db.session, submission, people.voter, claim_2.id, False) is True
    assert set_claim_mark(db.session, submission, people.voter, claim_2.id, False) is False
    assert marks_on(db, submission) == []


def test_marks_are_per_person_and_per_claim(db, people, application, submission):
    c1, c3 = claim(application, 1), claim(application, 3)
    set_claim_mark(db.session, submission, people.voter, c1.id, True)
    set_claim_mark(db.session, submission, people.voter, c3.id, True)
    set_claim_mark(db.session, submission, people.other, c1.id, True)
    controls = submission_controls(db.session, [submission], people.voter)[submission.id]
    assert [(m.number, m.count, m.mine) for m in controls.marks] == [(1, 2, True), (3, 1, True)]
    controls = submission_controls(db.session, [submission], people.other)[submission.id]
    assert [(m.number, m.count, m.mine) for m in controls.marks] == [(1, 2, True), (3, 1, False)]


def test_only_claims_of_that_application(db, people, submission):
    elsewhere = make_application()
    with pytest.raises(VoteError, match="this application's claims"):
        set_claim_mark(db.session, submission, people.voter, claim(elsewhere, 1).id, True)
    with pytest.raises(VoteError, match="this application's claims"):
        set_claim_mark(db.session, submission, people.voter, 987654, True)
    assert marks_on(db, submission) == []


def test_not_on_ones_own_submission(db, people, application, submission):
    with pytest.raises(VoteError, match="own submission"):
        set_claim_mark(db.session, submission, people.submitter, claim(application, 1).id, True)
    assert marks_on(db, submission) == []


def test_not_after_the_window_closes(db, people):
    closed = make_application(days_left=-2)
    submission = make_submission(closed, people.submitter)
    with pytest.raises(VoteError, match="window is closed"):
        set_claim_mark(db.session, submission, people.voter, claim(closed, 1).id, True)
    assert marks_on(db, submission) == []


def test_mark_view_marks_and_unmarks_and_a_double_click_keeps_the_choice(client, auth, db, people,
                                                                        application, submission):
    auth.login(people.voter)
    claim_3 = claim(application, 3)
    url = f"/submissions/{submission.id}/marks"
    for _ in range(2):  # a double click: the second post must not undo the first
        response = client.post(url, data={"claim_id": claim_3.id, "action": "mark", "next": "/tags"})
        assert response.status_code == 302 and response.headers["Location"].endswith("/tags")
        assert marks_on(db, submission) == [(people.voter.id, claim_3.id)]
    assert "Marked" in flash_texts(client)
    page = client.get(f"/applications/{application.number}").get_data(as_text=True)
    assert 'name="action" value="unmark"' in page  # the mark's own button takes it back
    for _ in range(2):
        client.post(url, data={"claim_id": claim_3.id, "action": "unmark"})
        assert marks_on(db, submission) == []
    client.post(url, data={"claim_id": claim_3.id})  # a stale page's toggle: asks, changes nothing
    assert marks_on(db, submission) == []
    assert "Choose a claim, and to mark or unmark it." in flash_texts(client)


def test_an_endorser_who_may_mark_but_not_vote_gets_the_mark_controls(client, auth, db, people,
                                                                       application, submission):
    """Endorsing keeps the endorser's claims as marks: the page lets them take one off or add one."""
    db.session.add(Endorsement(submission_id=submission.id, user_id=people.voter.id,
                               explanation="It reads on claim 3 as well."))
    db.session.flush()
    db.session.expire(submission, ["endorsements"])
    claim_3 = claim(application, 3)
    set_claim_mark(db.session, submission, people.voter, claim_3.id, True)
    db.session.commit()
    controls = submission_controls(db.session, [submission], people.voter)[submission.id]
    assert (controls.can_vote, controls.can_mark) == (False, True)
    auth.login(people.voter)
    for path in (f"/applications/{application.number}", f"/submissions/{submission.id}"):
        page = client.get(path).get_data(as_text=True)
        assert "You endorsed this document: you can&#39;t vote on it." in page
        assert 'name="action" value="unmark"' in page  # its own mark's button takes it back
        assert '<button type="submit">Mark</button>' in page  # and another claim can be marked
    auth.logout()
    auth.login(people.submitter)  # who may do neither sees the marks as plain text
    page = client.get(f"/submissions/{submission.id}").get_data(as_text=True)
    assert "<span>claim 3 (1)</span>" in page and 'value="unmark"' not in page
    assert '<button type="submit">Mark</button>' not in page


def test_mark_view_refuses_foreign_claims_and_garbage(client, auth, db, people, submission):
    auth.login(people.voter)
    foreign = claim(make_application(), 1)
    client.post(f"/submissions/{submission.id}/marks", data={"claim_id": foreign.id, "action": "mark"})
    client.post(f"/submissions/{submission.id}/marks", data={"claim_id": "abc"})
    client.post(f"/submissions/{submission.id}/marks", data={"claim_id": str(2**40)})
    texts = flash_texts(client)
    assert "Choose one of this application's claims." in texts
    assert marks_on(db, submission) == []


def test_two_connections_marking_one_claim_at_once_never_fail(app, db, people, application, submission):
    """Mark the same claim from two connections at once: no UniqueViolation, one mark."""
    import threading

    from sqlalchemy.orm import Session

    from reviewapp.models import Submission, User

    db.session.commit()
    claim_id = claim(application, 1).id
    outcome: dict[str, object] = {}
    with Session(db.engine) as one, Session(db.engine) as two:
        assert set_claim_mark(one, one.get(Submission, submission.id), one.get(User, people.voter.id),
                              claim_id, True) is True  # inserted, not committed yet

        def mark_too() -> None:
            with app.app_context():
                try:
                    outcome["changed"] = set_claim_mark(two, two.get(Submission, submission.id),
                                                        two.get(User, people.voter.id), claim_id, True)
                    two.commit()
                except Exception as error:  # noqa: BLE001 - the defect: IntegrityError (UniqueViolation)
                    two.rollback()
                    outcome["error"] = repr(error)

        worker = threading.Thread(target=mark_too)
        worker.start()
        wait_until_blocked(db.engine)
        one.commit()
        worker.join(timeout=20)
    assert outcome == {"changed": False}  # it waited, then found the mark there
    db.session.expire_all()
    assert marks_on(db, submission) == [(people.voter.id, claim_id)]


def test_endorsing_while_the_same_claim_is_being_marked_never_fails(app, db, people, application):
    """Mark claim 1 on one connection while endorsing with claim 1 on another."""
    import datetime as dt
    import threading

    from sqlalchemy.orm import Session

    from reviewapp.models import Application, Submission, User
    from reviewapp.priorart.checks import SubmissionData
    from reviewapp.priorart.submitting import submit_prior_art


    def data(explanation: str) -> SubmissionData:
        return SubmissionData(kind="us", identifier="US 5,000,001", claim_numbers=[1], has_conflict=False,
                              publication_date=dt.date(2001, 1, 1), explanation=explanation)

    submission = submit_prior_art(db.session, application, people.submitter, data("First.")).submission
    db.session.commit()
    claim_id = claim(application, 1).id
    outcome: dict[str, object] = {}
    with Session(db.engine) as one, Session(db.engine) as two:
        set_claim_mark(one, one.get(Submission, submission.id), one.get(User, people.voter.id), claim_id, True)

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
