"""Per-document values (facet keys, dates, field lengths) in plain lists, cached per segment.

Filtering by date, sorting by date, counting facets and BM25 scoring all need one value per
document. Whoosh reads such values through layers of column readers on every access (or, for
a date range, a union of hundreds of numeric terms); a Python list is one subscript. Segments
never change (deleted documents simply never match), so each list is built once per segment
and kept for as long as the segment is part of the index.
"""
from __future__ import annotations

import sys
from array import array
from collections.abc import Callable, Sequence
from itertools import chain
from typing import Any

from whoosh.reading import IndexReader
from whoosh.searching import Searcher

from ...schema import FACETS

FacetRow = tuple[str, ...]
Build = Callable[[IndexReader], Sequence[Any]]

# What a date column holds for a document without the field (Whoosh's default: max uint64).
NO_DATE = 2**64 - 1


def _segment_id(reader: IndexReader) -> str:
    return str(reader.segment().segment_id())


class SegmentCache:
    """Values built from segments, kept while their segment is live (callers serialise use)."""

    def __init__(self) -> None:
        self._segments: dict[tuple[str, str], Sequence[Any]] = {}
        self._whole: dict[str, tuple[tuple[str, ...], list[Any]]] = {}

    def segment(self, reader: IndexReader, name: str, build: Build) -> Sequence[Any]:
        """Return ``build(reader)`` for one segment's reader, building it once."""
        key = (name, _segment_id(reader))
        values = self._segments.get(key)
        if values is None:
            values = self._segments[key] = build(reader)
        return values

    def whole(self, searcher: Searcher, name: str, build: Build) -> Sequence[Any]:
        """Return the values of every segment, indexed by global document number."""
        if searcher.doc_count_all() == 0:
            return []
        leaves = [leaf for leaf, _ in searcher.reader().leaf_readers()]
        ids = tuple(map(_segment_id, leaves))
        cached = self._whole.get(name)
        if cached is None or cached[0] != ids:
            # Leaf offsets are contiguous, so concatenating in order maps global numbers.
            values = list(chain.from_iterable(self.segment(leaf, name, build) for leaf in leaves))
            cached = self._whole[name] = (ids, values)
        return cached[1]

    def prune(self, searcher: Searcher) -> None:
        """Forget the values of segments the searcher no longer has (merged or deleted)."""
        if searcher.doc_count_all() == 0:
            self.clear()
            return
        live = {_segment_id(leaf) for leaf, _ in searcher.reader().leaf_readers()}
        for key in [key for key in self._segments if key[1] not in live]:
            del self._segments[key]

    def clear(self) -> None:
        """Forget everything."""
        self._segments.clear()
        self._whole.clear()


# A facet key is "facet<US>value": one string, whose hash Python caches, so counting keys
# costs a dictionary update each (a tuple key would be hashed anew every time).
KEY_SEPARATOR = "\x1f"


def facet_rows(reader: IndexReader) -> list[FacetRow]:
    """Return, for each document of one segment, its facet keys."""
    rows: list[list[str]] = [[] for _ in range(reader.doc_count_all())]
    names = set(reader.indexed_field_names())
    for facet in (f for f in FACETS if f in names):
        for btext in reader.lexicon(facet):
            key = sys.intern(f"{facet}{KEY_SEPARATOR}{btext.decode('utf-8')}")
            for docnum in reader.postings(facet, btext).all_ids():
                rows[docnum].append(key)
    return [tuple(row) for row in rows]


def publication_dates(reader: IndexReader) -> array[int]:
    """Return each document's publication date as Whoosh's sortable long (NO_DATE if none)."""
    column = reader.column_reader("publication_date", translate=False)
    return array("Q", (column[n] for n in range(reader.doc_count_all())))


def field_lengths(field: str) -> Build:
    """Return a builder of one field's length per document, as BM25 sees it."""
    def build(reader: IndexReader) -> array[int]:
        # Whoosh returns None for a document without the field; its scorer says 1.
        return array("I", (reader.doc_field_length(n, field, 1) or 1
                           for n in range(reader.doc_count_all())))
    return build
