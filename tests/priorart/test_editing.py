"""Editing and withdrawing one's own submission."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from reviewapp.models import SubmissionRevision
from reviewapp.priorart.checks import SubmissionDetails, SubmissionError
from reviewapp.priorart.editing import edit_submission, withdraw_submission
from reviewapp.priorart.submitting import submit_prior_art
from tests.priorart.helpers import count, data


def details(**fields) -> SubmissionDetails:
    """Return valid edited details: a new pinpoint, claims 1 and 3."""
    values = {"title": "Battery cooler", "publication_date": dt.date(2012, 4, 3),
              "pinpoint": "col. 4, l. 1-9", "claim_numbers": [1, 3],
              "explanation": "Discloses the pump of claim 3 as well."}
    values.update(fields)
    return SubmissionDetails(**values)


def test_edit_keeps_a_snapshot_and_counts_versions(db, application, alice):
    submission = submit_prior_art(db.session, application, alice, data()).submission
    assert edit_submission(db.session, submission, alice, details()) is True
    assert submission.version == 2
    assert submission.pinpoint == "col. 4, l. 1-9"
    assert [c.number for c in submission.claims] == [1, 3]
    revision = db.session.scalars(select(SubmissionRevision)).one()
    assert (revision.version, revision.action, revision.editor_id) == (1, "edit", alice.id)
    assert revision.data["pinpoint"] == "col. 3, l. 15-40"
    assert revision.data["claims"] == [1]
    assert revision.data["publication_date"] == "2012-04-03"
    assert revision.created_at is not None


def test_edit_without_change_makes_no_revision(db, application, alice):
    submission = submit_prior_art(db.session, application, alice, data()).submission
    same = details(pinpoint="col. 3, l. 15-40", claim_numbers=[1], explanation=submission.explanation)
    assert edit_submission(db.session, submission, alice, same) is False
    assert submission.version == 1 and count(db, SubmissionRevision) == 0


def test_edit_is_checked_like_a_submission(db, application, alice):
    submission = submit_prior_art(db.session, application, alice, data()).submission
    with pytest.raises(SubmissionError, match="on or after this application's earliest priority date"):
        edit_submission(db.session, submission, alice, details(publication_date=dt.date(2019, 7, 1)))
    assert submission.version == 1 and count(db, SubmissionRevision) == 0


def test_only_the_submitter_edits_or_withdraws_while_open(db, application, alice, bob):
    submission = submit_prior_art(db.session, application, alice, data()).submission
    with pytest.raises(SubmissionError, match="Only the volunteer who submitted"):
        edit_submission(db.session, submission, bob, details())
    with pytest.raises(SubmissionError, match="Only the volunteer who submitted"):
        withdraw_submission(db.session, submission, bob)
    application.status = "closed"
    with pytest.raises(SubmissionError, match="review window is closed"):
        edit_submission(db.session, submission, alice, details())
    assert submission.status == "active" and count(db, SubmissionRevision) == 0


def test_withdraw_keeps_history(db, application, alice):
    submission = submit_prior_art(db.session, application, alice, data()).submission
    edit_submission(db.session, submission, alice, details())
    withdraw_submission(db.session, submission, alice)
    assert submission.status == "withdrawn" and submission.version == 3
    revisions = db.session.scalars(select(SubmissionRevision).order_by(SubmissionRevision.version)).all()
    assert [(r.version, r.action) for r in revisions] == [(1, "edit"), (2, "withdraw")]
    assert revisions[1].data["status"] == "active"
    with pytest.raises(SubmissionError, match="is withdrawn"):
        withdraw_submission(db.session, submission, alice)
