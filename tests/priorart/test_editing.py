"""Editing and withdrawing one's own submission."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from reviewapp.models import Submission, SubmissionRevision
from reviewapp.priorart.checks import SubmissionData, SubmissionDetails, SubmissionError
from reviewapp.priorart.editing import edit_submission, withdraw_submission
from reviewapp.priorart.identifiers import parse_identifier
from reviewapp.priorart.submitting import CREATED, ENDORSED, submit_prior_art
from tests.factories import make_document, make_user
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


def test_an_edit_cannot_type_a_date_other_than_the_librarys(db, application, alice):
    make_document(number="US7123456B2", publication_date=dt.date(2011, 2, 1))
    submission = submit_prior_art(db.session, application, alice, data(publication_date=None)).submission
    with pytest.raises(SubmissionError, match="was published 2011-02-01, not 2009-01-01"):
        edit_submission(db.session, submission, alice, details(publication_date=dt.date(2009, 1, 1)))
    assert submission.publication_date == dt.date(2011, 2, 1) and submission.version == 1


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


def npl(**fields) -> SubmissionData:
    """Return a valid submission of a paper known by its address."""
    values = {"kind": "npl", "identifier": "", "url": "https://example.org/a.pdf", "title": "Paper A"}
    values.update(fields)
    return data(**values)


def npl_details(**fields) -> SubmissionDetails:
    """Return edited details of that paper: another address and title."""
    return details(**{"url": "https://example.org/b.pdf", "title": "Paper B", **fields})


@pytest.mark.parametrize("before, after", [
    ({}, {}),  # keyed by its address
    ({"url": ""}, {"url": ""}),  # keyed by its title
    ({"url": ""}, {}),  # an address added: keyed by it from now on
])
def test_an_npl_edit_moves_its_duplicate_key_with_its_address_or_title(db, application, alice, bob,
                                                                      before, after):
    """Paper B submitted again endorses Alice's edited item; Paper A is new again."""
    submission = submit_prior_art(db.session, application, alice, npl(**before)).submission
    assert edit_submission(db.session, submission, alice, npl_details(**after)) is True
    assert submission.identifier == parse_identifier(
        "npl", "", url=submission.url, title="Paper B").key
    again = submit_prior_art(db.session, application, bob, npl(url=submission.url, title="Paper B"))
    assert (again.status, again.submission.id) == (ENDORSED, submission.id)
    old = submit_prior_art(db.session, application, bob, npl(**before))
    assert old.status == CREATED and old.submission.id != submission.id


def test_an_npl_edit_into_another_items_document_is_refused_on_the_field(db, application, alice, bob):
    submission = submit_prior_art(db.session, application, alice, npl()).submission
    submit_prior_art(db.session, application, bob, npl(url="https://example.org/b.pdf"))
    with pytest.raises(SubmissionError, match="Another submission on this application has this "
                                              "web address: endorse it") as refused:
        edit_submission(db.session, submission, alice, npl_details())
    assert refused.value.field == "url"
    titled = submit_prior_art(db.session, application, alice, npl(url="", title="Paper C")).submission
    submit_prior_art(db.session, application, bob, npl(url="", title="Paper D"))
    with pytest.raises(SubmissionError, match="has this title") as refused:
        edit_submission(db.session, titled, alice, npl_details(url="", title="paper  d"))
    assert refused.value.field == "title"
    assert (submission.url, titled.title, submission.version) == ("https://example.org/a.pdf", "Paper C", 1)
    assert count(db, SubmissionRevision) == 0


def test_an_npl_edit_onto_a_withdrawn_items_key_is_refused_and_the_page_says_why(
        client, auth, db, application, alice, bob):
    withdrawn = submit_prior_art(db.session, application, bob, npl(url="https://example.org/b.pdf"))
    withdraw_submission(db.session, withdrawn.submission, bob)
    submission = submit_prior_art(db.session, application, alice, npl()).submission
    db.session.commit()
    auth.login(alice)
    page = client.post(f"/submissions/{submission.id}/edit", data={
        "title": "Paper B", "url": "https://example.org/b.pdf", "publication_date": "2012-04-03",
        "claims": ["1"], "explanation": "Same paper, better copy."}).get_data(as_text=True)
    assert "A withdrawn submission on this application has this web address" in page
    db.session.expire_all()
    assert (db.session.get(Submission, submission.id).url, count(db, SubmissionRevision)) == (
        "https://example.org/a.pdf", 1)  # Bob's withdrawal only


def test_a_judged_npl_item_is_not_edited_into_another_document(db, application, alice):
    """The verdict was on Paper A: it must not end up on Paper B, nor count for it."""
    from reviewapp.examiner.verdicts import record_feedback

    examiner = make_user("examiner")
    by_url = submit_prior_art(db.session, application, alice, npl()).submission
    by_title = submit_prior_art(db.session, application, alice, npl(url="", title="Paper C")).submission
    for submission, changed, field in ((by_url, {}, "url"), (by_title, {"url": ""}, "title")):
        record_feedback(db.session, submission, examiner, "used", "")
        with pytest.raises(SubmissionError, match="An examiner has already judged") as refused:
            edit_submission(db.session, submission, alice, npl_details(**changed))
        assert (refused.value.field, submission.version) == (field, 1)
    assert (by_url.url, by_title.title) == ("https://example.org/a.pdf", "Paper C")
    # What leaves the document the same stays editable, its history kept: a better title of
    # the paper its address names.
    same = npl_details(url="https://example.org/a.pdf", title="Paper A, 2nd part", pinpoint="p. 9")
    assert edit_submission(db.session, by_url, alice, same) is True
    assert (by_url.title, by_url.version) == ("Paper A, 2nd part", 2)


def test_an_npl_key_typed_as_its_identifier_stays_on_edit(db, application, alice, bob):
    """A DOI or an address given as the identifier names the document; the edit does not change it."""
    for identifier in ("doi:10.1000/xyz", "https://example.org/paper"):
        submission = submit_prior_art(db.session, application, alice, npl(identifier=identifier)).submission
        key = submission.identifier
        assert edit_submission(db.session, submission, alice, npl_details()) is True
        assert submission.identifier == key
        again = submit_prior_art(db.session, application, bob, npl(identifier=identifier, url=""))
        assert (again.status, again.submission.id) == (ENDORSED, submission.id)
