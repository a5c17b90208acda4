"""Term-at-a-time BM25F ranking for boolean queries of plain terms.

Most queries are words ANDed, each word ORed over the text fields. Whoosh ranks them by
walking a tree of matchers document by document; for a common word that is most of the
query's time. The same scores (Whoosh's BM25F: a sum over the matching terms of a document,
times each term's boost) can be added up posting list by posting list, over the documents
the query matches. Queries with wildcards, ranges or sloppy phrases are left to Whoosh.
"""
from __future__ import annotations

import heapq
from collections.abc import Iterator

from whoosh import query as wq

from .docsets import is_exact_phrase
from .docvalues import SegmentCache, field_lengths
from .postings import Postings

Ranked = list[tuple[int, float]]


def rankable(q: wq.Query) -> bool:
    """Return True when q is made only of terms, exact phrases and boolean operators."""
    if isinstance(q, wq.Term) or is_exact_phrase(q):
        return True
    if isinstance(q, wq.Or):
        return not q.minmatch and all(map(rankable, q.subqueries))
    if isinstance(q, wq.And):
        return all(map(rankable, q.subqueries))
    if isinstance(q, (wq.AndNot, wq.AndMaybe)):
        return rankable(q.a) and rankable(q.b)
    if isinstance(q, wq.Require):  # b only filters: the docs ranked already match it
        return rankable(q.a)
    if isinstance(q, wq.Not):
        return rankable(q.query)
    return False


def _weighted_terms(q: wq.Query, postings: Postings, boost: float = 1.0
                    ) -> Iterator[tuple[str, object, float, set[int] | None]]:
    """Yield (field, text, boost, only) for every term that adds to a document's score.

    A phrase scores as Whoosh scores it, the sum of its words' scores, but only in the
    documents (``only``) where the words form the phrase in that field.
    """
    boost *= q.boost
    if isinstance(q, wq.Term):
        yield q.fieldname, q.text, boost, None
    elif is_exact_phrase(q):
        only = postings.phrase_docs(q.fieldname, q.words)
        for word in q.words:
            yield q.fieldname, word, boost, only
    elif isinstance(q, (wq.And, wq.Or, wq.AndMaybe)):
        for sub in q.subqueries:
            yield from _weighted_terms(sub, postings, boost)
    elif isinstance(q, (wq.AndNot, wq.Require)):  # b only removes, or only filters
        yield from _weighted_terms(q.a, postings, boost)
    # A NOT only removes documents and scores nothing (Whoosh adds 1 to every match of an
    # AND with a NOT part: the same for all, so the order is the same).


def rank(postings: Postings, cache: SegmentCache, q: wq.Query, docs: set[int],
         limit: int) -> Ranked:
    """Return the best ``limit`` of docs as (docnum, score), best first, ties by docnum."""
    searcher = postings.searcher
    weighting = searcher.weighting
    k1, b = weighting.K1, weighting.B
    scores: dict[int, float] = {}
    get = scores.get
    for field, text, boost, only in _weighted_terms(q, postings):
        wanted = docs if only is None else docs & only
        lengths = cache.whole(searcher, f"length:{field}", field_lengths(field))
        # bm25 = idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * length / average))
        scale = boost * searcher.idf(field, text) * (k1 + 1)
        base, slope = k1 * (1 - b), k1 * b / (searcher.avg_field_length(field) or 1)
        for segment in postings.segments(field, text):
            for doc, tf in zip(segment.ids, segment.weights):
                if doc in wanted:
                    scores[doc] = get(doc, 0.0) + scale * tf / (tf + base + slope * lengths[doc])
    best = heapq.nlargest(limit, scores.items(), key=lambda item: (item[1], -item[0]))
    if len(best) < limit and len(scores) < len(docs):  # matched only through a NOT
        unscored = sorted(doc for doc in docs if doc not in scores)
        best += [(doc, 0.0) for doc in unscored[:limit - len(best)]]
    return best
