"""Set algebra on posting lists finds exactly the documents Whoosh's matchers find."""
from __future__ import annotations

import random

import pytest

import search
from search.backends.whoosh import reader
from search.backends.whoosh.docsets import matching_docs
from search.backends.whoosh.postings import Postings
from search.parsing import parse
from tests.search.conftest import make_doc

WORDS = ["gear", "shaft", "spring", "lever", "valve", "pump", "seal", "rotor"]


@pytest.fixture
def churned_index(index_dir):
    """An index of several segments, with deleted and replaced documents."""
    rng = random.Random(5)
    for batch in range(4):
        search.index_documents(index_dir, [
            make_doc(f"D{n}", title=" ".join(rng.choices(WORDS, k=2)),
                     claims=" ".join(rng.choices(WORDS, k=8)),
                     cpc=[rng.choice(["H04L 9/32", "F16H 1/00"])])
            for n in range(batch * 10, batch * 10 + 25)])
        search.remove_documents(index_dir, [f"D{n}" for n in range(batch, 40, 7)])
    return index_dir


@pytest.mark.parametrize("q", [
    "gear", "gear pump", "gear OR pump", "gear NOT pump", "NOT gear", "(gear OR seal) valve",
    "title:gear claims:rotor", "cpc:H04L", '"gear pump"', "gea*", "", "gear AND NOT (pump OR seal)",
    "gear REQUIRE pump", "gear ANDMAYBE pump",
])
def test_matching_docs_equals_whoosh(churned_index, q):
    with reader.searching(churned_index) as view:
        parsed = parse(q)
        # Whoosh's pure negations ("NOT gear") also return deleted documents: leave them out.
        is_deleted = view.searcher.reader().is_deleted
        expected = {n for n in view.searcher.docs_for_query(parsed) if not is_deleted(n)}
        assert matching_docs(Postings(view.searcher), parsed) == expected


def test_a_negation_never_returns_deleted_documents(churned_index):
    negated = search.query(churned_index, "NOT gear", pagelen=100)
    live = search.query(churned_index, "", pagelen=1).total
    assert negated.total + search.query(churned_index, "gear").total == live
    ids = [hit.id for hit in negated.hits]
    assert len(ids) == negated.total and len(set(ids)) == len(ids)  # no deleted twin of an id
