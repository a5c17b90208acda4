"""Prior-art services: submitting, duplicates, endorsements, edits, withdrawals, conflicts."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from reviewapp.models import (
    ClaimMark, ConflictDeclaration, Endorsement, Submission, SubmissionRevision,
)
from reviewapp.models.base import utcnow
from reviewapp.models.submission import MAX_EXPLANATION
from reviewapp.priorart import services
from reviewapp.priorart.services import (
    CREATED, ENDORSED, SubmissionData, SubmissionDetails, SubmissionError, declare_conflict,
    edit_submission, find_library_document, needs_conflict_declaration, submit_prior_art,
    withdraw_submission,
)
from reviewapp.priorart.identifiers import parse_identifier
from tests.factories import make_application, make_document, make_submission, make_user


def data(**fields) -> SubmissionData:
    """Return a valid first submission of US 7,123,456 B2 on claim 1."""
    values = dict(kind="us", identifier="US 7,123,456 B2", title="Battery cooler",
                  publication_date=dt.date(2012, 4, 3), pinpoint="col. 3, l. 15-40",
                  claim_numbers=[1], explanation="Discloses the coolant loop of claim 1.",
                  has_conflict=False)
    values.update(fields)
    return SubmissionData(**values)


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def application(app):
    return make_application(priority_date=dt.date(2019, 6, 1))


@pytest.fixture
def alice(app):
    return make_user(name="Alice")


@pytest.fixture
def bob(app):
    return make_user(name="Bob")


def test_submit_creates_a_submission_tied_to_claims(db, application, alice):
    outcome = submit_prior_art(db.session, application, alice, data(claim_numbers=[1, 2]))
    assert outcome.status == CREATED and outcome.created
    stored = db.session.get(Submission, outcome.submission.id)
    assert stored.identifier == "US7123456"
    assert stored.identifier_raw == "US7123456B2"
    assert [c.number for c in stored.claims] == [1, 2]
    assert stored.pinpoint == "col. 3, l. 15-40"
    assert stored.version == 1 and stored.status == "active"
    assert stored.submitter_id == alice.id


def test_library_document_fills_blank_title_date_and_is_linked(db, application, alice):
    library = make_document(number="US7123456B2", title="Coolant loop for cells",
                            publication_date=dt.date(2011, 2, 1), cpc=["H01M 10/6567"])
    outcome = submit_prior_art(db.session, application, alice,
                               data(identifier="7123456", title="", publication_date=None))
    submission = outcome.submission
    assert submission.library_document_id == library.id
    assert submission.title == "Coolant loop for cells"
    assert submission.publication_date == dt.date(2011, 2, 1)
    assert submission.identifier_raw == "US7123456B2"  # the kind code comes from the library
    assert submission.library_document.cpc == ["H01M 10/6567"]


def test_library_lookup_ignores_the_kind_code_but_not_the_number(db):
    b1 = make_document(number="US7123456B1")
    make_document(number="US71234567B2")
    assert find_library_document(db.session, parse_identifier("us", "US 7,123,456 B2")) == b1
    assert find_library_document(db.session, parse_identifier("us", "US 7,123,455")) is None
    assert find_library_document(db.session, parse_identifier("foreign", "EP 7123456")) is None


def test_library_lookup_prefers_the_kind_code_given(db):
    a1 = make_document(doc_type="application", number="US20180000016A1", publication_date=dt.date(2018, 1, 4))
    a2 = make_document(doc_type="application", number="US20180000016A2", publication_date=dt.date(2018, 5, 4))
    assert find_library_document(db.session, parse_identifier("us", "2018/0000016 A2")) == a2
    assert find_library_document(db.session, parse_identifier("us", "2018/0000016")) == a1


def test_user_values_win_over_the_library(db, application, alice):
    make_document(number="US7123456B2", title="Library title", publication_date=dt.date(2011, 2, 1))
    outcome = submit_prior_art(db.session, application, alice, data(title="My title",
                                                                    publication_date=dt.date(2010, 1, 1)))
    submission = outcome.submission
    assert (submission.title, submission.publication_date) == ("My title", dt.date(2010, 1, 1))


def test_date_on_or_after_priority_is_refused_and_nothing_saved(db, application, alice):
    for published in (dt.date(2019, 6, 1), dt.date(2020, 5, 1)):
        with pytest.raises(SubmissionError) as refused:
            submit_prior_art(db.session, application, alice, data(publication_date=published))
        assert refused.value.field == "publication_date"
        assert refused.value.message == (
            f"Published {published.isoformat()}, on or after this application's earliest priority date "
            "2019-06-01: it cannot be prior art against these claims.")
    assert count(db, Submission) == 0
    assert count(db, ConflictDeclaration) == 0


def test_library_date_after_priority_is_refused_too(db, application, alice):
    make_document(number="US7123456B2", publication_date=dt.date(2020, 1, 1))
    with pytest.raises(SubmissionError, match="Published 2020-01-01, on or after"):
        submit_prior_art(db.session, application, alice, data(publication_date=None))


def test_filing_date_is_used_when_no_priority_date(db, alice):
    application = make_application()
    application.document.priority_date = None
    application.document.filing_date = dt.date(2015, 1, 1)
    with pytest.raises(SubmissionError, match="priority date 2015-01-01"):
        submit_prior_art(db.session, application, alice, data(publication_date=dt.date(2015, 3, 3)))


def test_date_is_required_unless_the_library_has_it(db, application, alice):
    with pytest.raises(SubmissionError, match="Give the publication date") as refused:
        submit_prior_art(db.session, application, alice, data(publication_date=None))
    assert refused.value.field == "publication_date"


def test_future_date_is_refused_without_priority_date(db, alice):
    application = make_application()
    application.document.priority_date = application.document.filing_date = None
    tomorrow = utcnow().date() + dt.timedelta(days=1)
    with pytest.raises(SubmissionError, match="is in the future"):
        submit_prior_art(db.session, application, alice, data(publication_date=tomorrow))


@pytest.mark.parametrize("status, days_left", [("closed", 10), ("pending", 10), ("open", -1)])
def test_window_not_open_is_refused_and_nothing_saved(db, alice, status, days_left):
    application = make_application(status=status, days_left=days_left)
    with pytest.raises(SubmissionError, match="review window .* is (closed|not open)"):
        submit_prior_art(db.session, application, alice, data())
    assert count(db, Submission) == 0
    assert count(db, ConflictDeclaration) == 0


def test_unparseable_identifier_is_refused_next_to_the_field(db, application, alice):
    with pytest.raises(SubmissionError, match="is not a US patent") as refused:
        submit_prior_art(db.session, application, alice, data(identifier="not a number"))
    assert refused.value.field == "identifier"


def test_claims_are_required_and_must_belong_to_the_application(db, application, alice):
    with pytest.raises(SubmissionError, match="at least one claim"):
        submit_prior_art(db.session, application, alice, data(claim_numbers=[]))
    with pytest.raises(SubmissionError, match="no claim 9") as refused:
        submit_prior_art(db.session, application, alice, data(claim_numbers=[1, 9]))
    assert refused.value.field == "claims"


def test_explanation_limit_is_the_uspto_one(db, application, alice):
    with pytest.raises(SubmissionError, match="Explain concisely"):
        submit_prior_art(db.session, application, alice, data(explanation="   "))
    with pytest.raises(SubmissionError, match="1,001 characters") as refused:
        submit_prior_art(db.session, application, alice, data(explanation="x" * (MAX_EXPLANATION + 1)))
    assert refused.value.field == "explanation"
    # Browser line endings count once: 500 lines of "x\r\n" are 999 characters once trimmed.
    outcome = submit_prior_art(db.session, application, alice, data(explanation="x\r\n" * 500))
    assert len(outcome.submission.explanation) == 999


def test_url_must_be_http(db, application, alice):
    with pytest.raises(SubmissionError, match="Only http") as refused:
        submit_prior_art(db.session, application, alice, data(url="javascript:alert(1)"))
    assert refused.value.field == "url"


def test_npl_needs_a_title_and_keys_on_doi(db, application, alice):
    with pytest.raises(SubmissionError, match="title") as refused:
        submit_prior_art(db.session, application, alice,
                         data(kind="npl", identifier="doi:10.1000/x", title=""))
    assert refused.value.field == "title"
    outcome = submit_prior_art(db.session, application, alice,
                               data(kind="npl", identifier="https://doi.org/10.1000/ABC", title="A paper"))
    assert outcome.submission.identifier == "doi:10.1000/abc"
    assert outcome.submission.kind == "npl"


# --- conflicts of interest ------------------------------------------------------------------

def test_first_submission_needs_a_conflict_statement(db, application, alice):
    assert needs_conflict_declaration(db.session, application, alice)
    with pytest.raises(SubmissionError, match="Confirm you have no conflict") as refused:
        submit_prior_art(db.session, application, alice, data(has_conflict=None))
    assert refused.value.field == "conflict"
    with pytest.raises(SubmissionError, match="Describe your conflict") as refused:
        submit_prior_art(db.session, application, alice, data(has_conflict=True, conflict_statement=" "))
    assert refused.value.field == "conflict_statement"
    assert count(db, Submission) == 0


def test_conflict_declared_once_per_application(db, application, alice):
    submit_prior_art(db.session, application, alice,
                     data(has_conflict=True, conflict_statement="I consult for the applicant."))
    declaration = db.session.scalars(select(ConflictDeclaration)).one()
    assert (declaration.user_id, declaration.application_id) == (alice.id, application.id)
    assert declaration.has_conflict and declaration.statement == "I consult for the applicant."
    assert not needs_conflict_declaration(db.session, application, alice)
    # The second submission needs no statement and leaves the first one alone.
    submit_prior_art(db.session, application, alice, data(identifier="US 6,000,001", has_conflict=None))
    assert count(db, ConflictDeclaration) == 1
    other = make_application()
    assert needs_conflict_declaration(db.session, other, alice)


def test_declare_conflict_replaces_and_clears_the_statement(db, application, alice):
    declare_conflict(db.session, application, alice, has_conflict=True, statement="Former employee.")
    declaration = declare_conflict(db.session, application, alice, has_conflict=False, statement="ignored")
    assert count(db, ConflictDeclaration) == 1
    assert (declaration.has_conflict, declaration.statement) == (False, "")


# --- duplicates -----------------------------------------------------------------------------

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
    real_find = services.find_submission
    calls = []

    def find_after_race(session, app_, key):
        calls.append(key)
        if len(calls) == 1:
            make_submission(application, alice, identifier=key)  # the other request wins the race
            return None
        return real_find(session, app_, key)

    monkeypatch.setattr(services, "find_submission", find_after_race)
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
    real_find = services.find_submission
    calls = []

    def find_after_race(session, app_, key):
        calls.append(key)
        if len(calls) == 1:
            make_submission(application, alice, identifier=key)
            return None
        return real_find(session, app_, key)

    monkeypatch.setattr(services, "find_submission", find_after_race)
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
    assert [r.action for r in submission.revisions] == ["withdraw", "restore"]
    assert submission.version == 3


def test_hidden_document_cannot_be_submitted_again(db, application, alice, bob):
    make_submission(application, alice, identifier="US7123456", status="hidden")
    with pytest.raises(SubmissionError, match="removed from this review by the moderators"):
        submit_prior_art(db.session, application, bob, data())
    assert count(db, Endorsement) == 0


# --- edits and withdrawals ------------------------------------------------------------------

def details(**fields) -> SubmissionDetails:
    values = dict(title="Battery cooler", publication_date=dt.date(2012, 4, 3), pinpoint="col. 4, l. 1-9",
                  claim_numbers=[1, 3], explanation="Discloses the pump of claim 3 as well.")
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
