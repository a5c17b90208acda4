"""Exact phrase matching without Whoosh's general span machinery.

Whoosh checks a phrase by building a Span object for every position of every word in every
candidate document and comparing them pairwise; in long descriptions, where common word pairs
co-occur in thousands of documents, that is most of a phrase query's time. An exact phrase
(the default, slop 1) only needs "word i at position p + i" for each word: set arithmetic on
the decoded positions. Other slops keep Whoosh's implementation.
"""
from __future__ import annotations

from typing import Any

from whoosh import matching
from whoosh import query as wq
from whoosh.query.spans import Span, SpanNear2


class ExactPhraseMatcher(SpanNear2.SpanNear2Matcher):
    """Whoosh's ordered, adjacent span matcher with a faster span computation."""

    def _get_spans(self) -> list[Span]:
        starts: set[int] | None = None
        for offset, matcher in enumerate(self.ms):
            shifted = {pos - offset for pos in matcher.value_as("positions")}
            starts = shifted if starts is None else starts & shifted
            if not starts:
                return []
        last = len(self.ms) - 1
        return [Span(start, start + last) for start in sorted(starts or ())]


class PatentPhrase(wq.Phrase):
    """A phrase query that uses ExactPhraseMatcher for exact phrases."""

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        """Return a matcher for the phrase (Whoosh's own for sloppy phrases)."""
        if self.slop != 1 or len(self.words) < 2:
            return super().matcher(searcher, context)
        schema = searcher.schema  # Whoosh's Schema has no get()
        field = schema[self.fieldname] if self.fieldname in schema else None  # noqa: SIM401
        if field is None or not field.format or not field.format.supports("positions"):
            return super().matcher(searcher, context)  # Whoosh reports the error
        terms = [wq.Term(self.fieldname, field.to_bytes(word)) for word in self.words]
        reader = searcher.reader()
        if any((self.fieldname, term.text) not in reader for term in terms):
            return matching.NullMatcher()
        m = ExactPhraseMatcher([t.matcher(searcher, context) for t in terms],
                               slop=1, ordered=True, mindist=1)
        return matching.WrappingMatcher(m, boost=self.boost) if self.boost != 1.0 else m
