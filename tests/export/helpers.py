"""Rows the shared factories do not make (scores, verdicts, votes...), a known review, a CSV reader."""
from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from reviewapp.export.csvstream import unneutralise
from reviewapp.extensions import db
from reviewapp.models import ConflictDeclaration, Endorsement, Feedback, Score, Vote
from reviewapp.models.base import utcnow
from tests.factories import make_application, make_submission, make_user


def make_score(submission, score: float, rank: int, *, model_version: str = "m-1",
               explanation: list | None = None) -> Score:
    """Store the model's score and rank of a submission."""
    row = Score(submission_id=submission.id, score=score, rank=rank, model_version=model_version,
                explanation=explanation or [], computed_at=utcnow())
    db.session.add(row)
    db.session.flush()
    return row


def make_feedback(submission, examiner, verdict: str = "used", note: str = "",
                  when: dt.datetime | None = None) -> Feedback:
    """Store an examiner's verdict on a submission."""
    row = Feedback(submission_id=submission.id, examiner_id=examiner.id, verdict=verdict, note=note)
    if when is not None:
        row.created_at = row.updated_at = when
    db.session.add(row)
    db.session.flush()
    return row


def make_votes(submission, voters, value: int = 1) -> None:
    """Store one vote of `value` from each voter."""
    db.session.add_all(Vote(submission_id=submission.id, user_id=v.id, value=value) for v in voters)
    db.session.flush()


def make_endorsement(submission, user, explanation: str = "Same coolant loop.") -> Endorsement:
    """Store a second volunteer's endorsement of a submission."""
    row = Endorsement(submission_id=submission.id, user_id=user.id, explanation=explanation,
                      pinpoint="col. 3")
    db.session.add(row)
    db.session.flush()
    return row


def make_conflict(application, user, has_conflict: bool = True,
                  statement: str = "I consult for the applicant.") -> ConflictDeclaration:
    """Store a volunteer's conflict declaration on an application."""
    row = ConflictDeclaration(application_id=application.id, user_id=user.id,
                              has_conflict=has_conflict, statement=statement)
    db.session.add(row)
    db.session.flush()
    return row


@dataclass
class Corpus:
    """A small, known review: two applications, three submissions, votes, scores, a verdict."""

    alice: Any
    bob: Any
    carol: Any
    examiner: Any
    battery: Any
    database: Any
    ranked: Any
    runner_up: Any
    unscored: Any
    other_class: Any
    verdict: Any


HOSTILE_TITLE = "=HYPERLINK(\"http://evil.example\",\"x\")"
HOSTILE_EXPLANATION = "=cmd|' /C calc'!A0"
HOSTILE_NOTE = "@SUM(A1) — 中文 note,\r\nsecond line"


def build_corpus() -> Corpus:
    """Build the known review."""
    alice = make_user(name="-Alice", email="alice@example.test", reputation=-0.5)
    bob = make_user(name="Bob 🔋", email="bob@example.test", reputation=1.25)
    carol = make_user(name="Carol", email="carol@example.test")
    examiner = make_user("examiner", name="Examiner Ess", email="examiner@example.test")
    battery = make_application(number="US20180000016A1", title=HOSTILE_TITLE,
                               cpc=["H01M 10/613", "H01M 10/625"])
    database = make_application(status="closed", cpc=["G06F 16/00"], title="A database")
    ranked = make_submission(battery, alice, identifier="US7000001B2", claim_numbers=(3, 1),
                             explanation=HOSTILE_EXPLANATION, title="'quoted title")
    runner_up = make_submission(battery, bob, identifier="US7000002B2")
    unscored = make_submission(battery, carol, identifier="npl:a-paper", kind="npl",
                               title="العربية paper")
    other_class = make_submission(database, alice, identifier="US7000003B2")
    make_votes(ranked, [bob, carol])
    make_votes(runner_up, [alice], value=-1)
    make_endorsement(ranked, bob)
    make_score(ranked, 0.91, 1)
    make_score(runner_up, -0.3, 2)
    verdict = make_feedback(ranked, examiner, "used", HOSTILE_NOTE)
    return Corpus(alice, bob, carol, examiner, battery, database, ranked, runner_up, unscored,
                  other_class, verdict)


def read_csv(data: bytes | str) -> list[dict[str, str]]:
    """Parse an export as a data user would, undoing the neutralisation."""
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    rows = list(csv.reader(io.StringIO(text, newline="")))
    header = rows[0]
    return [dict(zip(header, (unneutralise(cell) for cell in row))) for row in rows[1:]]
