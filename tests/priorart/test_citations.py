"""The citation network: numbers that meet, the document page's links and counts, the form's fill."""
from __future__ import annotations

import datetime as dt
from html import unescape

import pytest

from reviewapp.ingest.loader import import_records
from reviewapp.ingest.records import ReferenceRecord
from reviewapp.models import Document
from reviewapp.priorart.checks import SubmissionData
from reviewapp.priorart.citations import cited_details, document_citations
from reviewapp.priorart.identifiers import parse_identifier, reference_key
from reviewapp.priorart.submitting import submit_prior_art
from tests.factories import make_application, make_user
from tests.ingest.test_loader import grant


def cite(number: str, category: str, country: str = "US", kind_code: str = "B2", **fields) -> ReferenceRecord:
    return ReferenceRecord(kind="patent", country=country, number=number, kind_code=kind_code,
                           category=category, **fields)


def test_the_ways_of_writing_one_number_meet():
    typed = parse_identifier("us", "US 7,123,456 B2").key
    assert typed == parse_identifier("us", "US7123456").key == reference_key("US", "07123456", "B2")
    assert reference_key("US", "7,123,456", "") == reference_key("", "US7123456") == "US7123456"
    assert reference_key("US", "2003/0123456", "A1") == parse_identifier("us", "US 2003/0123456 A1").key
    assert reference_key("EP", "1234567", "A1") == parse_identifier("foreign", "EP 1 234 567 A1").key
    assert reference_key("US", "", "") == ""


@pytest.fixture
def network(db):
    """Two grants cite US7123456 (one through its examiner), then that patent is imported."""
    import_records(db.session, [
        grant("US8000001B2", references=[cite("07123456", "cited by examiner"),
                                         cite("5000000", "cited by applicant", kind_code="A")]),
        grant("US8000002B2", position=2, title="Fin design",
              references=[cite("7,123,456", "cited by applicant", kind_code="")]),
        grant("US7123456B2", position=3, title="Coolant loop", references=[]),
    ])
    return {doc.publication_number: doc for doc in db.session.query(Document)}


def test_a_document_knows_who_in_the_library_cites_it(db, network):
    citations = document_citations(db.session, network["US7123456B2"])
    assert [c.publication_number for c in citations.cited_by] == ["US8000001B2", "US8000002B2"]
    assert (len(citations.cited_by), citations.by_examiners) == (2, 1)


def test_references_held_by_the_library_are_linked(db, network):
    citing = network["US8000001B2"]
    citations = document_citations(db.session, citing)
    linked = {ref.number: citations.in_library.get(ref.id) for ref in citing.references}
    assert linked == {"07123456": "US7123456B2", "5000000": None}


def test_the_document_page_shows_both_directions_linked(client, network):
    cited = unescape(client.get("/documents/US7123456B2").get_data(as_text=True))
    assert "Cited by 2 documents in the library, 1 of them by examiners." in cited
    assert 'href="/documents/US8000001B2"' in cited and 'href="/documents/US8000002B2"' in cited
    citing = unescape(client.get("/documents/US8000001B2").get_data(as_text=True))
    assert 'href="/documents/US7123456B2">US 7,123,456 B2</a>' in citing
    assert '<td class="card-head">US 5,000,000 A</td>' in citing  # not in the library: no link
    assert '<td data-label="Cited by">applicant</td>' in citing  # under "Cited by", not twice
    assert "No document in the library cites it." in citing


def test_the_submission_form_fills_a_cited_documents_date_and_patentee(db, network):
    application = make_application(priority_date=dt.date(2019, 6, 1))
    import_records(db.session, [grant("US8000003B2", position=4, references=[
        cite("6,543,210", "cited by examiner", kind_code="B1", date=dt.date(2003, 4, 1), name="Smith")])])
    assert cited_details(db.session, "US6543210").publication_date == dt.date(2003, 4, 1)
    outcome = submit_prior_art(db.session, application, make_user(), SubmissionData(
        kind="us", identifier="US 6,543,210", title="Pump", publication_date=None, claim_numbers=[1],
        explanation="Shows the pump.", has_conflict=False))
    assert outcome.submission.publication_date == dt.date(2003, 4, 1)
    assert outcome.submission.authors == "Smith" and outcome.submission.library_document_id is None


def test_a_library_document_found_by_its_number_key_fills_the_form(db, network):
    application = make_application(priority_date=dt.date(2019, 6, 1))
    outcome = submit_prior_art(db.session, application, make_user(), SubmissionData(
        kind="us", identifier="7123456", title="", publication_date=None, claim_numbers=[1],
        explanation="Shows the loop.", has_conflict=False))
    assert outcome.submission.library_document_id == network["US7123456B2"].id
    assert outcome.submission.title == "Coolant loop"
