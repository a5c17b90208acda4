"""The same document again: endorsements, resubmissions, races."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from reviewapp.models import (
    Application,
    ClaimMark,
    ConflictDeclaration,
    Endorsement,
    Submission,
    User,
)
from reviewapp.priorart import submitting
from reviewapp.priorart.checks import SubmissionError
from reviewapp.priorart.editing import withdraw_submission
from reviewapp.priorart.submitting import CREATED, ENDORSED, submit_prior_art
from tests.conftest import wait_until_blocked
from tests.factories import make_application, make_submission
from tests.priorart.helpers import count, data


def test_same_document_again_becomes_an_endorsement(db, application, alice, bob):
    first = submit_prior_art(db.session, application, alice, data(identifier="US 7,123,456 B2"))
    second = submit_prior_art(db.session, application, bob, data(
        identifier="7123456", pinpoint="Fig. 2", claim_numbers=[2, 3], explanation="Also shows glycol."))
    assert second.status == ENDORSED and not second.created
    assert second.submission.id == first.submission.id
    assert "already submitted; your explanation was added as an endorsement" in second.message
    assert count(db, Submission) == 1
    endorsement = db.session.scalars(select(Endorsement)).one()
    assert (endorsement.user_id, endorsement.pinpoint, endorsement.explanation) == (
        bob.id, "Fig. 2", "Also shows glycol.")
    assert second.submission.endorsements == [endorsement]
    # Bob's claims are kept as his "reads on" marks; Alice's submission keeps her claims.
    marked = db.session.scalars(select(ClaimMark).where(ClaimMark.user_id == bob.id)).all()
    assert sorted(m.claim.number for m in marked) == [2, 3]
    assert [c.number for c in first.submission.claims] == [1]
    # Bob stated his conflicts too, as a first-time contributor on this application.
    assert count(db, ConflictDeclaration) == 2


def test_own_duplicate_is_refused_and_nothing_duplicated(db, application, alice):
    submit_prior_art(db.session, application, alice, data())
    with pytest.raises(SubmissionError, match="You already submitted this document") as refused:
        submit_prior_art(db.session, application, alice, data(identifier="US7123456B1"))
    assert refused.value.field == "identifier"
    assert count(db, Submission) == 1 and count(db, Endorsement) == 0


def test_endorsing_twice_is_refused(db, application, alice, bob):
    submit_prior_art(db.session, application, alice, data())
    submit_prior_art(db.session, application, bob, data())
    with pytest.raises(SubmissionError, match="already endorsed"):
        submit_prior_art(db.session, application, bob, data(explanation="Again"))
    assert count(db, Endorsement) == 1


def test_duplicate_is_per_application(db, application, alice):
    submit_prior_art(db.session, application, alice, data())
    other = make_application()
    assert submit_prior_art(db.session, other, alice, data()).status == CREATED
    assert count(db, Submission) == 2


def test_concurrent_insert_falls_back_to_an_endorsement(db, application, alice, bob, monkeypatch):
    """Alice's row lands between Bob's lookup and insert: the constraint makes Bob's an endorsement."""
    real_find = submitting.find_submission
    calls = []

    def find_after_race(session, app_, key):
        calls.append(key)
        if len(calls) == 1:
            make_submission(application, alice, identifier=key)  # the other request wins the race
            return None
        return real_find(session, app_, key)

    monkeypatch.setattr(submitting, "find_submission", find_after_race)
    outcome = submit_prior_art(db.session, application, bob, data())
    assert calls == ["US7123456", "US7123456"]
    assert outcome.status == ENDORSED
    assert outcome.submission.submitter_id == alice.id
    assert count(db, Submission) == 1
    assert db.session.scalars(select(Endorsement)).one().user_id == bob.id
    # The session is still usable after the savepoint rolled back: Bob's conflict statement is kept.
    assert count(db, ConflictDeclaration) == 1
    db.session.commit()


def test_concurrent_double_click_by_the_same_user_is_refused(db, application, alice, monkeypatch):
    real_find = submitting.find_submission
    calls = []

    def find_after_race(session, app_, key):
        calls.append(key)
        if len(calls) == 1:
            make_submission(application, alice, identifier=key)
            return None
        return real_find(session, app_, key)

    monkeypatch.setattr(submitting, "find_submission", find_after_race)
    with pytest.raises(SubmissionError, match="You already submitted"):
        submit_prior_art(db.session, application, alice, data())
    assert count(db, Submission) == 1


def test_withdrawn_document_submitted_again_comes_back(db, application, alice, bob):
    first = submit_prior_art(db.session, application, alice, data())
    withdraw_submission(db.session, first.submission, alice)
    outcome = submit_prior_art(db.session, application, bob, data(explanation="Bob's reading."))
    submission = outcome.submission
    assert outcome.status == CREATED and submission.id == first.submission.id
    assert (submission.submitter_id, submission.status, submission.explanation) == (bob.id, "active",
                                                                                   "Bob's reading.")
    assert [r.action for r in submission.revisions] == ["withdraw", "resubmit"]
    assert submission.version == 3


def test_hidden_document_cannot_be_submitted_again(db, application, alice, bob):
    make_submission(application, alice, identifier="US7123456", status="hidden")
    with pytest.raises(SubmissionError, match="removed from this review by the moderators"):
        submit_prior_art(db.session, application, bob, data())
    assert count(db, Endorsement) == 0


def test_an_item_withdrawn_since_it_was_read_is_resubmitted_not_endorsed(app, db, application, alice, bob):
    """This session read Alice's item while active; she withdrew it in another: Bob's brings it back."""
    submission = submit_prior_art(db.session, application, alice, data()).submission
    db.session.commit()
    assert submission.status == "active"  # read now, before the withdrawal
    with Session(db.engine) as elsewhere:
        withdraw_submission(elsewhere, elsewhere.get(Submission, submission.id),
                            elsewhere.get(User, alice.id))
        elsewhere.commit()
    outcome = submit_prior_art(db.session, application, bob, data(explanation="Bob's reading."))
    assert (outcome.status, outcome.submission.id) == (CREATED, submission.id)
    assert (submission.status, submission.submitter_id) == ("active", bob.id)
    assert count(db, Endorsement) == 0


def test_an_endorsement_during_a_withdrawal_waits_and_becomes_a_resubmission(app, db, application,
                                                                            alice, bob, monkeypatch):
    """PostgreSQL: Bob's endorsement waits for Alice's withdrawal, then brings the item back."""
    # Each commit below runs the rescoring it wrote (HUEY_IMMEDIATE), the worker's in its thread:
    # slow, and not this test's matter; one still running at teardown would block it.
    monkeypatch.setitem(app.extensions["tasks"], "rescore", lambda *_: None)
    submission = submit_prior_art(db.session, application, alice, data()).submission
    db.session.commit()
    ids = (application.id, submission.id, alice.id, bob.id)
    outcome: dict[str, object] = {}
    with Session(db.engine) as one, Session(db.engine) as two:
        withdraw_submission(one, one.get(Submission, ids[1]), one.get(User, ids[2]))

        def endorse_now() -> None:
            with app.app_context():
                try:
                    result = submit_prior_art(two, two.get(Application, ids[0]), two.get(User, ids[3]),
                                              data(explanation="Bob's reading."))
                    two.commit()
                    outcome["status"] = result.status
                except BaseException as error:  # noqa: BLE001 - reported by the assertion below
                    two.rollback()
                    outcome["error"] = error

        worker = threading.Thread(target=endorse_now)
        worker.start()
        wait_until_blocked(db.engine)
        one.commit()
        worker.join(timeout=20)
    assert outcome == {"status": CREATED}
    db.session.expire_all()
    stored = db.session.get(Submission, ids[1])
    assert (stored.status, stored.submitter_id, stored.endorsements) == ("active", bob.id, [])
