"""The named signals: who sends them, who receives them, and the imports they replace."""
from __future__ import annotations

import ast
import datetime as dt
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import select

from reviewapp.community.discussion import post_comment
from reviewapp.models import Notification, Watch
from reviewapp.priorart.checks import SubmissionData
from reviewapp.priorart.editing import withdraw_submission
from reviewapp.priorart.submitting import submit_prior_art
from reviewapp.signals import comment_posted, submission_created, submission_withdrawn
from tests.factories import make_application, make_submission, make_user

PACKAGE = Path(__file__).resolve().parent.parent / "reviewapp"


@contextmanager
def received(signal):
    """Collect (sender, keyword arguments) of every send of `signal` inside the block."""
    seen: list[tuple[object, dict]] = []

    def receiver(sender, **kwargs):
        seen.append((sender, kwargs))

    signal.connect(receiver)
    try:
        yield seen
    finally:
        signal.disconnect(receiver)


def data() -> SubmissionData:
    return SubmissionData(kind="us", identifier="US 7,123,456 B2", title="Battery cooler",
                          publication_date=dt.date(2012, 4, 3), claim_numbers=[1],
                          explanation="Discloses the coolant loop of claim 1.", has_conflict=False)


def test_a_new_submission_is_announced_once_and_an_endorsement_not(db):
    application = make_application(priority_date=dt.date(2019, 6, 1))
    alice, bob = make_user(), make_user()
    with received(submission_created) as seen:
        created = submit_prior_art(db.session, application, alice, data()).submission
        submit_prior_art(db.session, application, bob, data())  # the same document: an endorsement
    assert [sender for sender, _ in seen] == [created]
    assert seen[0][1]["session"] is db.session


def test_a_withdrawal_is_announced_and_a_handover_is_not(db):
    application = make_application()
    alice, bob = make_user(), make_user()
    alone = make_submission(application, alice)
    with received(submission_withdrawn) as seen:
        withdraw_submission(db.session, alone, alice)
    assert [sender for sender, _ in seen] == [alone]
    endorsed = make_submission(application, alice, identifier="US7000002")
    submit_prior_art(db.session, application, bob, SubmissionData(
        kind="us", identifier="US 7,000,002", publication_date=dt.date(2001, 1, 1),
        claim_numbers=[1], explanation="Same.", has_conflict=False))
    with received(submission_withdrawn) as seen:
        assert withdraw_submission(db.session, endorsed, alice) == bob  # handed over: still active
    assert seen == []


def test_a_comment_is_announced_and_watchers_hear_of_it(db):
    application = make_application()
    author, watcher = make_user(), make_user()
    db.session.add(Watch(user_id=watcher.id, application_id=application.id))
    db.session.flush()
    with received(comment_posted) as seen:
        comment = post_comment(db.session, application, author, "Claim 1 is old.")
    assert [sender for sender, _ in seen] == [comment]
    # community's own receiver, connected by its register step in create_app
    assert db.session.scalars(select(Notification.user_id)).all() == [watcher.id]


def imported_modules(path: Path) -> set[str]:
    """Return the modules a file imports, relative ones as written (`..community.votes`)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            names.add("." * node.level + (node.module or ""))
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_side_effects_travel_by_signal_not_by_import():
    """Keep prior-art operations free of community, and community free of the admin package."""
    wrong = []
    for path in sorted((PACKAGE / "priorart").glob("*.py")):
        if path.name == "views.py":  # the page shows community's controls: a view may compose
            continue
        wrong += [f"{path.name} imports {m}" for m in imported_modules(path) if "community" in m]
    for path in sorted((PACKAGE / "community").glob("*.py")):
        wrong += [f"community/{path.name} imports {m}" for m in imported_modules(path) if "admin" in m]
    assert wrong == []
    assert not (PACKAGE / "community" / "services.py").exists()
    assert not (PACKAGE / "priorart" / "services.py").exists()
