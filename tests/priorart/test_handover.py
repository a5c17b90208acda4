"""Withdrawal keeps others' work: the earliest active endorser takes over; no votes on one's own."""
from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from sqlalchemy import select

from reviewapp.community.votes import VoteError, cast_vote, set_claim_mark
from reviewapp.models import ClaimMark, Endorsement, Submission, SubmissionRevision, Vote
from reviewapp.models.base import utcnow
from reviewapp.priorart.checks import SubmissionData
from reviewapp.priorart.editing import withdraw_submission
from reviewapp.priorart.submitting import submit_prior_art
from reviewapp.signals import submitter_changed
from tests.conftest import wait_until_blocked
from tests.factories import make_application, make_user


def data(**fields) -> SubmissionData:
    """Return a valid submission of US 7,123,456 B2 on claim 1."""
    values = {"kind": "us", "identifier": "US 7,123,456 B2", "title": "Battery cooler",
              "publication_date": dt.date(2012, 4, 3), "pinpoint": "col. 3, l. 15-40",
              "claim_numbers": [1], "explanation": "Alice: the coolant loop of claim 1.",
              "has_conflict": False}
    values.update(fields)
    return SubmissionData(**values)


@pytest.fixture
def review(app, db):
    """Alice submits; Bob, then Carol, endorse; Dave votes up and marks claim 2."""
    application = make_application(priority_date=dt.date(2019, 6, 1))
    alice, bob, carol, dave = (make_user(name=name) for name in ("Alice", "Bob", "Carol", "Dave"))
    examiner = make_user("examiner", name="Erin")
    submission = submit_prior_art(db.session, application, alice, data()).submission
    submit_prior_art(db.session, application, bob, data(
        claim_numbers=[1, 3], pinpoint="p. 7", explanation="Bob: the pump of claim 3 too."))
    submit_prior_art(db.session, application, carol, data(explanation="Carol agrees."))
    cast_vote(db.session, submission, dave, 1)
    set_claim_mark(db.session, submission, dave, application.document.claims[1].id, True)
    db.session.commit()
    return type("Review", (), {"application": application, "submission": submission, "alice": alice,
                               "bob": bob, "carol": carol, "dave": dave, "examiner": examiner})


def test_the_earliest_endorser_takes_over_and_nothing_is_lost(db, review):
    successor = withdraw_submission(db.session, review.submission, review.alice)
    db.session.commit()
    submission = db.session.get(Submission, review.submission.id)
    assert successor.id == review.bob.id
    assert (submission.status, submission.submitter_id) == ("active", review.bob.id)
    assert (submission.explanation, submission.pinpoint) == ("Bob: the pump of claim 3 too.", "p. 7")
    assert [c.number for c in submission.claims] == [1, 3]
    assert [e.user_id for e in submission.endorsements] == [review.carol.id]
    assert db.session.scalars(select(Vote.user_id).where(Vote.submission_id == submission.id)).all() == [
        review.dave.id]
    marks = db.session.scalars(select(ClaimMark.user_id).where(ClaimMark.submission_id == submission.id)).all()
    # Bob's marks became the item's claims: kept as marks they would count twice, and as its
    # submitter he could no longer unmark them. Carol's and Dave's stay.
    assert sorted(marks) == sorted([review.carol.id, review.dave.id])
    revision = db.session.scalars(select(SubmissionRevision)).one()
    assert (revision.action, revision.editor_id, revision.data["submitter_id"]) == (
        "handover", review.alice.id, review.alice.id)
    assert revision.data["explanation"] == "Alice: the coolant loop of claim 1."
    assert revision.created_at is not None


def test_it_disappears_only_when_nobody_puts_it_forward(db, review):
    withdraw_submission(db.session, review.submission, review.alice)
    assert withdraw_submission(db.session, review.submission, review.bob).id == review.carol.id
    assert review.submission.status == "active"
    assert withdraw_submission(db.session, review.submission, review.carol) is None
    assert review.submission.status == "withdrawn"
    assert [r.action for r in review.submission.revisions] == ["handover", "handover", "withdraw"]
    assert db.session.scalar(select(Endorsement.id)) is None


@pytest.mark.parametrize("suspend", ["banned", "deactivated"])
def test_a_suspended_endorser_is_passed_over(db, review, suspend):
    """Bob is banned (or deactivated): Carol, the next active endorser, takes the item over."""
    if suspend == "banned":
        review.bob.banned_at = utcnow()
    else:
        review.bob.active = False
    db.session.commit()
    successor = withdraw_submission(db.session, review.submission, review.alice)
    db.session.commit()
    submission = db.session.get(Submission, review.submission.id)
    assert successor.id == review.carol.id
    assert (submission.status, submission.submitter_id, submission.explanation) == (
        "active", review.carol.id, "Carol agrees.")
    assert [e.user_id for e in submission.endorsements] == [review.bob.id]
    assert submission.can_edit(review.carol)  # the new submitter of record can still change it


def test_an_item_only_suspended_accounts_endorse_is_withdrawn(db, review):
    review.bob.banned_at = utcnow()
    review.carol.active = False
    db.session.commit()
    assert withdraw_submission(db.session, review.submission, review.alice) is None
    db.session.commit()
    submission = db.session.get(Submission, review.submission.id)
    assert (submission.status, submission.submitter_id) == ("withdrawn", review.alice.id)
    assert submission.explanation == "Alice: the coolant loop of claim 1."
    assert [r.action for r in submission.revisions] == ["withdraw"]


def test_page_api_examiner_list_and_export_agree_after_the_handover(app, client, auth, db, review):
    auth.login(review.alice)
    response = client.post(f"/submissions/{review.submission.id}/withdraw", data={"confirm": "yes"},
                           follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Bob, who endorsed this document, now puts it forward" in page
    assert "withdrawal (the earliest endorser took over) by Alice" in page
    number = review.application.number

    application_page = client.get(f"/applications/{number}").get_data(as_text=True)
    assert "Battery cooler" in application_page and "Bob: the pump of claim 3 too." in application_page

    api = client.get(f"/api/v1/applications/{number}/prior-art").get_json()
    assert [item["identifier"] for item in api["items"]] == ["US7123456B2"]

    auth.login(review.examiner)
    examiner_page = client.get(f"/examiner/applications/{number}").get_data(as_text=True)
    assert "Battery cooler" in examiner_page and "Carol agrees." in examiner_page

    exported = client.get("/export/submissions.csv").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert [(r["status"], r["submitter_id"], r["endorsements"], r["votes_up"]) for r in rows] == [
        ("active", str(review.bob.id), "1", "1")]


def test_an_examiner_who_judged_it_never_becomes_its_submitter(db, review):
    """Erin judges the item: she can neither endorse it (to take it over) nor resubmit it."""
    from reviewapp.examiner.verdicts import record_feedback
    from reviewapp.priorart.checks import SubmissionError

    record_feedback(db.session, review.submission, review.examiner, "used")
    judged = "You judged this document as an examiner: you cannot put it forward."
    with pytest.raises(SubmissionError, match=judged):
        submit_prior_art(db.session, review.application, review.examiner, data(explanation="Erin too."))
    assert review.examiner.id not in {e.user_id for e in review.submission.endorsements}
    successors = [withdraw_submission(db.session, review.submission, person)
                  for person in (review.alice, review.bob, review.carol)]
    assert [s.id if s else None for s in successors] == [review.bob.id, review.carol.id, None]
    assert review.submission.status == "withdrawn"
    with pytest.raises(SubmissionError, match=judged):
        submit_prior_art(db.session, review.application, review.examiner, data(explanation="Mine now."))
    db.session.commit()
    submission = db.session.get(Submission, review.submission.id)
    assert (submission.status, submission.submitter_id) == ("withdrawn", review.carol.id)
    assert review.examiner.id not in submission.past_submitter_ids()


def test_a_vote_on_ones_own_item_through_withdraw_and_resubmit_is_refused(db, review):
    """Dave voted up; the item is withdrawn; Dave submits it again: his vote goes, and he cannot vote."""
    for person in (review.alice, review.bob, review.carol):
        withdraw_submission(db.session, review.submission, person)
    assert review.submission.status == "withdrawn"
    submit_prior_art(db.session, review.application, review.dave, data(explanation="Dave's reading."))
    assert review.submission.submitter_id == review.dave.id
    assert db.session.scalar(select(Vote.id).where(Vote.submission_id == review.submission.id)) is None
    assert review.dave.id not in db.session.scalars(select(ClaimMark.user_id).where(
        ClaimMark.submission_id == review.submission.id)).all()  # his claims are the item's now
    with pytest.raises(VoteError, match="own submission"):
        cast_vote(db.session, review.submission, review.dave, 1)
    for former in (review.alice, review.bob):
        with pytest.raises(VoteError, match="submitted this document earlier"):
            cast_vote(db.session, review.submission, former, 1)


def test_endorsers_do_not_vote_on_what_they_endorsed(db, review):
    with pytest.raises(VoteError, match="You endorsed this document"):
        cast_vote(db.session, review.submission, review.carol, 1)
    # Dave voted first, then endorses: his vote goes with it.
    submit_prior_art(db.session, review.application, review.dave, data(explanation="Dave agrees too."))
    assert db.session.scalar(select(Vote.id).where(Vote.submission_id == review.submission.id)) is None
    with pytest.raises(VoteError, match="You endorsed this document"):
        cast_vote(db.session, review.submission, review.dave, -1)


def test_the_page_offers_no_vote_to_an_endorser(client, auth, db, review):
    auth.login(review.carol)
    response = client.post(f"/submissions/{review.submission.id}/vote", data={"value": "up"},
                           follow_redirects=True)
    assert "You endorsed this document" in response.get_data(as_text=True)
    assert db.session.scalar(select(Vote.id).where(Vote.user_id == review.carol.id)) is None


def test_two_withdrawals_at_once_hand_over_once(app, db, review):
    """A double-clicked withdrawal (PostgreSQL): the second waits, then is refused; Bob keeps the item."""
    import threading

    from sqlalchemy.orm import Session

    from reviewapp.models import User
    from reviewapp.priorart.checks import SubmissionError

    outcome: dict[str, str] = {}
    with Session(db.engine) as one, Session(db.engine) as two:
        withdraw_submission(one, one.get(Submission, review.submission.id), one.get(User, review.alice.id))

        def withdraw_again() -> None:
            with app.app_context():
                try:
                    withdraw_submission(two, two.get(Submission, review.submission.id),
                                        two.get(User, review.alice.id))
                    two.commit()
                    outcome["result"] = "withdrawn again"
                except SubmissionError as error:
                    two.rollback()
                    outcome["result"] = error.message

        worker = threading.Thread(target=withdraw_again)
        worker.start()
        wait_until_blocked(db.engine)
        one.commit()
        worker.join(timeout=20)
    assert "Only the volunteer who submitted" in outcome.get("result", ""), outcome
    db.session.expire_all()
    submission = db.session.get(Submission, review.submission.id)
    assert (submission.status, submission.submitter_id) == ("active", review.bob.id)
    assert [e.user_id for e in submission.endorsements] == [review.carol.id]


def test_a_handover_and_a_resubmission_announce_the_new_submitter(db, review):
    """`submitter_changed` tells examiner whose track record the item's verdicts now count in."""
    seen: list[tuple[int, int, int]] = []

    def receiver(submission, session, previous_submitter_id, **_):
        assert session is db.session
        seen.append((submission.id, previous_submitter_id, submission.submitter_id))

    submitter_changed.connect(receiver)
    try:
        for person in (review.alice, review.bob, review.carol):  # two handovers, then withdrawn
            withdraw_submission(db.session, review.submission, person)
        submit_prior_art(db.session, review.application, review.dave, data(explanation="Dave's."))
    finally:
        submitter_changed.disconnect(receiver)
    item = review.submission.id
    assert seen == [(item, review.alice.id, review.bob.id), (item, review.bob.id, review.carol.id),
                    (item, review.carol.id, review.dave.id)]


def test_an_edit_by_the_submitter_who_withdrew_since_the_page_loaded_is_refused(app, db, review):
    """Alice's edit form was loaded while the item was hers; she withdrew it elsewhere since."""
    from sqlalchemy.orm import Session

    from reviewapp.priorart.checks import SubmissionDetails, SubmissionError
    from reviewapp.priorart.editing import edit_submission

    assert review.submission.submitter_id == review.alice.id  # read before the withdrawal
    with Session(db.engine) as elsewhere:
        withdraw_submission(elsewhere, elsewhere.get(Submission, review.submission.id),
                            elsewhere.get(type(review.alice), review.alice.id))
        elsewhere.commit()
    edited = SubmissionDetails(title="Battery cooler", publication_date=dt.date(2012, 4, 3),
                               pinpoint="col. 9", claim_numbers=[1], explanation="Alice, again.")
    with pytest.raises(SubmissionError):
        edit_submission(db.session, review.submission, review.alice, edited)
    assert review.submission.submitter_id == review.bob.id
    assert review.submission.explanation == "Bob: the pump of claim 3 too."  # Bob's, not Alice's edit
