"""The ranked review: items by stored rank with reasons, votes, conflicts, marks and verdicts."""
from __future__ import annotations

from reviewapp.examiner.review import ranked_query, review_items
from reviewapp.examiner.verdicts import record_feedback
from reviewapp.models import (
    ClaimMark,
    ConflictDeclaration,
    Endorsement,
    Vote,
)
from tests.examiner.conftest import make_score
from tests.factories import make_application, make_submission, make_user


def test_ranked_by_stored_rank_with_unscored_last_oldest_first(db):
    application, volunteer = make_application(), make_user()
    a, b, c, d, e = (make_submission(application, volunteer) for _ in range(5))
    make_score(a, 0.2, 3)
    make_score(b, 0.9, 1)
    make_score(d, 0.5, 2)
    hidden = make_submission(application, volunteer)
    make_score(hidden, 0.99, 1)
    hidden.status = "hidden"
    ranked = db.session.scalars(ranked_query(application)).all()
    assert ranked == [b, d, a, c, e]
    items = review_items(db.session, application, ranked, offset=0, top_n=2)
    assert [(i.position, i.forwarded) for i in items] == [(1, True), (2, True), (3, False), (4, False), (5, False)]
    assert items[3].score is None and items[0].score.score == 0.9


def test_items_carry_reasons_votes_conflicts_marks_and_verdicts(db):
    application = make_application()
    submitter, endorser, voters, examiner = make_user(), make_user(), [make_user() for _ in range(3)], make_user("examiner")
    item = make_submission(application, submitter, claim_numbers=(1, 2))
    make_score(item, 0.7, 1, explanation=[
        {"feature": "cpc", "effect": 0.4, "text": "shares the CPC main group H01M 10/"},
        {"feature": "date", "effect": -0.1, "text": "published long before the priority date"},
        "garbage", {"feature": "x"}])
    db.session.add(Endorsement(submission=item, user=endorser, explanation="Figure 3 too."))
    db.session.add_all([Vote(submission=item, user=voters[0], value=1), Vote(submission=item, user=voters[1], value=1),
                        Vote(submission=item, user=voters[2], value=-1)])
    db.session.add_all([
        ConflictDeclaration(user_id=submitter.id, application_id=application.id, has_conflict=True,
                            statement="I work for a competitor."),
        ConflictDeclaration(user_id=endorser.id, application_id=application.id, has_conflict=False),
    ])
    claim3 = application.document.claims[2]
    db.session.add(ClaimMark(submission=item, user_id=voters[0].id, claim=claim3))
    record_feedback(db.session, item, examiner, "relevant", "check col. 4")
    db.session.flush()
    [found] = review_items(db.session, application, [item], offset=0, top_n=10, examiner=examiner)
    assert [(r.positive, r.text) for r in found.reasons] == [
        (True, "shares the CPC main group H01M 10/"), (False, "published long before the priority date")]
    assert (found.up, found.down, found.net) == (2, 1, 1)
    assert found.conflicts == {submitter.id: "I work for a competitor."}
    assert found.marks == {3: 1}
    assert found.mine.verdict == "relevant" and found.mine.note == "check col. 4"


def test_reasons_about_missing_values_carry_no_sign():
    from types import SimpleNamespace

    from reviewapp.examiner.review import reasons
    score = SimpleNamespace(explanation=[
        {"feature": "sim_best_claim", "effect": 0.8, "text": "claim 1 text similarity 0.61 (high)"},
        {"feature": "ipc_subclass", "effect": 0.3, "text": "CPC/IPC subclass of the candidate unknown"},
        {"feature": "track_record", "effect": -0.1, "text": "submitter has no examiner verdicts yet"},
        {"feature": "days", "effect": -0.2, "text": "published 2 years before priority"},
    ])
    assert [(r.text.split()[0], r.positive, r.known) for r in reasons(score)] == [
        ("claim", True, True), ("CPC/IPC", True, False), ("submitter", False, False), ("published", False, True)]
