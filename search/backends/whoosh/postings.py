"""Posting lists read whole, block by block, for one query; exact phrases matched on them.

Whoosh's matchers hand out postings one call at a time (id(), weight(), next(): a few
microseconds each); the set algebra in ``docsets`` and the term-at-a-time scoring in
``ranking`` want whole arrays. This reads Whoosh 2.7.4's posting blocks directly (its block
reader internals: another reason the release is pinned exactly) and falls back to the public
matcher protocol for anything else, such as the short lists Whoosh inlines in the term index.

Phrases are matched here too: Whoosh checks every candidate by building span objects for
every position of every word, twice per query (once to find matches, once to rank them);
here the candidates are a set intersection and each is checked once, on its positions.
"""
from __future__ import annotations

import pickle
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import reduce
from itertools import accumulate, islice
from typing import Any

from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching import Matcher
from whoosh.matching.wrappers import FilterMatcher
from whoosh.searching import Searcher

# Postings a process keeps decoded (PostingsCache): about 150 bytes each with their
# positions, so some 60 MB per process.
POSTINGS_CACHE_BUDGET = 400_000
# Whoosh's Positions format: a 4-byte count, then the pickled position deltas without the
# final STOP opcode.
_COUNT_BYTES = 4


@dataclass(frozen=True, slots=True)
class SegmentPostings:
    """One segment's postings of a term: global document numbers, weights (tf), values."""

    ids: list[int]
    weights: list[float]
    values: list[bytes]


def deltas(value: bytes) -> list[int]:
    """Decode the position deltas of one posting of Whoosh's Positions format."""
    body = value[_COUNT_BYTES:]
    decoded: list[int] = pickle.loads(body if body[-1:] == b"." else body + b".")
    return decoded


def positions(value: bytes, shift: int = 0) -> Iterator[int]:
    """Decode the positions of one posting of Whoosh's Positions format, minus shift."""
    return islice(accumulate(deltas(value), initial=-shift), 1, None)


def _blocks(matcher: Matcher) -> Iterator[tuple[Sequence[int], Sequence[float], Sequence[bytes]]]:
    """Yield (ids, weights, values) per block of a leaf matcher, or once for any other."""
    if isinstance(matcher, W3LeafMatcher):
        while matcher.is_active():
            matcher._read_ids()
            matcher._read_weights()
            matcher._read_values()
            yield matcher._ids, matcher._weights, matcher._values
            matcher._next_block()
        return
    ids: list[int] = []
    weights: list[float] = []
    values: list[bytes] = []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        values.append(matcher.value())
        matcher.next()
    yield ids, weights, values


def _read(leaf: Any, offset: int, fieldname: str, text: bytes) -> SegmentPostings:
    """Read a term's postings in one segment, without deleted documents."""
    matcher = leaf.postings(fieldname, text)
    deleted: frozenset[int] = frozenset()
    if isinstance(matcher, FilterMatcher):  # Whoosh's wrapper that hides deletions
        deleted, matcher = frozenset(matcher._ids), matcher.child
    ids: list[int] = []
    weights: list[float] = []
    values: list[bytes] = []
    for block_ids, block_weights, block_values in _blocks(matcher):
        ids.extend(block_ids)
        weights.extend(block_weights)
        values.extend(block_values)
    if deleted:
        kept = [i for i, n in enumerate(ids) if n not in deleted]
        ids, weights, values = [ids[i] for i in kept], [weights[i] for i in kept], [values[i] for i in kept]
    if offset:
        ids = [n + offset for n in ids]
    return SegmentPostings(ids, weights, values)


class PostingsCache:
    """Decoded posting lists of recently used terms, up to a budget of postings (LRU).

    Reading a common word's list (every document of a long field) is most of a query's time,
    and the same common words come back query after query. A segment never changes except
    by deleting documents, so an entry is keyed by segment, deletion count and term; entries
    of segments merged away simply age out. Callers serialise use (the searcher's lock).
    """

    def __init__(self, budget: int = POSTINGS_CACHE_BUDGET) -> None:
        self.budget = budget
        self.size = 0
        self._lists: OrderedDict[tuple[Any, ...], SegmentPostings] = OrderedDict()

    def get(self, key: tuple[Any, ...], read: Callable[[], SegmentPostings]) -> SegmentPostings:
        """Return the cached postings of key, reading them on a miss."""
        found = self._lists.get(key)
        if found is not None:
            self._lists.move_to_end(key)
            return found
        found = read()
        if len(found.ids) <= self.budget // 4:  # one list may not flush most of the others
            self._lists[key] = found
            self.size += len(found.ids)
            while self.size > self.budget:
                _, dropped = self._lists.popitem(last=False)
                self.size -= len(dropped.ids)
        return found

    def clear(self) -> None:
        """Forget every list."""
        self._lists.clear()
        self.size = 0


class Postings:
    """The posting lists one query needs, each read at most once."""

    def __init__(self, searcher: Searcher, cache: PostingsCache | None = None) -> None:
        self.searcher = searcher
        self._leaves = list(searcher.reader().leaf_readers())
        self._cache = cache
        self._read: dict[tuple[str, object], list[SegmentPostings]] = {}
        self._phrases: dict[tuple[str, tuple[Any, ...]], set[int]] = {}

    def segments(self, fieldname: str, text: Any) -> list[SegmentPostings]:
        """Return a term's postings, per segment, with global document numbers."""
        key = (fieldname, text)
        found = self._read.get(key)
        if found is None:
            found = self._read[key] = [self._segment(leaf, offset, fieldname, text)
                                       for leaf, offset in self._leaves if key in leaf]
        return found

    def _segment(self, leaf: Any, offset: int, fieldname: str, text: Any) -> SegmentPostings:
        """Return one segment's postings of a term, from the cache when it has them."""
        def read() -> SegmentPostings:
            return _read(leaf, offset, fieldname, text)

        if self._cache is None:
            return read()
        key = (leaf.segment().segment_id(), leaf.segment().deleted_count(), offset,
               fieldname, text)
        return self._cache.get(key, read)

    def docs(self, fieldname: str, text: Any) -> set[int]:
        """Return the live documents holding a term."""
        docs: set[int] = set()
        for segment in self.segments(fieldname, text):
            docs.update(segment.ids)
        return docs

    def phrase_docs(self, fieldname: str, words: Sequence[Any]) -> set[int]:
        """Return the documents holding the words one after the other in a field."""
        key = (fieldname, tuple(words))
        if key not in self._phrases:
            candidates = reduce(set.intersection, (self.docs(fieldname, w) for w in words))
            self._phrases[key] = self._adjacent(fieldname, words, candidates)
        return self._phrases[key]

    def _adjacent(self, fieldname: str, words: Sequence[Any], candidates: set[int]) -> set[int]:
        """Return the candidates where word i sits at position p + i for some p."""
        if not candidates:
            return set()
        values = [self._values(fieldname, word, candidates) for word in words]
        if len(words) == 2:  # most phrases: one set and one scan per candidate
            first, second = values
            return {doc for doc in candidates
                    if not set(accumulate(deltas(first[doc]))).isdisjoint(
                        accumulate(deltas(second[doc]), initial=-1))}
        found: set[int] = set()
        for doc in candidates:
            starts = set(positions(values[0][doc]))
            for offset, by_doc in enumerate(values[1:], 1):
                starts.intersection_update(positions(by_doc[doc], offset))
                if not starts:
                    break
            else:
                found.add(doc)
        return found

    def _values(self, fieldname: str, text: Any, docs: set[int]) -> dict[int, bytes]:
        """Return doc -> posting value of a term, for the given documents."""
        return {doc: value for segment in self.segments(fieldname, text)
                for doc, value in zip(segment.ids, segment.values) if doc in docs}
