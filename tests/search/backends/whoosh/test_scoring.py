"""Cached field lengths give exactly Whoosh's BM25F scores."""
from __future__ import annotations

import pytest
from whoosh.scoring import BM25F

import search
from search import store
from search.backends.whoosh import reader
from search.backends.whoosh.docsets import matching_docs
from search.backends.whoosh.docvalues import SegmentCache
from search.backends.whoosh.postings import Postings
from search.backends.whoosh.ranking import rank, rankable
from search.backends.whoosh.scoring import CachedLengthsBM25F
from search.backends.whoosh.writer import open_index
from search.parsing import parse
from tests.search.conftest import make_doc


def scores(index_dir, q, weighting) -> dict[int, float]:
    with open_index(store.current_generation(index_dir)).searcher(weighting=weighting) as s:
        return {hit.docnum: hit.score for hit in s.search(parse(q), limit=None)}


@pytest.mark.parametrize("q", ["coil", "coil OR gear", '"flat coil"', "title:gear claims:coil"])
def test_scores_equal_whooshs_bm25f(index_dir, q):
    for batch in range(3):  # several segments
        search.index_documents(index_dir, [
            make_doc(f"D{batch}-{n}", title="gear " * (n % 3), claims="a flat coil " * n,
                     description="coil and gear and spring " * (n + batch))
            for n in range(1, 8)])
    ours = scores(index_dir, q, CachedLengthsBM25F(SegmentCache()))
    assert ours and ours == pytest.approx(scores(index_dir, q, BM25F()))


@pytest.mark.parametrize("q", ["coil", "coil gear", "coil OR gear", "title:gear^2 claims:coil",
                               "coil NOT spring", "(coil OR gear) AND NOT title:gear",
                               '"flat coil"', '"coil and gear" OR title:gear',
                               "coil ANDMAYBE gear", "(coil ANDMAYBE title:gear) spring"])
def test_term_at_a_time_ranking_equals_whoosh(index_dir, q):
    for batch in range(3):
        search.index_documents(index_dir, [
            make_doc(f"D{n}", title="gear " * (n % 3), claims="a flat coil " * (n % 5),
                     description="coil and gear and spring " * ((n + batch) % 4))
            for n in range(batch * 5, batch * 5 + 12)])
    search.remove_documents(index_dir, ["D3", "D9"])
    parsed = parse(q)
    assert rankable(parsed)
    with reader.searching(index_dir) as view:
        postings = Postings(view.searcher)
        docs = matching_docs(postings, parsed)
        ours = rank(postings, view.cache, parsed, docs, limit=len(docs) or 1)
    expected = scores(index_dir, q, BM25F())
    if "NOT" in q:  # Whoosh adds 1 for the NOT of an AND to every match: same order
        expected = {doc: score - 1 for doc, score in expected.items()}
    assert dict(ours) == pytest.approx(expected)
    assert [doc for doc, _ in ours] == sorted(expected, key=lambda n: (-expected[n], n))
