"""Submitting prior art: the checks, the library copy, the review window."""
from __future__ import annotations

import datetime as dt

import pytest

from reviewapp.models import ConflictDeclaration, Submission
from reviewapp.models.base import utcnow
from reviewapp.models.submission import MAX_EXPLANATION
from reviewapp.priorart.checks import SubmissionError
from reviewapp.priorart.identifiers import parse_identifier
from reviewapp.priorart.submitting import CREATED, find_library_document, submit_prior_art
from tests.factories import make_application, make_document
from tests.priorart.helpers import count, data


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


def test_a_typed_title_wins_over_the_library_and_the_same_date_is_accepted(db, application, alice):
    make_document(number="US7123456B2", title="Library title", publication_date=dt.date(2011, 2, 1))
    outcome = submit_prior_art(db.session, application, alice, data(title="My title",
                                                                    publication_date=dt.date(2011, 2, 1)))
    submission = outcome.submission
    assert (submission.title, submission.publication_date) == ("My title", dt.date(2011, 2, 1))


def test_a_typed_date_other_than_the_librarys_is_refused_naming_the_librarys(db, application, alice):
    make_document(number="US7123456B2", publication_date=dt.date(2011, 2, 1))
    with pytest.raises(SubmissionError) as refused:
        submit_prior_art(db.session, application, alice, data(publication_date=dt.date(2010, 1, 1)))
    assert refused.value.field == "publication_date"
    assert refused.value.message == (
        "The library's copy, US7123456B2, was published 2011-02-01, not 2010-01-01: give its date "
        "(or leave the date blank), or check the number.")
    assert count(db, Submission) == 0 and count(db, ConflictDeclaration) == 0


def test_a_typed_earlier_date_does_not_get_a_later_library_document_in(db, application, alice):
    # The library's copy was published after the priority date (2019-06-01): typing an earlier
    # date must not make it prior art.
    make_document(number="US7900001B2", publication_date=dt.date(2020, 3, 3))
    with pytest.raises(SubmissionError) as refused:
        submit_prior_art(db.session, application, alice,
                         data(identifier="US 7,900,001 B2", publication_date=dt.date(2015, 1, 1)))
    assert refused.value.field == "publication_date"
    assert refused.value.message.startswith("The library holds US7900001B2. Published 2020-03-03, on or after")
    assert count(db, Submission) == 0


@pytest.mark.parametrize("published", [dt.date(215, 3, 1), dt.date(1789, 12, 31)])
def test_a_date_before_the_first_us_patent_is_refused(db, application, alice, published):
    with pytest.raises(SubmissionError) as refused:
        submit_prior_art(db.session, application, alice, data(publication_date=published))
    assert refused.value.field == "publication_date"
    assert refused.value.message == (
        f"{published.isoformat()} is before 1790, the year of the first US patent: check the year "
        "of the publication date.")
    assert count(db, Submission) == 0
    assert submit_prior_art(db.session, application, alice,
                            data(publication_date=dt.date(1790, 1, 1))).submission.id


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
