"""Fixtures of the community tests: an open application, people and a submission."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.factories import make_application, make_submission, make_user


@pytest.fixture
def people(db):
    """Return a submitter, a second volunteer, a third one and an administrator."""
    return SimpleNamespace(
        submitter=make_user(name="Sam Submitter"),
        voter=make_user(name="Vera Voter"),
        other=make_user(name="Otto Other"),
        admin=make_user("admin", name="Ada Admin"),
    )


@pytest.fixture
def application(db):
    """Return an application whose review window is open, with claims 1 to 3."""
    return make_application()


@pytest.fixture
def submission(application, people):
    """Return an active submission by `people.submitter` on `application`."""
    return make_submission(application, people.submitter, title="Coolant loop patent")
