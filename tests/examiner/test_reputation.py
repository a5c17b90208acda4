"""The submitter's track record, recounted from the verdicts on their work."""
from __future__ import annotations

from reviewapp.examiner.reputation import recount_track_record
from tests.factories import make_application, make_submission, make_user


def test_track_record_is_counted_from_the_feedback_rows(db):
    from reviewapp.models import Feedback

    user, examiner, other = make_user(), make_user("examiner"), make_user("examiner")
    first, second = (make_submission(make_application(), user) for _ in range(2))

    def record() -> tuple[int, int, float]:
        db.session.refresh(user)
        return user.verdicts_total, user.verdicts_positive, round(user.reputation, 4)

    recount_track_record(db.session, user)
    assert record() == (0, 0, 0.0)
    verdict = Feedback(submission_id=first.id, examiner_id=examiner.id, verdict="used")
    db.session.add(verdict)
    db.session.flush()
    recount_track_record(db.session, user)
    assert record() == (1, 1, round(2 / 3, 4))
    later = Feedback(submission_id=second.id, examiner_id=other.id, verdict="known")
    db.session.add(later)
    db.session.flush()
    recount_track_record(db.session, user)
    assert record() == (2, 1, 0.5)
    later.verdict = "relevant"  # a changed verdict counts once, as what it is now
    db.session.flush()
    recount_track_record(db.session, user)
    assert record() == (2, 2, 0.75)
    verdict.verdict = "not_relevant"
    db.session.flush()
    recount_track_record(db.session, user)
    assert record() == (2, 1, 0.5)
