"""Every document a query matches, by set operations on posting lists.

The total and the facets need every match, not only the best twenty. Whoosh finds them by
walking a tree of matchers document by document (several microseconds each, so a common word
in 15,000 descriptions costs most of a query's time budget) and its top-N collector may skip
weak matches altogether. Here a boolean query of terms is evaluated as Python set algebra on
the terms' posting lists, exact phrases are checked on their positions (see ``postings``),
and other leaves (wildcards, ranges, sloppy phrases) ask Whoosh for their documents.

``a REQUIRE b`` and ``a ANDNOT b`` never reach Whoosh's matchers as they are. Whoosh's
``Require.matcher`` returns an AND NOT matcher (a without b), and that matcher itself lets
some documents of b through and raises IndexError when an AND skips it past a's last
document ("gear publication_date:[2010 TO 2016] ANDNOT pump"). Here they are a & b and a - b;
a query that Whoosh ranks or matches is first rewritten by ``whoosh_safe``.
"""
from __future__ import annotations

from array import array
from functools import reduce
from typing import Any

from whoosh import query as wq
from whoosh.matching import ListMatcher

from .postings import Postings


def is_exact_phrase(q: wq.Query) -> bool:
    """Return True for a phrase of adjacent words (no slop) that Postings can match."""
    return isinstance(q, wq.Phrase) and q.slop == 1 and len(q.words) > 1


def matching_docs(postings: Postings, q: wq.Query) -> set[int]:
    """Return the global numbers of the live documents that q matches."""
    if isinstance(q, wq.Term):
        return postings.docs(q.fieldname, q.text)
    if is_exact_phrase(q):
        return set(postings.phrase_docs(q.fieldname, q.words))
    if isinstance(q, wq.Or) and not q.minmatch:
        return set().union(*(matching_docs(postings, sub) for sub in q.subqueries))
    if isinstance(q, wq.And):
        return _and_docs(postings, q.subqueries)
    if isinstance(q, wq.AndNot):
        return matching_docs(postings, q.a) - matching_docs(postings, q.b)
    if isinstance(q, wq.Require):
        docs = matching_docs(postings, q.a)
        return docs & matching_docs(postings, q.b) if docs else docs
    if isinstance(q, wq.AndMaybe):  # b only adds to the score
        return matching_docs(postings, q.a)
    if isinstance(q, wq.Not):
        return _all_docs(postings) - matching_docs(postings, q.query)
    if isinstance(q, wq.Every) and not q.fieldname:
        return _all_docs(postings)
    if type(q) is type(wq.NullQuery):
        return set()
    return set(postings.searcher.docs_for_query(whoosh_safe(q)))


class Required(wq.WrappingQuery):
    """The part of a REQUIRE: it must match, and adds nothing to the score.

    Not Whoosh's ConstantScoreQuery(b, 0): its ListMatcher reads a weight of 0 as no weight
    given, and scores 1.
    """

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        """Return a matcher of the child's documents, each scoring 0."""
        ids = array("I", self.child.matcher(searcher, searcher.boolean_context()).all_ids())
        return ListMatcher(ids, weights=array("d", [0.0]) * len(ids))


def whoosh_safe(q: wq.Query) -> wq.Query:
    """Return q with each REQUIRE and ANDNOT as an AND that Whoosh answers correctly.

    ``Require(a, b)`` matches a & b scored by a alone, as ``And([a, Required(b)])`` does (the
    tantivy backend translates it the same way). ``AndNot(a, b)`` becomes ``And([a, Not(b)])``,
    the parser's own "a NOT b".
    """
    q = q.apply(whoosh_safe)
    if isinstance(q, wq.Require):
        return wq.And([q.a, Required(q.b)])
    if isinstance(q, wq.AndNot):
        return wq.And([q.a, wq.Not(q.b)])
    return q


def _and_docs(postings: Postings, subqueries: list[wq.Query]) -> set[int]:
    """Intersect the positive parts, then subtract the negated ones."""
    positive = [sub for sub in subqueries if not isinstance(sub, wq.Not)]
    negative = [sub.query for sub in subqueries if isinstance(sub, wq.Not)]
    docs = (reduce(set.intersection, (matching_docs(postings, sub) for sub in positive))
            if positive else _all_docs(postings))
    for sub in negative:
        if not docs:
            break
        docs -= matching_docs(postings, sub)
    return docs


def _all_docs(postings: Postings) -> set[int]:
    """Return every live document."""
    return set(postings.searcher.reader().all_doc_ids())
