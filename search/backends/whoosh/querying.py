"""Queries: user queries, query-by-claim and the index check, answered as plain results."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Any

from whoosh import collectors
from whoosh import query as wq
from whoosh.reading import IndexReader
from whoosh.util.times import datetime_to_long

from ...common import Sort, check_sort, claim_pairs, compare, filter_values, key_terms, page_bounds
from ...cost import Budget, check_expansion
from ...parsing import parse
from ...results import CheckReport, Hit, Results
from ...schema import FIELD_BOOSTS
from ...snippets import snippet
from .docsets import matching_docs, whoosh_safe
from .docvalues import NO_DATE, publication_dates
from .facets import count_facets
from .postings import Postings
from .ranking import rank, rankable
from .reader import View, searching

Terms = dict[str, frozenset[str]]

# Where a snippet comes from, in order of preference.
SNIPPET_FIELDS = ("abstract", "claims")
CLAIM_SNIPPET_FIELDS = ("claims", "abstract")


def _allowed_docs(view: View, postings: Postings, filters: Mapping[str, Any] | None,
                  before: dt.date | None) -> set[int] | None:
    """Return the documents the filters let through, or None when nothing is filtered.

    ``before`` is checked against the cached list of publication dates: Whoosh would run a
    date range as a union of hundreds of numeric terms (seconds at 20,000 documents). A
    document without a publication date is never "before": it cannot be shown to be prior.
    """
    parts = [_filter_part(name, value) for name, value in (filters or {}).items()
             if value not in (None, "", [], ())]
    docs = matching_docs(postings, wq.And(parts)) if parts else None
    if before is not None:
        cutoff = datetime_to_long(dt.datetime.combine(before, dt.time()))
        dates = view.cache.whole(view.searcher, "dates", publication_dates)
        dated = {n for n, day in enumerate(dates) if day < cutoff}
        docs = dated if docs is None else docs & dated
    return docs


def _filter_part(name: str, value: Any) -> wq.Query:
    """Return the query of one filter; a list of values means any of them."""
    terms = [wq.Term(name, text) for text in filter_values(name, value)]
    return terms[0] if len(terms) == 1 else wq.Or(terms)


def _top(view: View, q: wq.Query, allowed: set[int] | None,
         limit: int) -> list[tuple[int, float]]:
    """Return the best ``limit`` (docnum, score) pairs among the allowed documents.

    Only the ranking is asked of Whoosh, and every allowed match is scored: Whoosh's skipping
    of what "cannot reach the top" trusts bounds that are too low (a union of terms claims
    its best part's score as the best total), so a shorter page could miss a better document
    and pages overlapped or left gaps.
    """
    top = collectors.TopCollector(limit, usequality=False, replace=0)
    outer = top if allowed is None else collectors.FilterCollector(top, allow=allowed)
    view.searcher.search_with_collector(whoosh_safe(q), outer)
    return list(top.results().items())


def _ranked(view: View, postings: Postings, q: wq.Query, docs: set[int], sort: Sort,
            limit: int) -> list[tuple[int, float]]:
    """Return the first ``limit`` of docs as (docnum, score) pairs in the requested order."""
    if sort != "relevance":
        return _by_date(view, docs, newest_first=sort == "date")[:limit]
    if not docs:
        return []
    if rankable(q):
        return rank(postings, view.cache, q, docs, limit)
    if isinstance(q, wq.Every):  # nothing to rank by: index order, as Whoosh would
        return [(n, 1.0) for n in sorted(docs)[:limit]]
    # Ranking only among docs: they are filtered, and exact where Whoosh is not (its pure
    # negations, "NOT gear", also return deleted documents).
    return _top(view, q, docs, limit)


def _by_date(view: View, docnums: set[int], newest_first: bool) -> list[tuple[int, float]]:
    """Return docnums sorted by publication date; undated documents come last either way."""
    dates = view.cache.whole(view.searcher, "dates", publication_dates)
    ordered = sorted(docnums)  # ties keep index order
    if newest_first:
        ordered.sort(key=lambda n: -1 if dates[n] == NO_DATE else dates[n], reverse=True)
    else:
        ordered.sort(key=dates.__getitem__)
    return [(n, 0.0) for n in ordered]


def _matched_terms(q: wq.Query, reader: IndexReader) -> Terms:
    """Return field -> terms a query looks for (wildcards expanded, NOT parts left out)."""
    found: defaultdict[str, set[str]] = defaultdict(set)

    def walk(node: wq.Query) -> None:
        if isinstance(node, wq.Not):
            return
        if node.is_leaf():
            for field, text in node.expanded_terms(reader, phrases=True):
                found[field].add(text.decode("utf-8") if isinstance(text, bytes) else text)
        for child in node.children():
            walk(child)

    walk(q)
    return {field: frozenset(texts) for field, texts in found.items()}


def _hit(view: View, docnum: int, score: float, terms: Terms,
         fields: tuple[str, ...]) -> Hit:
    """Return the plain Hit of a document."""
    stored = view.searcher.stored_fields(docnum)
    stem = view.searcher.schema["claims"].analyzer.stem
    return Hit.from_stored(stored, score, snippet(stored, fields, terms, stem))


def query(index_dir: Path, q: str, *, filters: Mapping[str, Any] | None = None,
          before: dt.date | None = None, sort: Sort = "relevance", page: int = 1,
          pagelen: int = 20, facets: bool = True) -> Results:
    """Search with the user query language; see ``search.query``."""
    budget = Budget()
    parsed = parse(q)
    check_sort(sort)
    with searching(Path(index_dir)) as view:
        check_expansion(parsed, partial(_expansions, view.searcher.reader()))
        postings = Postings(view.searcher, view.postings)
        docs = matching_docs(postings, parsed)
        budget.check()
        allowed = _allowed_docs(view, postings, filters, before)
        if allowed is not None:
            docs &= allowed
        page, pagecount = page_bounds(len(docs), page, pagelen)
        ranked = _ranked(view, postings, parsed, docs, sort, limit=page * pagelen)
        budget.check()
        terms = _matched_terms(parsed, view.searcher.reader())
        start = (page - 1) * pagelen
        hits = [_hit(view, docnum, score, terms, SNIPPET_FIELDS)
                for docnum, score in ranked[start:start + pagelen]]
        facet_counts = count_facets(view, docs) if facets else {}
    return Results(len(docs), page, pagecount, hits, facet_counts)


def _expansions(reader: IndexReader, leaf: wq.Query, cap: int) -> int:
    """Return how many indexed terms a wildcard or range leaf stands for, up to cap + 1."""
    return sum(1 for _ in islice(leaf.expanded_terms(reader), cap + 1))


def _key_terms(view: View, claim_text: str) -> list[tuple[str, float]]:
    """Return the claim's most distinctive terms by this index's statistics (see common)."""
    reader = view.searcher.reader()
    terms = view.searcher.schema["claims"].analyzer.terms(claim_text)
    return key_terms(terms, reader.doc_count_all(), reader.doc_frequency)


def _claim_query(terms: list[tuple[str, float]], reader: IndexReader) -> wq.Query:
    """Return an OR of the key terms over the text fields, within a postings budget."""
    return wq.Or([wq.Term(field, term, boost=importance)
                  for importance, field, term in claim_pairs(terms, reader.doc_frequency)])


def like_claim(index_dir: Path, claim_text: str, *, before: dt.date | None,
               limit: int = 20, exclude_id: str | None = None) -> Results:
    """Find documents like a claim; see ``search.like_claim``."""
    with searching(Path(index_dir)) as view:
        terms = _key_terms(view, claim_text)
        if not terms:
            return Results(0, 1, 1, [], {}, [])
        postings = Postings(view.searcher, view.postings)
        q = _claim_query(terms, view.searcher.reader())
        if exclude_id:
            q = wq.AndNot(q, wq.Term("id", exclude_id))
        docs = matching_docs(postings, q)
        allowed = _allowed_docs(view, postings, None, before)
        if allowed is not None:
            docs &= allowed
        ranked = rank(postings, view.cache, q, docs, limit)
        wanted = frozenset(term for term, _ in terms)
        by_field = {field: wanted for field in FIELD_BOOSTS}
        hits = [_hit(view, docnum, score, by_field, CLAIM_SNIPPET_FIELDS)
                for docnum, score in ranked]
    return Results(len(hits), 1, 1, hits, {}, terms)


def check(index_dir: Path, expected: Mapping[str, str]) -> CheckReport:
    """Compare the index with id -> stamp; see ``search.check``."""
    with searching(Path(index_dir)) as view:
        indexed = _indexed_stamps(view)
    return compare(indexed, expected)


def _indexed_stamps(view: View) -> dict[str, str]:
    """Return id -> stamp of every live document, read from columns (no stored fields)."""
    reader = view.searcher.reader()
    if reader.doc_count() == 0:
        return {}
    ids = reader.column_reader("id")
    stamps = reader.column_reader("stamp")
    return {ids[n]: stamps[n] for n in reader.all_doc_ids()}
