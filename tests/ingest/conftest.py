"""Fixtures for the ingest tests: the real USPTO files read once per session."""
from __future__ import annotations

from pathlib import Path

import pytest

from reviewapp.ingest import PatentRecord, read_documents
from reviewapp.ingest.records import ParseError, SkippedDocument

Item = PatentRecord | ParseError | SkippedDocument


@pytest.fixture(scope="session")
def uspto_items(uspto_dir: Path) -> list[Item]:
    """Return everything read_documents yields for the whole shared USPTO folder."""
    return list(read_documents([uspto_dir]))


@pytest.fixture(scope="session")
def records(uspto_items: list[Item]) -> dict[str, PatentRecord]:
    """Return the real records by canonical publication number."""
    return {item.publication_number: item for item in uspto_items
            if isinstance(item, PatentRecord)}
