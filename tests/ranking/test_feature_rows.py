"""Feature rows: the QueryDoc of an application and the Candidates of its submissions."""
from __future__ import annotations

import datetime as dt

import numpy as np

from reviewapp.models import ClaimMark, Classification, Endorsement, Vote
from reviewapp.models.submission import WITHDRAWN
from reviewapp.ranking.feature_rows import candidates_for, query_for
from scoring import PairFeatures
from scoring.inputs import FEATURE_NAMES
from tests.factories import make_application, make_document, make_submission
from tests.ranking.helpers import GOOD_TEXT, judge, library_document, people, statements_during


def test_query_reads_claims_priority_classes_title_and_abstract(db):
    application = make_application(priority_date=dt.date(2019, 6, 1))
    document = application.document
    document.classifications += [Classification(scheme="ipc", symbol="H01M 10/60", position=0),
                                 Classification(scheme="uspc", symbol="429/120", position=0)]
    document.filing_date = dt.date(2020, 6, 1)
    db.session.flush()
    query = query_for(application)
    assert query.id == document.publication_number
    assert [(n, independent) for n, _, independent in query.claims] == [
        (1, True), (2, False), (3, True)]
    assert query.claims[1][1] == "The method of claim 1, wherein the coolant is glycol."
    assert query.priority_date == dt.date(2019, 6, 1)  # the earliest date, not the filing date
    assert query.cpc == ["H01M 10/613", "H01M 10/625"]
    assert query.ipc == ["H01M 10/60"] and query.uspc == ["429/120"]
    assert (query.title, query.abstract) == (document.title, document.abstract)


def test_query_falls_back_to_the_filing_date(db):
    application = make_application()
    application.document.priority_date = None
    application.document.filing_date = dt.date(2019, 7, 1)
    assert query_for(application).priority_date == dt.date(2019, 7, 1)


def test_candidates_carry_library_text_community_signals_and_track_record(db):
    examiner, (alice, bob, carol) = people()
    application, elsewhere = make_application(), make_application()
    library = make_document(
        title="Glycol pump", abstract="A glycol pump.", cpc=["H01M 10/613"],
        claims=[(1, "A pump for glycol.", []), (2, "The pump of claim 1, made of steel.", [1])])
    library.classifications.append(Classification(scheme="uspc", symbol="429/120", position=0))
    full = make_submission(application, alice, library_document_id=library.id, title="",
                           claim_numbers=(3, 1), excerpt="the pump", explanation="Pump of claim 1.")
    bare = make_submission(application, bob, kind="npl", identifier="npl:abc", title="An article",
                           publication_date=None, claim_numbers=(), explanation="A survey.")
    withdrawn = make_submission(application, alice, status=WITHDRAWN)
    db.session.add_all([
        Vote(submission_id=full.id, user_id=bob.id, value=1),
        Vote(submission_id=full.id, user_id=carol.id, value=1),
        Vote(submission_id=bare.id, user_id=carol.id, value=-1),
        Endorsement(submission_id=full.id, user_id=bob.id, explanation="Also the glycol loop."),
        ClaimMark(submission_id=full.id, user_id=carol.id,
                  claim_id=application.document.claims[0].id),
    ])
    # Alice's record: one of two verdicts positive elsewhere; the one here must not count.
    judge(make_submission(elsewhere, alice), examiner, "used")
    judge(make_submission(elsewhere, alice), examiner, "known")
    judge(withdrawn, examiner, "used")
    db.session.flush()
    assert (alice.verdicts_positive, alice.verdicts_total) == (2, 3)

    candidates = {c.id: c for c in candidates_for(db.session, application)}
    assert set(candidates) == {str(full.id), str(bare.id)}  # active submissions only
    one = candidates[str(full.id)]
    assert (one.kind, one.title, one.publication_date) == ("us", "Glycol pump", dt.date(2015, 3, 3))
    assert one.text == "A glycol pump.\nA pump for glycol.\nThe pump of claim 1, made of steel."
    assert (one.cpc, one.ipc, one.uspc) == (["H01M 10/613"], [], ["429/120"])
    assert one.excerpt == "the pump"
    assert one.explanation == "Pump of claim 1.\n\nAlso the glycol loop."
    assert one.claims_targeted == [1, 3]
    assert (one.votes_up, one.votes_down, one.endorsements, one.claim_marks) == (2, 0, 1, 1)
    assert (one.submitter_used, one.submitter_judged) == (1, 2)

    other = candidates[str(bare.id)]
    assert (other.kind, other.title, other.text) == ("npl", "An article", "")
    assert other.cpc == other.ipc == other.uspc == []
    assert other.publication_date is None and other.claims_targeted == []
    assert (other.votes_up, other.votes_down, other.endorsements, other.claim_marks) == (0, 1, 0, 0)
    assert other.submitter_used is None and other.submitter_judged is None  # Bob: no verdicts

    # What the app does not know reaches the model as NaN, never as a made-up zero.
    query = query_for(application)
    pairs = [(query, one), (query, other)]
    row = dict(zip(FEATURE_NAMES, PairFeatures().fit(pairs).transform(pairs)[1]))
    for name in ("days_before_priority", "ipc_section", "uspc_class", "submitter_track_record"):
        assert np.isnan(row[name]), name
    assert row["net_votes"] == -1 and row["endorsements"] == 0 and row["n_claims_targeted"] == 0


def test_candidates_cost_the_same_few_queries_for_2_or_40_submissions(db):
    _, volunteers = people(4)
    small, large = make_application(), make_application()
    for application, n in ((small, 2), (large, 40)):
        for k in range(n):
            doc = library_document(GOOD_TEXT, "H01M 10/613")
            submission = make_submission(application, volunteers[k % 4], library_document_id=doc.id)
            voter = volunteers[(k + 1) % 4]
            db.session.add_all([Vote(submission_id=submission.id, user_id=voter.id, value=1),
                                Endorsement(submission_id=submission.id, user_id=voter.id)])
    db.session.flush()
    few = statements_during(db, lambda: candidates_for(db.session, small))
    many = statements_during(db, lambda: candidates_for(db.session, large))
    assert few == many <= 10
    assert len(candidates_for(db.session, large)) == 40


def test_a_document_the_applications_description_cites_is_marked_mentioned(db):
    _, (alice, bob, _) = people()
    application = make_application(
        description="Background. U.S. Pat. No. 5,117,378 describes a glycol loop.")
    cited = make_submission(application, alice, identifier="US5117378A")
    other = make_submission(application, bob, identifier="US6000001B1")
    essay = make_submission(application, bob, kind="npl", identifier="npl:essay")
    query = query_for(application)
    assert "US5117378" in (query.mentions or [])
    by_id = {c.id: c for c in candidates_for(db.session, application)}
    rows = PairFeatures().fit_transform(
        [(query, by_id[str(s.id)]) for s in (cited, other, essay)])
    column = rows[:, FEATURE_NAMES.index("mentioned_in_text")]
    assert column[0] == 1.0 and column[1] == 0.0 and np.isnan(column[2])
