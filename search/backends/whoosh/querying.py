"""Queries: user queries, query-by-claim and the index check, answered as plain results."""
from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from collections.abc import Mapping
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Any, Literal

from whoosh import collectors
from whoosh import query as wq
from whoosh.reading import IndexReader
from whoosh.util.times import datetime_to_long

from ...cost import Budget, check_expansion
from .docsets import matching_docs
from .docvalues import NO_DATE, publication_dates
from .facets import count_facets
from ...parsing import parse
from .postings import Postings
from .ranking import rank, rankable
from .reader import View, searching
from ...results import CheckReport, Hit, Results
from ...schema import CLASS_LEVELS, FIELD_BOOSTS, FILTERS, canonical_class_value
from ...snippets import snippet

Sort = Literal["relevance", "date", "date_asc"]  # as search.Sort
Terms = dict[str, frozenset[str]]

# Where a snippet comes from, in order of preference.
SNIPPET_FIELDS = ("abstract", "claims")
CLAIM_SNIPPET_FIELDS = ("claims", "abstract")
KEY_TERMS = 12
CLAIM_POSTINGS_BUDGET = 30_000


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
    if name not in FILTERS:
        raise ValueError(f"unknown filter {name!r}; use one of {', '.join(FILTERS)}")
    values = value if isinstance(value, (list, tuple, set, frozenset)) else [value]
    terms = [wq.Term(name, _filter_value(name, v)) for v in values]
    return terms[0] if len(terms) == 1 else wq.Or(terms)


def _filter_value(name: str, value: Any) -> str:
    """Return a filter value as indexed."""
    text = str(value).strip()
    if name in CLASS_LEVELS:
        return canonical_class_value(name, text)
    return text.lower() if name == "tags" else text


def _top(view: View, q: wq.Query, allowed: set[int] | None,
         limit: int) -> list[tuple[int, float]]:
    """Return the best ``limit`` (docnum, score) pairs among the allowed documents.

    Only the ranking is asked of Whoosh, so it may skip what cannot reach the top.
    """
    top = collectors.TopCollector(limit)
    outer = top if allowed is None else collectors.FilterCollector(top, allow=allowed)
    view.searcher.search_with_collector(q, outer)
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


def _as_date(value: dt.datetime | None) -> dt.date | None:
    """Return the date part of a stored datetime."""
    return value.date() if value else None


def _hit(view: View, docnum: int, score: float, terms: Terms,
         fields: tuple[str, ...]) -> Hit:
    """Return the plain Hit of a document."""
    stored = view.searcher.stored_fields(docnum)
    stem = view.searcher.schema["claims"].analyzer.stem
    return Hit(
        id=stored["id"],
        title=stored.get("title", ""),
        score=float(score or 0.0),
        doc_type=stored.get("doc_type", ""),
        kind=stored.get("kind", ""),
        publication_date=_as_date(stored.get("publication_date")),
        snippet=snippet(stored, fields, terms, stem),
        status=stored.get("status", ""),
        cpc=list(stored.get("cpc_codes") or []),
    )


def _page_bounds(total: int, page: int, pagelen: int) -> tuple[int, int]:
    """Return (page, pagecount), the page clamped into range."""
    if pagelen < 1:
        raise ValueError("pagelen must be at least 1")
    pagecount = max(1, math.ceil(total / pagelen))
    return min(max(1, page), pagecount), pagecount


def query(index_dir: Path, q: str, *, filters: Mapping[str, Any] | None = None,
          before: dt.date | None = None, sort: Sort = "relevance", page: int = 1,
          pagelen: int = 20, facets: bool = True) -> Results:
    """Search with the user query language; see ``search.query``."""
    budget = Budget()
    parsed = parse(q)
    if sort not in ("relevance", "date", "date_asc"):
        raise ValueError(f"unknown sort {sort!r}: use relevance, date or date_asc")
    with searching(Path(index_dir)) as view:
        check_expansion(parsed, partial(_expansions, view.searcher.reader()))
        postings = Postings(view.searcher, view.postings)
        docs = matching_docs(postings, parsed)
        budget.check()
        allowed = _allowed_docs(view, postings, filters, before)
        if allowed is not None:
            docs &= allowed
        page, pagecount = _page_bounds(len(docs), page, pagelen)
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
    """Return the claim's most distinctive terms, weighted by TF-IDF over this index.

    The analyzer has already dropped stop words and patent boilerplate; bare numbers (claim
    and figure references) are dropped here. A term's document frequency is its largest in
    any text field, a cheap stand-in for the frequency of "in any field". Terms no document
    holds cannot match and are skipped. Weights are scaled so the best term weighs 1.
    """
    reader = view.searcher.reader()
    tf = Counter(view.searcher.schema["claims"].analyzer.terms(claim_text))
    n_docs = reader.doc_count_all()
    weights = {}
    for term, count in tf.items():
        df = max(reader.doc_frequency(field, term) for field in FIELD_BOOSTS)
        if df and not term.replace(".", "").isdigit():
            weights[term] = (1 + math.log(count)) * math.log((n_docs + 1) / (df + 0.5))
    best = sorted(weights.items(), key=lambda item: (-item[1], item[0]))[:KEY_TERMS]
    top = best[0][1] if best and best[0][1] > 0 else 1.0
    return [(term, weight / top) for term, weight in best if weight > 0]


def _claim_query(terms: list[tuple[str, float]], reader: IndexReader) -> wq.Query:
    """Return an OR of the key terms over the text fields, within a postings budget.

    Reading and scoring costs about a microsecond per posting, so pairs are taken by
    importance (term weight times field boost) and a pair is skipped when its postings would
    overrun the budget: what goes first is a common term in a long field, which says least
    about the claim anyway.
    """
    pairs = sorted(((weight * boost, field, term) for term, weight in terms
                    for field, boost in FIELD_BOOSTS.items()), reverse=True)
    chosen, spent = [], 0
    for importance, field, term in pairs:
        df = reader.doc_frequency(field, term)
        if df and (not chosen or spent + df <= CLAIM_POSTINGS_BUDGET):
            chosen.append(wq.Term(field, term, boost=importance))
            spent += df
    return wq.Or(chosen)


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
    return CheckReport(
        missing=sorted(set(expected) - set(indexed)),
        stale=sorted(i for i, stamp in indexed.items()
                     if i in expected and str(expected[i]) != stamp),
        extra=sorted(set(indexed) - set(expected)),
    )


def _indexed_stamps(view: View) -> dict[str, str]:
    """Return id -> stamp of every live document, read from columns (no stored fields)."""
    reader = view.searcher.reader()
    if reader.doc_count() == 0:
        return {}
    ids = reader.column_reader("id")
    stamps = reader.column_reader("stamp")
    return {ids[n]: stamps[n] for n in reader.all_doc_ids()}
