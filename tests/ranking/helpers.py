"""Reviews with examiner verdicts, grant examples and model-file helpers for the ranking tests."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import event, select

from reviewapp.examiner.reputation import recount_track_record
from reviewapp.extensions import db
from reviewapp.models import Application, Feedback, Score, User
from reviewapp.models.application import CLOSED
from reviewapp.ranking.bootstrap import save_bootstrap_examples
from scoring import examples_from_grants
from tests.factories import make_application, make_document, make_submission, make_user
from tests.scoring.helpers import grant, mixed_references

# Close to the factories' application claims (battery cooling) or far from them.
GOOD_TEXT = ("A method of cooling a battery pack comprising circulating a glycol coolant with a "
             "pump through channels of the battery pack.")
BAD_TEXT = "A garden hose reel with a crank handle and a wheeled frame for watering lawns."


def library_document(text: str, cpc: str, published: dt.date = dt.date(2012, 3, 6)):
    """Create a library grant whose abstract and only claim are `text`."""
    return make_document(claims=[(1, text, [])], abstract=text, cpc=[cpc],
                         publication_date=published)


def judge(submission, examiner: User, verdict: str) -> Feedback:
    """Store a verdict and count it in the submitter's record, as the examiner pages do."""
    feedback = Feedback(submission_id=submission.id, examiner_id=examiner.id, verdict=verdict)
    db.session.add(feedback)
    db.session.flush()
    recount_track_record(db.session, submission.submitter)
    return feedback


def judged_review(examiner: User, submitters: list[User], *, status: str = CLOSED,
                  good: tuple[str, ...] = ("used", "relevant"),
                  bad: tuple[str, ...] = ("not_relevant", "known")) -> Application:
    """Create an application whose relevant submissions got `good` verdicts, the others `bad`."""
    application = make_application(status=status)
    for k, verdict in enumerate(good + bad):
        relevant = k < len(good)
        doc = library_document(GOOD_TEXT if relevant else BAD_TEXT,
                               "H01M 10/613" if relevant else "A01G 25/09")
        submission = make_submission(application, submitters[k % len(submitters)],
                                     library_document_id=doc.id,
                                     explanation=("Shows the coolant loop of claim 1." if relevant
                                                  else "Might be of general interest."))
        judge(submission, examiner, verdict)
    return application


def people(n: int = 3) -> tuple[User, list[User]]:
    """Return an examiner and n volunteers."""
    return make_user("examiner"), [make_user() for _ in range(n)]


def grant_examples(n: int = 12):
    """Return (pairs, labels, groups) of n made-up grants, each citing examiner and other art."""
    grants = [grant(f"9{k:06d}", mixed_references(k)) for k in range(n)]
    return examples_from_grants(grants)


def save_grant_examples(n: int = 12, files: list[dict] | None = None) -> dict:
    """Save made-up grant examples in MODEL_DIR as the bootstrap command would."""
    pairs, y, groups = grant_examples(n)
    return save_bootstrap_examples(pairs, y, groups, files or [])


def flip_byte(path: Path, offset: int = -10) -> None:
    """Change one byte of a file in place."""
    data = bytearray(path.read_bytes())
    data[offset] ^= 0xFF
    path.write_bytes(bytes(data))


def scores_of(db, application) -> list[Score]:
    """Return the stored scores of an application's submissions, best rank first."""
    from reviewapp.models import Submission

    return list(db.session.scalars(
        select(Score).join(Submission, Submission.id == Score.submission_id)
        .where(Submission.application_id == application.id).order_by(Score.rank)))


def statements_during(db, action) -> int:
    """Return how many SQL statements `action` sends."""
    sent = []

    def count(*args) -> None:
        sent.append(args[2])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        action()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(sent)
