"""Adding, replacing and removing documents; comparing the index with the database."""
from __future__ import annotations

import pickle
from pathlib import Path

import pytest

import search
from tests.search.conftest import CORPUS, make_doc


def ids(results: search.Results) -> list[str]:
    return [hit.id for hit in results.hits]


def test_exists_and_ensure_index(index_dir):
    assert not search.exists(index_dir)
    search.ensure_index(index_dir)
    assert search.exists(index_dir)
    assert search.query(index_dir, "anything").total == 0


def test_query_on_a_missing_index_says_so_and_creates_nothing(index_dir):
    """Reading never builds an index: an empty one would hide the missing one from the site."""
    with pytest.raises(search.IndexMissingError):
        search.query(index_dir, "coil")
    assert not search.exists(index_dir)
    assert not Path(index_dir).exists() or not any(Path(index_dir).iterdir())


def test_index_documents_counts_and_finds_them(index_dir):
    assert search.index_documents(index_dir, CORPUS) == len(CORPUS)
    assert search.query(index_dir, "").total == len(CORPUS)


def test_index_documents_replaces_by_id(corpus_index):
    updated = make_doc("US8000001B2", title="Magnetic levitation train", stamp="2")
    assert search.index_documents(corpus_index, [updated]) == 1
    assert search.query(corpus_index, "").total == len(CORPUS)
    assert ids(search.query(corpus_index, "levitation")) == ["US8000001B2"]
    assert "US8000001B2" not in ids(search.query(corpus_index, "resonant"))


def test_duplicate_ids_in_one_batch_keep_the_last(index_dir):
    first = make_doc("US1", title="first version", stamp="a")
    last = make_doc("US1", title="second version", stamp="b")
    assert search.index_documents(index_dir, [first, last]) == 1
    assert search.check(index_dir, {"US1": "b"}).ok


def test_index_documents_accepts_a_generator_larger_than_a_batch(index_dir):
    docs = (make_doc(f"US{n}", title=f"widget number {n}") for n in range(1203))
    assert search.index_documents(index_dir, docs) == 1203
    assert search.query(index_dir, "widget").total == 1203


def test_remove_documents(corpus_index):
    assert search.remove_documents(corpus_index, ["US8000001B2", "US-NOT-THERE"]) == 1
    assert search.query(corpus_index, "").total == len(CORPUS) - 1
    assert "US8000001B2" not in ids(search.query(corpus_index, "coil"))
    assert search.remove_documents(corpus_index, []) == 0


def test_check_reports_missing_stale_and_extra(corpus_index):
    expected = {doc["id"]: doc["stamp"] for doc in CORPUS}
    assert search.check(corpus_index, expected).ok
    del expected["NPL-0006"]                  # in the index, not in the database
    expected["US8000002B2"] = "2"              # the row changed since it was indexed
    expected["US9999999B2"] = "1"              # in the database, never indexed
    report = search.check(corpus_index, expected)
    assert report.missing == ["US9999999B2"]
    assert report.stale == ["US8000002B2"]
    assert report.extra == ["NPL-0006"]
    assert not report.ok


def test_check_on_an_empty_index(index_dir):
    report = search.check(index_dir, {"US1": "1"})
    assert (report.missing, report.stale, report.extra) == (["US1"], [], [])


def test_prepared_documents_index_as_the_documents_themselves(index_dir, backend):
    # 40: past the size from which a Whoosh upsert builds its segment in bulk.
    docs = [make_doc(f"US{n:07d}B2", title=f"widget number{n}", claims="a gear wheel",
                     stamp="1") for n in range(40)]
    assert search.index_latest(index_dir, lambda: docs[:20]) == 20
    newer = [make_doc(doc["id"], title=f"sprocket {doc['title']}", claims="a gear wheel",
                      stamp="2") for doc in docs]
    prepared = [search.prepare(doc) for doc in newer]
    assert {item.backend for item in prepared} == {backend}
    restored = pickle.loads(pickle.dumps(prepared))  # as it comes back from a parser process
    assert search.index_latest(index_dir, lambda: restored) == 40
    results = search.query(index_dir, "title:sprocket", pagelen=50)
    assert results.total == 40
    assert {hit.title for hit in results.hits} == {doc["title"] for doc in newer}
    assert {type(hit.title) for hit in results.hits} == {str}  # the text stored, not its terms
    assert search.query(index_dir, "title:widget").total == 40
    assert search.check(index_dir, {doc["id"]: "2" for doc in newer}).ok


def test_a_document_prepared_for_another_backend_is_refused(index_dir, backend):
    other = next(name for name in search.BACKENDS if name != backend)
    item = search.prepare(make_doc("US0000001B2"), backend=other)
    with pytest.raises(ValueError, match=f"prepared for {other}"):
        search.index_latest(index_dir, lambda: [item])


@pytest.mark.parametrize("prepared", [False, True])
def test_words_lowercasing_to_longer_text_are_found_as_typed(index_dir, prepared):
    """"İ" lowercases to two characters: documents, prepared or not, and queries agree on it."""
    doc = make_doc("US0000002B2", title="DİSK brake for İstanbul trams", stamp="1")
    search.index_latest(index_dir, lambda: [search.prepare(doc) if prepared else doc])
    for query in ("DİSK", "title:İstanbul", '"DİSK brake"', "İSTANBUL trams"):
        assert ids(search.query(index_dir, query)) == ["US0000002B2"], query
