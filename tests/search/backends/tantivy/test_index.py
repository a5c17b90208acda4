"""Reading a tantivy index: damage is an IndexUnreadableError (an OSError), and an index built
with an older schema is still searched but reported as needing a rebuild."""
from __future__ import annotations

import logging
from pathlib import Path

import pytest

import search
from search import store
from search.backends.tantivy import documents, index
from tests.search.conftest import CORPUS

NAME_PHRASE = 'applicants:"acme power"'


@pytest.fixture
def index_dir(tmp_path: Path):
    path = tmp_path / "index"
    yield path
    search.close_all()


def build_with_old_schema(index_dir: Path, monkeypatch) -> None:
    """Index CORPUS into an index whose names have no positions, as built before they had."""
    with monkeypatch.context() as patch:
        patch.setattr(documents, "PHRASE_FIELDS", frozenset(documents.PROSE_FIELDS))
        old = documents.schema.__wrapped__()
        patch.setattr(index, "schema", lambda: old)
        search.ensure_index(index_dir, backend="tantivy")
    search.index_documents(index_dir, CORPUS, backend="tantivy")


def test_an_index_of_an_older_schema_is_searched_but_must_be_rebuilt(index_dir, monkeypatch, caplog):
    build_with_old_schema(index_dir, monkeypatch)
    with caplog.at_level(logging.WARNING, logger=index.__name__):
        assert search.query(index_dir, "coil", backend="tantivy").total == 2
    assert "older schema" in caplog.text and "rebuild" in caplog.text

    with pytest.raises(index.OutdatedIndexError, match="rebuild"):
        search.query(index_dir, NAME_PHRASE, backend="tantivy")
    with pytest.raises(index.OutdatedIndexError):
        search.check(index_dir, {doc["id"]: doc["stamp"] for doc in CORPUS}, backend="tantivy")

    search.rebuild(index_dir, CORPUS, backend="tantivy")
    assert [hit.id for hit in search.query(index_dir, NAME_PHRASE, backend="tantivy").hits] == [
        "US8000001B2"]
    assert search.check(index_dir, {doc["id"]: doc["stamp"] for doc in CORPUS},
                        backend="tantivy").ok


def test_a_damaged_index_is_unreadable_not_a_bad_query(index_dir):
    search.index_documents(index_dir, CORPUS, backend="tantivy")
    search.close_all()  # as a restarted server: the damage is met on opening
    (store.current_generation(index_dir) / "meta.json").write_bytes(b"{garbage")
    for read in (lambda: search.query(index_dir, "coil", backend="tantivy"),
                 lambda: search.like_claim(index_dir, "a flat coil", before=None, backend="tantivy"),
                 lambda: search.check(index_dir, {}, backend="tantivy")):
        with pytest.raises(index.IndexUnreadableError, match="Data corrupt") as raised:
            read()
        assert isinstance(raised.value, OSError)
        assert not isinstance(raised.value, (index.OutdatedIndexError, search.QuerySyntaxError))


def test_a_query_refused_while_reading_stays_a_query_error(index_dir, monkeypatch):
    from search.backends.tantivy import querying

    def too_long(self) -> None:
        raise search.QueryTooCostlyError("This query took too long")

    search.index_documents(index_dir, CORPUS, backend="tantivy")
    monkeypatch.setattr(querying.Budget, "check", too_long)
    with pytest.raises(search.QueryTooCostlyError, match="too long"):
        search.query(index_dir, "coil", backend="tantivy")
