"""Every private Whoosh member that search/ relies on, checked against the installed Whoosh.

Whoosh 2.7.4 is pinned exactly, and search/ reaches inside it for speed (``bulk``,
``postings``, ``patches``, ``scoring``, ``phrases``). If an upgrade, a fork or a reinstall
changes any of these, this test fails first, naming the member, rather than the search
results going subtly wrong. Keep the lists in step with the code: ``grep -n "\\._" search/``.
"""
from __future__ import annotations

import inspect

import pytest
import whoosh
from whoosh import matching
from whoosh.codec import whoosh3
from whoosh.filedb import compound, structfile
from whoosh.filedb.filestore import RamStorage
from whoosh.index import FileIndex
from whoosh.matching.wrappers import FilterMatcher
from whoosh.query.spans import SpanNear2
from whoosh.scoring import BM25FScorer
from whoosh.writing import SegmentWriter

import search  # noqa: F401 - applies the patches
from search.backends.whoosh import patches
from search.schema import build_schema

# (owner, member): methods and class attributes, looked up on the class.
CLASS_MEMBERS = [
    # bulk.BulkSegmentWriter.add_document and build_segments / finalize
    (SegmentWriter, "_check_state"),
    (SegmentWriter, "_doc_boost"),
    (SegmentWriter, "_check_fields"),
    (SegmentWriter, "_field_boost"),
    (SegmentWriter, "_close_segment"),
    (SegmentWriter, "_finalize_segment"),
    # bulk._write_postings
    (whoosh3.W3PostingsWriter, "_write_block"),
    # bulk.bulk_write
    (FileIndex, "_read_toc"),
    # postings._blocks (and the accumulate patch of _read_ids)
    (whoosh3.W3LeafMatcher, "_read_ids"),
    (whoosh3.W3LeafMatcher, "_read_weights"),
    (whoosh3.W3LeafMatcher, "_read_values"),
    (whoosh3.W3LeafMatcher, "_next_block"),
    (whoosh3.W3LeafMatcher, "_read_data"),
    # patches.apply
    (whoosh3.W3TermInfo, "set_inlined"),
    (compound, "BufferFile"),
    (structfile, "BufferFile"),
    # phrases.ExactPhraseMatcher overrides it
    (SpanNear2.SpanNear2Matcher, "_get_spans"),
]


@pytest.mark.parametrize("owner, name", CLASS_MEMBERS,
                         ids=[f"{getattr(o, '__name__', o)}.{n}" for o, n in CLASS_MEMBERS])
def test_private_members_exist(owner, name):
    assert hasattr(owner, name), f"Whoosh no longer has {owner}.{name}: search/ relies on it"


def test_whoosh_is_the_pinned_version():
    assert whoosh.versionstring() == "2.7.4", "search/ is written against Whoosh 2.7.4 exactly"


def test_patched_methods_keep_their_signatures():
    assert list(inspect.signature(whoosh3.W3LeafMatcher._next_block).parameters) == ["self"]
    assert whoosh3.W3LeafMatcher._read_ids is patches._read_ids
    assert compound.BufferFile is patches.ViewBufferFile
    assert issubclass(patches.ViewBufferFile, structfile.BufferFile)
    init = inspect.signature(structfile.BufferFile.__init__).parameters
    assert list(init)[:4] == ["self", "buf", "name", "onclose"]
    assert whoosh3.W3TermInfo.set_inline == whoosh3.W3TermInfo.set_inlined


def _small_index() -> FileIndex:
    ix = RamStorage().create_index(build_schema())
    with ix.writer() as writer:
        for n in range(3):
            writer.add_document(id=f"D{n}", title="gear train", claims="gear")
    return ix


def test_instance_attributes_of_writers():
    """Attributes bulk.py reads or sets on live writer objects."""
    ix = _small_index()
    writer = SegmentWriter(ix)
    try:
        assert hasattr(writer, "_added")
        assert hasattr(writer, "fieldwriter") and hasattr(writer, "perdocwriter")
        writer.fieldwriter.start_field("title", ix.schema["title"])
        writer.fieldwriter.start_term(b"gear")
        postwriter = writer.fieldwriter._postwriter
        for name in ("_blocklimit", "_ids", "_weights", "_values", "_maxweight", "_minlength",
                     "_maxlength", "_inlinelimit"):
            assert hasattr(postwriter, name), f"W3PostingsWriter lost {name}"
    finally:
        writer.cancel()


def test_instance_attributes_of_matchers_and_scorers():
    """Attributes postings.py and scoring.py read on live matchers and scorers."""
    ix = _small_index()
    with ix.writer() as writer:
        writer.delete_by_term("id", "D0")
    with ix.searcher() as searcher:
        leaf = searcher.reader()
        wrapped = leaf.postings("title", "gear")
        assert isinstance(wrapped, FilterMatcher)  # hides the deleted document
        assert hasattr(wrapped, "_ids") and hasattr(wrapped, "child")
        inner = wrapped.child
        assert isinstance(inner, whoosh3.W3LeafMatcher)
        inner._read_ids()
        for name in ("_ids", "_data", "_byteids"):
            assert hasattr(inner, name), f"W3LeafMatcher lost {name}"
        scorer = searcher.weighting.scorer(searcher, "title", b"gear")
        assert isinstance(scorer, BM25FScorer) and hasattr(scorer, "dfl")
        spans = SpanNear2.SpanNear2Matcher([matching.NullMatcher()], slop=1, ordered=True,
                                           mindist=1)
        assert hasattr(spans, "ms")
