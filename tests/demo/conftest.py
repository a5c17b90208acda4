"""Fixtures of the demo tests: the demo loaded once into the test database (either kind)."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from reviewapp import demo
from reviewapp.models import Document
from reviewapp.models.base import utcnow


@pytest.fixture
def now() -> dt.datetime:
    """The loading moment: the clock, which the services check the windows against."""
    return utcnow().replace(microsecond=0)


@pytest.fixture
def session(db):
    """The session of the test app, on the migrated test database (SQLite or PostgreSQL)."""
    return db.session


@pytest.fixture
def loaded(session, now):
    """The session after one `load_demo`, and its result."""
    result = demo.load_demo(session, now=now)
    session.commit()
    return session, result


def count(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where))


def demo_documents(session) -> list[Document]:
    return list(session.scalars(select(Document).where(Document.source == demo.SOURCE)))
