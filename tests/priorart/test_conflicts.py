"""Conflict-of-interest declarations before a first submission."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from reviewapp.models import ConflictDeclaration, Submission
from reviewapp.priorart.checks import SubmissionError
from reviewapp.priorart.conflicts import declare_conflict, needs_conflict_declaration
from reviewapp.priorart.submitting import submit_prior_art
from tests.factories import make_application
from tests.priorart.helpers import count, data


def test_first_submission_needs_a_conflict_statement(db, application, alice):
    assert needs_conflict_declaration(db.session, application, alice)
    with pytest.raises(SubmissionError, match="Confirm you have no conflict") as refused:
        submit_prior_art(db.session, application, alice, data(has_conflict=None))
    assert refused.value.field == "conflict"
    with pytest.raises(SubmissionError, match="Describe your conflict") as refused:
        submit_prior_art(db.session, application, alice, data(has_conflict=True, conflict_statement=" "))
    assert refused.value.field == "conflict_statement"
    assert count(db, Submission) == 0


def test_conflict_declared_once_per_application(db, application, alice):
    submit_prior_art(db.session, application, alice,
                     data(has_conflict=True, conflict_statement="I consult for the applicant."))
    declaration = db.session.scalars(select(ConflictDeclaration)).one()
    assert (declaration.user_id, declaration.application_id) == (alice.id, application.id)
    assert declaration.has_conflict and declaration.statement == "I consult for the applicant."
    assert not needs_conflict_declaration(db.session, application, alice)
    # The second submission needs no statement and leaves the first one alone.
    submit_prior_art(db.session, application, alice, data(identifier="US 6,000,001", has_conflict=None))
    assert count(db, ConflictDeclaration) == 1
    other = make_application()
    assert needs_conflict_declaration(db.session, other, alice)


def test_declare_conflict_replaces_and_clears_the_statement(db, application, alice):
    declare_conflict(db.session, application, alice, has_conflict=True, statement="Former employee.")
    declaration = declare_conflict(db.session, application, alice, has_conflict=False, statement="ignored")
    assert count(db, ConflictDeclaration) == 1
    assert (declaration.has_conflict, declaration.statement) == (False, "")
