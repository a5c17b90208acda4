"""Queries on tantivy: user queries with facets, query-by-claim and the index check.

The query is parsed and bounded by the shared language (``search.parsing``, ``search.cost``)
and translated (``translate``); tantivy ranks with BM25, counts every match, sorts by the day
number fast field and counts facets with terms aggregations over fast fields. Snippets come
from the shared ``search.snippets`` over the stored text, so they read as Whoosh's do.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import threading
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import tantivy
from whoosh import query as wq

from ...analysis import WORD
from ...common import check_sort, claim_pairs, compare, filter_values, key_terms, page_bounds
from ...cost import Budget
from ...parsing import parse
from ...results import CheckReport, Facets, Hit, Results
from ...schema import FACETS
from ...snippets import snippet
from .documents import PROSE_FIELDS, analysed, stored_fields
from .documents import _whoosh_schema as whoosh_schema
from .index import check_current, reading
from .index import searcher as open_searcher
from .translate import both, day_range, everything, glob_regex, term, to_tantivy

Occur = tantivy.Occur
Terms = dict[str, frozenset[str]]

SNIPPET_FIELDS = ("abstract", "claims")
CLAIM_SNIPPET_FIELDS = ("claims", "abstract")
# Facet values kept per facet (as Whoosh's backend), from the most frequent FACET_ASKED
# tantivy returns; each segment contributes its SEGMENT_VALUES most frequent, so a count shown
# can only be low when a facet has more values than that in one segment and a value shown
# is outside a segment's first SEGMENT_VALUES. At 200,000 documents the fifty values shown were
# exact for every facet of the queries checked (bench: 2,000 per segment cost a third of a
# broad query's time, in converting term numbers back to values).
FACET_VALUES = 50
FACET_ASKED = 100
SEGMENT_VALUES = 500
CHECK_BATCH = 10_000
# Threads counting facets beside the requests' own: one per core is plenty for a web worker.
FACET_THREADS = max(1, min(4, os.cpu_count() or 1))


def _stem(word: str) -> str | None:
    """Return the indexed form of a word (None for a stop word)."""
    stem: str | None = whoosh_schema()["claims"].analyzer.stem(word)
    return stem


def _filter_part(name: str, value: Any) -> tantivy.Query:
    """Return the query of one filter; a list of values means any of them."""
    terms = [term(name, text) for text in filter_values(name, value)]
    return terms[0] if len(terms) == 1 else both(*((Occur.Should, t) for t in terms))


def _restricted(q: tantivy.Query, filters: Mapping[str, Any] | None,
                before: dt.date | None) -> tantivy.Query:
    """Return q restricted by the filters and to documents published before ``before``."""
    parts = [_filter_part(name, value) for name, value in (filters or {}).items()
             if value not in (None, "", [], ())]
    if before is not None:  # an undated document is never "before": it cannot be shown prior
        parts.append(day_range("publication_date", None, before.toordinal() - 1))
    if not parts:
        return q
    # Filters select, they do not score (as Whoosh's document sets): a class a document holds
    # several times, or the date range, must not add to its score and reorder the page.
    return both((Occur.Must, q), *((Occur.Must, tantivy.Query.const_score_query(part, 0.0))
                                   for part in parts))


def _search(searcher: tantivy.Searcher, q: tantivy.Query, sort: str, limit: int,
            offset: int) -> Any:  # a SearchResult: tantivy's stubs lack its `count`
    """Return tantivy's SearchResult of one page in the requested order."""
    if sort == "relevance":
        return searcher.search(q, limit, count=True, offset=offset)
    order = tantivy.Order.Desc if sort == "date" else tantivy.Order.Asc
    # Undated documents have no value and come last in either order.
    return searcher.search(q, limit, count=True, order_by_field="pubday", offset=offset,
                           order=order)


def _facets(searcher: tantivy.Searcher, q: tantivy.Query) -> Facets:
    """Return facet -> [(value, count)], most frequent first (ties by value), for q's matches."""
    aggregations = {name: {"terms": {"field": name, "size": FACET_ASKED,
                                     "segment_size": SEGMENT_VALUES}} for name in FACETS}
    answer = searcher.aggregate(q, aggregations)
    facets: Facets = {}
    for name in FACETS:
        buckets = answer.get(name, {}).get("buckets", [])
        pairs = sorted(((str(b["key"]), int(b["doc_count"])) for b in buckets),
                       key=lambda pair: (-pair[1], pair[0]))
        facets[name] = pairs[:FACET_VALUES]
    return facets


_threads: list[ThreadPoolExecutor] = []
_threads_lock = threading.Lock()


def _facet_threads() -> ThreadPoolExecutor:
    """Return this process's threads for facet counts (started on first use)."""
    with _threads_lock:
        if not _threads:
            _threads.append(ThreadPoolExecutor(FACET_THREADS, thread_name_prefix="facets"))
        return _threads[0]


def _forget_threads_after_fork() -> None:
    """Drop an inherited pool: its threads (and its lock's holder) did not survive the fork."""
    global _threads_lock
    _threads.clear()
    _threads_lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_threads_after_fork)


def _matched_terms(q: wq.Query) -> tuple[Terms, list[tuple[str, re.Pattern[str]]]]:
    """Return field -> terms a query looks for, and its wildcards (NOT parts left out)."""
    found: dict[str, set[str]] = {}
    patterns: list[tuple[str, re.Pattern[str]]] = []

    def walk(node: wq.Query) -> None:
        if isinstance(node, wq.Not):
            return
        if isinstance(node, wq.Term):
            found.setdefault(node.fieldname, set()).add(node.text)
        elif isinstance(node, wq.Phrase):
            found.setdefault(node.fieldname, set()).update(node.words)
        elif isinstance(node, wq.Prefix):
            patterns.append((node.fieldname, re.compile(re.escape(node.text) + ".*")))
        elif isinstance(node, wq.Wildcard):
            patterns.append((node.fieldname, re.compile(glob_regex(node.text))))
        if isinstance(node, wq.AndNot):
            walk(node.a)
            return
        for child in node.children():
            walk(child)

    walk(q)
    return {field: frozenset(texts) for field, texts in found.items()}, patterns


def _with_wildcards(stored: Mapping[str, Any], terms: Terms,
                    patterns: list[tuple[str, re.Pattern[str]]]) -> Terms:
    """Return terms plus the words of this document that the wildcards matched."""
    if not patterns:
        return terms
    merged = {field: set(texts) for field, texts in terms.items()}
    for field, pattern in patterns:
        text = stored.get(field) or ""
        for word in set(WORD.findall(text.lower())):
            stem = _stem(word)
            if stem and pattern.fullmatch(stem):
                merged.setdefault(field, set()).add(stem)
    return {field: frozenset(texts) for field, texts in merged.items()}


def _hit(searcher: tantivy.Searcher, address: tantivy.DocAddress, score: float, terms: Terms,
         patterns: list[tuple[str, re.Pattern[str]]], fields: tuple[str, ...]) -> Hit:
    """Return the plain Hit of a document."""
    stored = stored_fields(searcher.doc(address))
    terms = _with_wildcards(stored, terms, patterns)
    return Hit.from_stored(stored, score, snippet(stored, fields, terms, _stem))


def query(index_dir: Path, q: str, *, filters: Mapping[str, Any] | None = None,
          before: dt.date | None = None, sort: str = "relevance", page: int = 1,
          pagelen: int = 20, facets: bool = True) -> Results:
    """Search with the user query language; see ``search.query``."""
    budget = Budget()
    parsed = parse(q)
    check_sort(sort)
    page_bounds(0, page, pagelen)  # refuses a bad pagelen before searching
    full = _restricted(to_tantivy(parsed), filters, before)
    terms, patterns = _matched_terms(parsed)
    relevance = sort == "relevance"
    with reading(index_dir):
        searcher = open_searcher(index_dir)
        # Facets are counted by tantivy on another core while this thread ranks and builds
        # the page (tantivy releases the GIL): a broad query costs the longer of the two.
        counting = _facet_threads().submit(_facets, searcher, full) if facets else None
        found = _search(searcher, full, sort, pagelen, (max(1, page) - 1) * pagelen)
        clamped, pagecount = page_bounds(found.count, page, pagelen)
        if clamped != page:
            found = _search(searcher, full, sort, pagelen, (clamped - 1) * pagelen)
        budget.check()
        hits = [_hit(searcher, address, score if relevance else 0.0, terms, patterns,
                     SNIPPET_FIELDS) for score, address in found.hits]
        counts = counting.result() if counting else {}
    budget.check()
    return Results(found.count, clamped, pagecount, hits, counts)


def _key_terms(searcher: tantivy.Searcher, claim_text: str) -> list[tuple[str, float]]:
    """Return the claim's most distinctive terms by this index's statistics (see common)."""
    terms = analysed("claims", claim_text).split()
    return key_terms(terms, searcher.num_docs, searcher.doc_freq)


def _claim_query(terms: list[tuple[str, float]], searcher: tantivy.Searcher) -> tantivy.Query:
    """Return an OR of the key terms over the text fields, within a postings budget."""
    return both(*((Occur.Should, tantivy.Query.boost_query(term(field, word), importance))
                  for importance, field, word in claim_pairs(terms, searcher.doc_freq)))


def like_claim(index_dir: Path, claim_text: str, *, before: dt.date | None,
               limit: int = 20, exclude_id: str | None = None) -> Results:
    """Find documents like a claim; see ``search.like_claim``."""
    with reading(index_dir):
        return _like_claim(open_searcher(index_dir), claim_text, before, limit, exclude_id)


def _like_claim(searcher: tantivy.Searcher, claim_text: str, before: dt.date | None,
                limit: int, exclude_id: str | None) -> Results:
    """Return the documents like a claim, read from one searcher."""
    terms = _key_terms(searcher, claim_text)
    if not terms:
        return Results(0, 1, 1, [], {}, [])
    q = _claim_query(terms, searcher)
    if exclude_id:
        q = both((Occur.Must, q), (Occur.MustNot, term("id", exclude_id)))
    found = searcher.search(_restricted(q, None, before), limit, count=False)
    wanted = frozenset(word for word, _ in terms)
    by_field = {field: wanted for field in PROSE_FIELDS}
    hits = [_hit(searcher, address, score, by_field, [], CLAIM_SNIPPET_FIELDS)
            for score, address in found.hits]
    return Results(len(hits), 1, 1, hits, {}, terms)


def check(index_dir: Path, expected: Mapping[str, str]) -> CheckReport:
    """Compare the index with id -> stamp; see ``search.check``.

    Raises OutdatedIndexError for an index built with an older schema (its documents may all
    be there, but it cannot answer every query): what it needs is a rebuild.
    """
    with reading(index_dir):
        check_current(index_dir)
        return compare(_indexed(open_searcher(index_dir)), expected)


def _indexed(searcher: tantivy.Searcher) -> dict[str, str]:
    """Return id -> stamp of every indexed document."""
    indexed: dict[str, str] = {}
    offset = 0
    while True:
        found = searcher.search(everything(), CHECK_BATCH, count=False, offset=offset)
        for _, address in found.hits:
            stored = stored_fields(searcher.doc(address))
            indexed[stored["id"]] = str(stored.get("stamp", ""))
        if len(found.hits) < CHECK_BATCH:
            break
        offset += CHECK_BATCH
    return indexed
