"""The contract suite: every test here runs once per search backend.

A backend is acceptable when it passes this suite (a future OpenSearch backend included, see
docs/SCALING.md). The ``backend`` fixture makes it the default of every ``search`` call, so
the tests read as plain uses of the API.
"""
from __future__ import annotations

from pathlib import Path

import pytest

import search


@pytest.fixture(params=search.BACKENDS)
def backend(request, monkeypatch) -> str:
    """Return the backend under test, made the default of the search API."""
    monkeypatch.setattr(search, "default_backend", request.param)
    return request.param


@pytest.fixture
def index_dir(tmp_path: Path, backend: str):
    """Return an empty index directory of the backend under test."""
    path = tmp_path / "index"
    yield path
    search.close_all()
