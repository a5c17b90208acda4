"""BM25F as Whoosh computes it, but reading field lengths from cached lists.

Whoosh's scorer looks each matched document's field length up through its length column, a
chain of calls that costs more than the BM25 arithmetic itself; scoring every match of a
common term (needed for the total and the facets) spends most of its time there.
"""
from __future__ import annotations

from typing import Any

from whoosh.scoring import BM25F, BM25FScorer

from .docvalues import SegmentCache, field_lengths


class CachedLengthsBM25F(BM25F):
    """BM25F whose scorers take field lengths from a SegmentCache."""

    def __init__(self, cache: SegmentCache, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._cache = cache

    def scorer(self, searcher: Any, fieldname: str, text: bytes, qf: int = 1) -> Any:
        """Return Whoosh's BM25F scorer with a faster field-length lookup."""
        scorer = super().scorer(searcher, fieldname, text, qf=qf)
        reader = searcher.reader()
        if isinstance(scorer, BM25FScorer) and reader.segment() is not None:
            lengths = self._cache.segment(reader, f"length:{fieldname}",
                                          field_lengths(fieldname))
            scorer.dfl = lengths.__getitem__
        return scorer
