"""Fixtures of the security tests: a small site holding one of everything, and its secrets."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from flask import g

from reviewapp.api.services import create_token
from reviewapp.auth.services import create_reset_token
from reviewapp.community.discussion import post_comment
from reviewapp.community.moderation import flag_content
from reviewapp.community.notifications import unsubscribe_token
from reviewapp.community.tags import add_tag
from reviewapp.examiner.forwarding import freeze_report
from reviewapp.examiner.verdicts import record_feedback
from reviewapp.extensions import db as _db
from reviewapp.imports.runs import finish_run
from reviewapp.ingest.loader import ImportSummary
from reviewapp.models import ConflictDeclaration, ImportRun, Notification, Reference, Watch
from reviewapp.models.application import CLOSED
from reviewapp.models.base import utcnow
from reviewapp.models.import_run import DONE, FOLDER, RUNNING, UPLOAD
from tests.conftest import empty_tables
from tests.factories import make_application, make_document, make_submission, make_user

# Examiner-only text: no page or API answer may show it to a volunteer or an anonymous visitor.
NOTE = "examiner-note-q7f3a"
CLOSED_NOTE = "examiner-note-on-closed-k2m9"
CONFLICT = "conflict-statement-z9c2e"


@dataclass
class World:
    """The rows every route needs, by name; URL values and form data are built from these."""

    volunteer: object
    other: object
    examiner: object
    admin: object
    target: object
    banned: object
    number: str
    closed_number: str
    library_number: str
    application_id: int
    closed_application_id: int
    submission_id: int
    own_submission_id: int
    claim_id: int
    comment_id: int
    tag: str
    notification_id: int
    flag_id: int
    token_id: int
    token_secret: str
    token_hash: str
    reset_token: str
    unsubscribe_token: str
    user_id: int
    target_id: int
    banned_id: int
    import_run_id: int  # a finished import, with a summary and errors
    running_import_id: int

    def user(self, role: str):
        """Return the account playing `role` (None for anonymous)."""
        return None if role == "anonymous" else getattr(self, role)

    @property
    def examiner_secrets(self) -> dict[str, str]:
        """Return the text a volunteer must never read, by what it is."""
        return {"feedback note": NOTE, "note on the closed review": CLOSED_NOTE,
                "another reviewer's conflict statement": CONFLICT,
                "API token": self.token_secret, "API token hash": self.token_hash}


def build_world() -> World:
    """Create the accounts, applications, submissions, discussion, flags and tokens; commit."""
    session = _db.session
    volunteer = make_user(name="Val Volunteer", email="val@example.test")
    other = make_user(name="Otto Other", email="otto@example.test")
    examiner = make_user("examiner", name="Erin Examiner", email="erin@example.test")
    admin = make_user("admin", name="Ada Admin", email="ada@example.test")
    target = make_user(name="Tess Target", email="tess@example.test")
    banned = make_user(name="Bob Banned", email="bob@example.test", banned_at=utcnow())

    application = make_application(title="Liquid cooled battery pack")
    closed = make_application(title="Heat pipe for a laptop", status=CLOSED, days_left=-2)
    library = make_document(title="Prior widget in the library")
    library.references = [
        Reference(position=0, kind="patent", country="US", number="05745511", kind_code="A",
                  normalised_number="US5745511", date=dt.date(1998, 4, 28), name="Nakashima",
                  category="cited by examiner"),
        Reference(position=1, kind="npl", text="J. Smith, \"Cold plates for battery packs\", "
                  "Journal of Heat Transfer 121 (1999), pp. 1-9", category="cited by applicant"),
    ]
    theirs = make_submission(application, other, title="Coolant manifold", claim_numbers=(1, 2))
    mine = make_submission(application, volunteer, title="Cold plate", claim_numbers=(1,))
    on_closed = make_submission(closed, other, title="Heat spreader", claim_numbers=(1,))
    session.add_all([
        ConflictDeclaration(user_id=other.id, application_id=application.id, has_conflict=True,
                            statement=CONFLICT),
        ConflictDeclaration(user_id=volunteer.id, application_id=application.id, has_conflict=False),
        Watch(user_id=volunteer.id, application_id=application.id),
    ])
    record_feedback(session, theirs, examiner, "relevant", NOTE)
    record_feedback(session, on_closed, examiner, "used", CLOSED_NOTE)
    freeze_report(session, closed)
    comment = post_comment(session, application, other, "Claim 1 reads on **US 6,000,001**.")
    # Added by the volunteer: the lowest role that may remove a tag is its adder.
    tag = add_tag(session, application, "battery-cooling", volunteer)
    add_tag(session, theirs, "battery-cooling", volunteer)
    flag = flag_content(session, volunteer, comment, "Looks like an advertisement.")
    notification = Notification(user_id=volunteer.id, application_id=application.id, kind="comment",
                                message="A new comment on a watched application.",
                                url=f"/applications/{application.number}/discussion",
                                dedupe_key="security-test")
    session.add(notification)
    token, secret = create_token(session, examiner, "laptop script")
    finished, running = import_runs(admin)
    session.flush()
    world = World(
        volunteer=volunteer, other=other, examiner=examiner, admin=admin, target=target, banned=banned,
        number=application.number, closed_number=closed.number,
        library_number=library.publication_number, application_id=application.id,
        closed_application_id=closed.id, submission_id=theirs.id, own_submission_id=mine.id,
        claim_id=application.document.claims[0].id, comment_id=comment.id, tag=tag.name,
        notification_id=notification.id, flag_id=flag.id, token_id=token.id, token_secret=secret,
        token_hash=token.token_hash, reset_token=create_reset_token(volunteer),
        unsubscribe_token=unsubscribe_token(volunteer), user_id=other.id,
        target_id=target.id, banned_id=banned.id, import_run_id=finished.id,
        running_import_id=running.id,
    )
    session.commit()
    return world


def import_runs(admin) -> tuple[ImportRun, ImportRun]:
    """Add a weekly file's finished import (its summary and errors as the job records them)
    and an upload still being imported."""
    session = _db.session
    finished = ImportRun(user_id=admin.id, origin=FOLDER, source="ipg130416-weekly-grants.zip",
                         path="/srv/reviewapp/imports/ipg130416-weekly-grants.zip", status=DONE,
                         total_bytes=713_000_000, started_at=utcnow())
    running = ImportRun(user_id=admin.id, origin=UPLOAD, source="ipa130418.xml",
                        path="/srv/reviewapp/uploads/ipa130418.xml", status=RUNNING,
                        total_bytes=41_000_000, bytes_done=12_000_000, documents_done=1_234,
                        error_count=1, started_at=utcnow(), heartbeat_at=utcnow())
    session.add_all([finished, running])
    session.flush()
    summary = ImportSummary(grants=9_997, created=9_990, updated=4, unchanged=3, skipped=2,
                            skipped_kinds={"sequence listing": 2},
                            first_numbers=["US08424001B2", "US08424002B2", "US08424003B1"])
    summary.error("ipg130416-weekly-grants.zip/ipg130416.xml", 4_711, 1_317,
                  "malformed XML: Opening and ending tag mismatch: claim-text line 1312 and claim")
    summary.error("ipg130416-weekly-grants.zip/ipg130416.xml", 9_002, 0,
                  "no publication number: <publication-reference><document-id><doc-number> is empty")
    finish_run(session, finished.id, DONE, summary, "")
    return finished, running


@pytest.fixture
def new_world(app, db, monkeypatch):
    """Return a function emptying the database and building the world afresh."""

    def new() -> World:
        _db.session.remove()
        empty_tables()
        # Without rescoring: no test here reads scores, and it is slow.
        with monkeypatch.context() as patch:
            patch.setitem(app.extensions["tasks"], "rescore", lambda application_id: None)
            return build_world()

    return new


@pytest.fixture
def world(new_world) -> World:
    """Return a freshly built world, committed."""
    return new_world()


@pytest.fixture
def fresh_login_per_request(app):
    """Forget the user Flask-Login cached in `g`, as a real request with its own context would."""

    @app.before_request
    def forget_cached_user() -> None:
        g.pop("_login_user", None)


def table_rows() -> dict[str, list[tuple]]:
    """Return every row of every table, sorted, to compare the database before and after."""
    rows = {}
    with _db.engine.connect() as connection:
        for table in _db.metadata.sorted_tables:
            result = connection.execute(sa.select(table))
            rows[table.name] = sorted((tuple(map(repr, row)) for row in result), key=repr)
    return rows


def csrf_token_of(client, path: str = "/auth/forgot") -> str:
    """Return the CSRF token a page of the client's session carries."""
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)[1]

