"""REQUIRE, ANDNOT and ANDMAYBE on Whoosh: every match found, counted, faceted and paged once."""
from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from whoosh import query as wq

import search
from search.backends.whoosh import reader
from search.backends.whoosh.docsets import matching_docs, whoosh_safe
from search.backends.whoosh.postings import Postings
from search.parsing import parse
from tests.search.conftest import make_doc

WORDS = ["gear", "pump", "valve", "seal", "rotor", "spring"]
CLASSES = ["F16H 1/00", "F04B 1/00", "H04L 9/32"]

# Each REQUIRE alone, inside AND, OR and NOT, beside and around ranges, fields and wildcards.
REQUIRE_QUERIES = [
    "gear REQUIRE pump",
    "(gear REQUIRE pump) AND valve",
    "(gear REQUIRE pump) OR seal",
    "valve NOT (gear REQUIRE pump)",
    "NOT (gear REQUIRE pump)",
    "gear publication_date:[2010 TO 2016] REQUIRE pump",
    "gear REQUIRE publication_date:[2010 TO 2016]",
    "gear REQUIRE cpc:F16H",
    "title:gear REQUIRE claims:pump",
    "gea* REQUIRE pump",
    "gear REQUIRE (pump OR sea*)",
    "(gear REQUIRE pump) (valve REQUIRE seal)",
    "(valve ANDMAYBE gear) REQUIRE pump",
]

# Queries Whoosh ranks itself (wildcards, ranges): its top-N must page like one long list.
WHOOSH_RANKED = [
    "gea* ANDNOT pump",
    "gea* ANDMAYBE pump",
    "gear publication_date:[2010 TO 2016]",
    "gear publication_date:[2010 TO 2016] ANDNOT pump",
    "gear (publication_date:[2010 TO 2016] ANDNOT pump)",
    "gear publication_date:[2010 TO 2016] ANDMAYBE pump",
    "valve OR sea*",
    "gear publication_date:[2010 TO 2016] REQUIRE pump",
]


def documents(first: int, count: int, rng: random.Random) -> list[dict]:
    """Return documents of random words, dates and classes."""
    return [make_doc(f"D{n}", title=" ".join(rng.choices(WORDS, k=2)),
                     abstract=" ".join(rng.choices(WORDS, k=4)),
                     claims=" ".join(rng.choices(WORDS, k=6)),
                     description=" ".join(rng.choices(WORDS, k=8)),
                     cpc=[rng.choice(CLASSES)],
                     publication_date=dt.date(rng.randint(2005, 2020), rng.randint(1, 12), 1))
            for n in range(first, first + count)]


def build(index_dir: Path, backend: str) -> Path:
    """Index two batches (two segments), then delete some documents."""
    rng = random.Random(11)
    search.index_documents(index_dir, documents(0, 30, rng), backend=backend)
    search.index_documents(index_dir, documents(30, 25, rng), backend=backend)
    search.remove_documents(index_dir, [f"D{n}" for n in range(3, 55, 9)], backend=backend)
    return index_dir


@pytest.fixture(scope="module")
def indexes(tmp_path_factory) -> Iterator[dict[str, Path]]:
    """Return backend -> an index of the same documents (read-only: shared by the module)."""
    root = tmp_path_factory.mktemp("binary")
    yield {backend: build(root / backend, backend) for backend in search.BACKENDS}
    search.close_all()


@pytest.fixture
def mixed_index(indexes: dict[str, Path]) -> Path:
    """Return the module's Whoosh index."""
    return indexes["whoosh"]


def every_page(index_dir: Path, q: str, pagelen: int = 3, backend: str = "whoosh",
               **kwargs) -> tuple[search.Results, list[str]]:
    """Return the first page's results and the ids of every page, in order."""
    first = search.query(index_dir, q, pagelen=pagelen, backend=backend, **kwargs)
    ids = [hit.id for page in range(1, first.pagecount + 1)
           for hit in search.query(index_dir, q, page=page, pagelen=pagelen, backend=backend,
                                   **kwargs).hits]
    return first, ids


@pytest.mark.parametrize("sort", ["relevance", "date", "date_asc"])
@pytest.mark.parametrize("q", REQUIRE_QUERIES)
def test_require_finds_and_pages_what_an_and_matches(mixed_index, q, sort):
    anded = search.query(mixed_index, q.replace("REQUIRE", "AND"), pagelen=100)
    first, ids = every_page(mixed_index, q, sort=sort)
    assert first.total == anded.total > 0
    assert len(ids) == len(set(ids)) == first.total
    assert set(ids) == {hit.id for hit in anded.hits}
    assert first.facets == anded.facets


@pytest.mark.parametrize("q, first_part, second_part", [
    ("gear REQUIRE pump", "gear", "pump"),
    ("gear REQUIRE cpc:F16H", "gear", "cpc:F16H"),
    ("gear REQUIRE publication_date:[2010 TO 2016]", "gear", "publication_date:[2010 TO 2016]"),
    ("gea* REQUIRE pump", "gea*", "pump"),
    ("gear publication_date:[2010 TO 2016] REQUIRE pump",
     "gear publication_date:[2010 TO 2016]", "pump"),
])
def test_require_ranks_by_its_first_part_alone(mixed_index, q, first_part, second_part):
    required = {hit.id for hit in search.query(mixed_index, second_part, pagelen=100).hits}
    expected = [(hit.id, hit.score) for hit in search.query(mixed_index, first_part,
                                                            pagelen=100).hits
                if hit.id in required]
    found = [(hit.id, hit.score) for hit in search.query(mixed_index, q, pagelen=100).hits]
    assert [doc for doc, _ in found] == [doc for doc, _ in expected]
    assert [score for _, score in found] == pytest.approx([score for _, score in expected])


@pytest.mark.parametrize("q", WHOOSH_RANKED)
def test_pages_of_whoosh_ranked_queries_read_as_one_list(mixed_index, q):
    whole = search.query(mixed_index, q, pagelen=100)
    assert whole.total == len(whole.hits) > 0
    for pagelen in (1, 2, 5):
        _, ids = every_page(mixed_index, q, pagelen=pagelen)
        assert ids == [hit.id for hit in whole.hits]


@pytest.mark.parametrize("q, expected", [
    ("gear publication_date:[2010 TO 2016] REQUIRE pump", ["D0"]),
    ("gear publication_date:[2010 TO 2016] ANDNOT pump", ["D1"]),
    ("gear (publication_date:[2010 TO 2016] REQUIRE pump)", ["D0"]),
])
def test_a_range_beside_require_or_andnot_is_answered(index_dir, q, expected):
    # Whoosh's AND NOT matcher (also its REQUIRE's) read past the range's last document when
    # the AND skipped to a later "gear" (D4) while "pump" (D5) was still ahead: IndexError.
    words = ["gear pump", "gear", "valve", "valve", "gear", "pump"]
    years = [2012, 2012, 2019, 2012, 2019, 2019]
    search.index_documents(index_dir, [
        make_doc(f"D{n}", title=title, publication_date=dt.date(year, 1, 1))
        for n, (title, year) in enumerate(zip(words, years))])
    results = search.query(index_dir, q)
    assert (results.total, [hit.id for hit in results.hits]) == (len(expected), expected)


@pytest.mark.parametrize("q", REQUIRE_QUERIES + ["gear ANDNOT pump", "(gear ANDNOT pump) OR seal",
                                                 "gear ANDMAYBE pump"])
def test_whoosh_safe_matches_the_same_documents_without_require_or_andnot(mixed_index, q):
    parsed = parse(q)
    safe = whoosh_safe(parsed)

    def operators(node: wq.Query) -> set[type]:
        return {type(node)}.union(*(operators(child) for child in node.children()))

    assert not operators(safe) & {wq.Require, wq.AndNot}
    with reader.searching(mixed_index) as view:
        is_deleted = view.searcher.reader().is_deleted
        whoosh = {n for n in view.searcher.docs_for_query(safe) if not is_deleted(n)}
        assert matching_docs(Postings(view.searcher), parsed) == whoosh


@pytest.mark.parametrize("q", list(dict.fromkeys(REQUIRE_QUERIES + WHOOSH_RANKED)))
def test_whoosh_and_tantivy_find_count_and_facet_the_same(indexes, q):
    answers = {}
    for backend, index_dir in indexes.items():
        first, ids = every_page(index_dir, q, backend=backend)
        assert len(ids) == len(set(ids)) == first.total
        answers[backend] = first.total, set(ids), first.facets
    assert answers["whoosh"] == answers["tantivy"]
