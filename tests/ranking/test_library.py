"""The ranker's library signals from the database: joins by number, citation network, serving."""
from __future__ import annotations

import datetime as dt

from reviewapp.models import Reference
from reviewapp.ranking.feature_rows import candidates_for, query_for, with_library_signals
from reviewapp.ranking.library import (
    application_key,
    citation_network,
    library_for,
    library_network,
    split_identifier,
)
from reviewapp.ranking.training import feedback_examples
from scoring import examples_from_grants
from tests.factories import make_application, make_document, make_submission, make_user
from tests.scoring.helpers import grant, reference

from .helpers import GOOD_TEXT, judge, people


def cite(document, number: str, category: str, kind_code: str = "B2") -> None:
    document.references.append(Reference(position=len(document.references), kind="patent",
                                         country="US", number=number, kind_code=kind_code,
                                         category=category))


def test_identifiers_split_into_office_number_and_kind_code():
    assert split_identifier("US7123456B2") == ("US", "7123456", "B2")
    assert split_identifier("USD512345S") == ("US", "D512345", "S")
    assert split_identifier("EP1234567A1") == ("EP", "1234567", "A1")
    assert split_identifier("US20180000016") == ("US", "20180000016", "")
    assert split_identifier("npl:3f2a") == ("", "", "")


def test_a_generated_library_joins_the_grant_bootstrap_with_and_without_kind_codes(db):
    # The library holds two of the three cited patents, printed differently in the grant.
    make_document(number="US7123456B2", abstract=GOOD_TEXT, cpc=["H01M 10/613"])
    make_document(number="US20050001234A1", doc_type="application", abstract="a publication")
    other = make_document(number="US8000001B2")
    cite(other, "7123456", "cited by examiner")
    cite(other, "6999999", "cited by applicant")
    db.session.flush()
    refs = [reference("cited by examiner", "07123456", kind_code=""),
            reference("cited by applicant", "2005/0001234", kind_code="A1"),
            reference("cited by applicant", "6999999", kind_code="B1")]
    grants = [grant("09000001", refs)]
    library = library_for(db.session, refs)
    network = library_network(db.session, grants)
    pairs, _, _ = examples_from_grants(grants, library, network=network)
    first, second, third = (c for _, c in pairs)
    assert first.text.startswith(GOOD_TEXT) and first.cpc == ["H01M 10/613"]
    assert second.text.startswith("a publication")
    assert third.text == ""  # not in the library
    assert (first.cited_by, first.examiner_cited) == (1, 1)
    assert (third.cited_by, third.examiner_cited) == (1, 0)
    assert first.cocited == 1 and third.cocited == 1  # US8000001B2 cites both


def test_the_network_leaves_out_the_grant_being_ranked(db):
    me, other = make_document(number="US8000001B2"), make_document(number="US8000002B2")
    cite(me, "7123456", "cited by examiner")
    cite(other, "7123456", "cited by applicant")
    db.session.flush()
    network = citation_network(db.session, ["US7123456"])
    assert network.counts("US7123456") == (2, 1)
    assert network.counts("US7123456", exclude="US8000001B2") == (1, 0)


def test_serving_fills_who_cites_what_and_library_signals(db):
    application = make_application(applicants=["Acme Batteries Inc."], inventors=["Ann Smith"],
                                   countries=["US"])
    library_doc = make_document(number="US7123456B2", inventors=["Ann Smith"])
    citing = make_document(number="US8000009B2")
    cite(citing, "7123456", "cited by examiner")
    user = make_user()
    ours = make_submission(application, user, identifier="US7123456B2",
                           library_document_id=library_doc.id)
    foreign = make_submission(application, user, identifier="JP2004123456A", kind="foreign",
                              publication_date=dt.date(2004, 5, 1))
    db.session.flush()
    query = query_for(application)
    assert query.countries == ["US"] and "Ann Smith" in query.parties
    found = {int(c.id): c for c in candidates_for(db.session, application)}
    with_library_signals(db.session, application, query, list(found.values()))
    mine, theirs = found[ours.id], found[foreign.id]
    assert (mine.country, mine.kind_code, mine.names) == ("US", "B2", ["Ann Smith"])
    assert (theirs.country, theirs.kind_code) == ("JP", "A")
    assert (mine.cited_by, mine.examiner_cited) == (1, 1)
    assert (theirs.cited_by, theirs.examiner_cited) == (0, 0)


def test_application_numbers_compare_whatever_their_separators():
    assert application_key("US", "09/812,345") == application_key("us", "09812345") == "US9812345"
    assert application_key("US", "") == ""


def test_the_applications_own_grant_and_republications_are_never_counted(db):
    # Years after review the application issues; its grant prints which of the submitted
    # documents the examiner cited: the label. A corrected republication (A9) cites too.
    application = make_application(number="US20180000016A1", application_number="12/345,678")
    examiner, volunteers = people()
    used = make_submission(application, volunteers[0], identifier="US6000001B1")
    other = make_submission(application, volunteers[1], identifier="US6000002B1")
    own_grant = make_document(number="US9999999B2", application_number="12345678",
                              publication_date=dt.date(2022, 5, 3))
    cite(own_grant, "6000001", "cited by examiner")
    cite(own_grant, "6000002", "cited by applicant")
    republished = make_document(number="US20180000016A9", doc_type="application")
    cite(republished, "6000002", "cited by applicant")
    elsewhere = make_document(number="US8000001B2", application_number="13/000,001")
    cite(elsewhere, "6000002", "cited by examiner")
    judge(used, examiner, "used")
    judge(other, examiner, "known")
    db.session.flush()

    query = query_for(application)
    serving = {int(c.id): c for c in candidates_for(db.session, application)}
    with_library_signals(db.session, application, query, list(serving.values()))
    pairs, _, _ = feedback_examples(db.session)
    training = {int(c.id): c for _, c in pairs}
    for found in (serving, training):
        assert (found[used.id].cited_by, found[used.id].examiner_cited,
                found[used.id].cocited) == (0, 0, 0)
        assert (found[other.id].cited_by, found[other.id].examiner_cited,
                found[other.id].cocited) == (1, 1, 0)
