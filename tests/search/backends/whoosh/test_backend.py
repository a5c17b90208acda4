"""Whoosh-only behaviour: a lent searcher across a rebuild, the claim postings budget."""
from __future__ import annotations

from pathlib import Path

import search
from search import store
from search.backends.whoosh import reader
from tests.search.conftest import CORPUS
from tests.search.contract.test_concurrency import NEW_CORPUS
from tests.search.contract.test_like_claim import CLAIM, DISTRACTORS, PRIOR_ART


def test_rebuild_swaps_while_a_reader_holds_a_searcher(corpus_index: Path):
    search.query(corpus_index, "coil")  # cache a searcher on the first generation
    first = store.current_generation(corpus_index)
    with reader.searching(corpus_index) as view:
        counts: list[int] = []
        assert search.rebuild(corpus_index, NEW_CORPUS, progress=counts.append) == 10
        assert counts[-1] == 10
        # The searcher lent before the swap still reads the old generation, in full.
        assert view.searcher.doc_count() == len(CORPUS)
        assert view.searcher.document(id="US8000001B2")["title"].startswith("Wireless")
    assert store.current_generation(corpus_index) != first
    assert search.query(corpus_index, "").total == 10
    assert search.query(corpus_index, "coil").total == 0
    assert first.exists()  # kept one generation, for readers that were opening it
    search.rebuild(corpus_index, NEW_CORPUS)
    assert not first.exists()



def test_the_postings_budget_keeps_the_most_important_pairs_that_fit(index_dir, monkeypatch):
    from search import common
    from search.backends.whoosh import querying

    search.index_documents(index_dir, [*DISTRACTORS, PRIOR_ART])
    monkeypatch.setattr(common, "CLAIM_POSTINGS_BUDGET", 5)
    with reader.searching(index_dir) as view:
        searcher = view.searcher
        terms = querying._key_terms(view, CLAIM)
        chosen = querying._claim_query(terms, searcher.reader()).subqueries
        postings = [searcher.doc_frequency(t.fieldname, t.text) for t in chosen]
    assert sum(postings) <= 5
    assert (chosen[0].fieldname, chosen[0].text) == ("title", terms[0][0])
    boosts = [t.boost for t in chosen]
    assert boosts == sorted(boosts, reverse=True)
