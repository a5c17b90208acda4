"""The cached searcher: refreshed after commits, and still answering when a commit won't open."""
from __future__ import annotations

import search
from search.backends.whoosh import reader
from tests.search.conftest import make_doc


def ids(results) -> set[str]:
    return {hit.id for hit in results.hits}


def test_a_commit_is_seen_by_the_next_query_and_the_old_searcher_is_closed(corpus_index):
    with reader.searching(corpus_index) as view:
        before = view.searcher
    search.index_documents(corpus_index, [make_doc("US9990001B2", title="Gearbox lubricant pump")])
    assert ids(search.query(corpus_index, "lubricant")) == {"US9990001B2"}
    with reader.searching(corpus_index) as view:
        assert view.searcher is not before
    assert before.is_closed and before.reader().is_closed


def test_a_commit_that_cannot_be_opened_yet_leaves_the_previous_one_answering(corpus_index,
                                                                              monkeypatch, caplog):
    assert ids(search.query(corpus_index, "battery"))  # the searcher is open and cached
    search.index_documents(corpus_index, [make_doc("US9990002B2", title="Battery heater film")])
    real_open, failures = reader.open_index, []

    def vanished(generation):  # a concurrent merge deleted a segment file of this commit
        failures.append(generation)
        raise FileNotFoundError(f"{generation}/MAIN_gone.seg")

    monkeypatch.setattr(reader, "open_index", vanished)
    monkeypatch.setattr(reader, "REOPEN_PAUSE", 0)
    answered = search.query(corpus_index, "battery")  # no ReaderClosed, no error
    assert len(failures) == reader.REOPEN_ATTEMPTS
    assert "answering from the previous one" in caplog.text
    assert "US9990002B2" not in ids(answered) and ids(answered)
    assert ids(search.query(corpus_index, "battery")) == ids(answered)  # still the old commit

    monkeypatch.setattr(reader, "open_index", real_open)
    assert "US9990002B2" in ids(search.query(corpus_index, "battery"))



def test_cached_posting_lists_never_return_deleted_or_changed_documents(corpus_index):
    search.index_documents(corpus_index, [make_doc("US9990004B2", title="Battery cooling plate")])
    first = search.query(corpus_index, "battery")
    assert ids(first) == {"US7000004B2", "US9990004B2"}
    assert ids(search.query(corpus_index, "battery")) == ids(first)  # now from the cache
    # Rewritten without the word: the old version is deleted in its segment (same segment id).
    search.index_documents(corpus_index, [make_doc("US7000004B2", title="Thermal fuse")])
    assert ids(search.query(corpus_index, "battery")) == {"US9990004B2"}
    search.remove_documents(corpus_index, ["US9990004B2"])
    assert ids(search.query(corpus_index, "battery")) == set()


def test_postings_cache_keeps_recent_lists_within_its_budget():
    from search.backends.whoosh.postings import PostingsCache, SegmentPostings

    cache, reads = PostingsCache(budget=10), []

    def reader(n):
        def read():
            reads.append(n)
            return SegmentPostings(list(range(n)), [1.0] * n, [b""] * n)
        return read

    for key in ("a", "b", "a", "c"):
        cache.get(key, reader(2))
    assert reads == [2, 2, 2]                # "a" came from the cache the second time
    cache.get("big", reader(5))              # more than a quarter of the budget: not kept
    cache.get("big", reader(5))
    assert reads == [2, 2, 2, 5, 5] and cache.size == 6
    for key in ("d", "e", "f"):
        cache.get(key, reader(2))
    assert cache.size <= 10
    cache.get("b", reader(2))                # the oldest went first
    assert reads[-1] == 2 and len(reads) == 9


def test_what_damaged_files_make_whoosh_raise_reads_as_an_unreadable_index(corpus_index, monkeypatch):
    """zlib errors, absurd sizes, or any error inside Whoosh's code: "rebuild it", not a crash."""
    import zlib

    import pytest
    from whoosh.reading import MultiReader, SegmentReader
    from whoosh.util.varints import read_varint

    def garbled(self, docnum):  # what a garbled varint in a stored-fields block does
        return read_varint(lambda n: b"")

    def inflated(self, docnum):
        raise zlib.error("Error -3 while decompressing data: invalid block type")

    for damage, message in ((garbled, "TypeError"), (inflated, "decompressing")):
        reader.close_all()  # a searcher copies its reader's methods when it opens
        for reader_class in (SegmentReader, MultiReader):
            monkeypatch.setattr(reader_class, "stored_fields", damage)
        with pytest.raises(search.IndexUnreadableError, match=message):
            search.query(corpus_index, "battery")


def test_an_error_of_the_caller_outside_whoosh_stays_what_it_is(corpus_index):
    import pytest

    with pytest.raises(RuntimeError, match="the caller's"), reader.searching(corpus_index):
        raise RuntimeError("the caller's own mistake")
