"""The fast exact-phrase matcher agrees with Whoosh's own."""
from __future__ import annotations

import random

from whoosh import query as wq

import search
from search.backends.whoosh import reader
from search.phrases import PatentPhrase

from .conftest import make_doc

WORDS = ["gear", "shaft", "spring", "lever", "valve", "pump", "seal", "rotor"]


def test_exact_phrases_match_exactly_what_whoosh_matches(index_dir):
    rng = random.Random(3)
    search.index_documents(index_dir, [
        make_doc(f"D{n}", description=" ".join(rng.choices(WORDS, k=60))) for n in range(60)])
    with reader.searching(index_dir) as view:
        for length in (2, 2, 3, 3, 4):
            for _ in range(10):
                words = rng.choices(WORDS, k=length)
                ours = PatentPhrase("description", words)
                theirs = wq.Phrase("description", words)
                found = sorted(view.searcher.docs_for_query(ours))
                assert found == sorted(view.searcher.docs_for_query(theirs)), words


def test_repeated_words_and_missing_words(index_dir):
    search.index_documents(index_dir, [
        make_doc("A", description="gear gear gear shaft"),
        make_doc("B", description="gear shaft gear"),
    ])
    with reader.searching(index_dir) as view:
        def ids(words):
            q = PatentPhrase("description", words)
            return sorted(view.searcher.stored_fields(n)["id"]
                          for n in view.searcher.docs_for_query(q))

        assert ids(["gear", "gear", "shaft"]) == ["A"]
        assert ids(["shaft", "gear"]) == ["B"]
        assert ids(["gear", "unicorn"]) == []


def test_positions_decode_like_whoosh():
    from whoosh.formats import Positions

    from search.backends.whoosh.postings import positions

    fmt = Positions()
    for poslist in ([0], [3, 4, 9], list(range(0, 3000, 7)), [46], [1, 46, 92]):
        value = fmt.encode(poslist)
        assert list(positions(value)) == fmt.decode_positions(value) == poslist
        assert list(positions(value, 2)) == [p - 2 for p in poslist]
