"""Cached searchers: one per index directory per process, refreshed instead of reopened.

Opening a Whoosh searcher reads the table of contents and maps every segment; doing that per
query would cost more than most queries. So each process keeps one searcher per index_dir,
checks before each use whether the index moved on (a commit, or a rebuild that switched
generation) and refreshes only then.

A Whoosh searcher is not safe for concurrent use (its file objects seek), so a searcher is
lent to one thread at a time under a lock. Under gunicorn's process workers that lock is
never contended; threaded servers serialise queries within a process.
"""
from __future__ import annotations

import logging
import os
import pickle
import struct
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from whoosh.index import EmptyIndexError
from whoosh.searching import Searcher

from ... import store
from ...results import QuerySyntaxError
from ...store import IndexUnreadableError
from .docvalues import SegmentCache
from .postings import PostingsCache
from .scoring import CachedLengthsBM25F
from .writer import open_index

log = logging.getLogger(__name__)

# Opening a new commit can meet a segment a concurrent merge just deleted: try again shortly.
REOPEN_ATTEMPTS = 3
REOPEN_PAUSE = 0.02


@dataclass(slots=True)
class View:
    """A searcher lent to the caller, with the per-segment values cached for its index."""

    searcher: Searcher
    cache: SegmentCache
    postings: PostingsCache


@dataclass(slots=True)
class _Entry:
    lock: threading.Lock = field(default_factory=threading.Lock)
    generation: Path | None = None
    searcher: Searcher | None = None
    cache: SegmentCache = field(default_factory=SegmentCache)
    postings: PostingsCache = field(default_factory=PostingsCache)

    def close(self) -> None:
        """Close the searcher and forget derived data."""
        if self.searcher is not None:
            self.searcher.close()
        self.searcher, self.generation = None, None
        self.cache.clear()
        self.postings.clear()

    def fresh(self, index_dir: Path) -> Searcher:
        """Return a searcher on the latest commit of the live generation."""
        generation = store.current_generation(index_dir)
        if generation is None or generation != self.generation or self.searcher is None:
            return self._open(index_dir, generation)
        if not self.searcher.up_to_date():
            return self._reopen(self.searcher, generation)
        return self.searcher

    def _reopen(self, current: Searcher, generation: Path) -> Searcher:
        """Open the latest commit beside the current searcher, then swap them.

        Not Whoosh's ``Searcher.refresh``: it closes the current readers before the new ones
        are open, and when a segment file vanishes meanwhile (a writer merged it away) its
        retry closes them a second time and raises ReaderClosed on every later query. Its
        reuse of unchanged segments never happens in 2.7.4 anyway (readers are keyed by
        generation and looked up by segment id). If the commit cannot be opened now, the
        current searcher, whose files stay open, answers and the next query tries again.
        """
        for attempt in range(REOPEN_ATTEMPTS):
            try:
                searcher = open_index(generation).searcher(
                    weighting=CachedLengthsBM25F(self.cache))
            except (OSError, EmptyIndexError) as error:
                failure = error
                time.sleep(REOPEN_PAUSE * (attempt + 1))
                continue
            self.searcher = searcher
            current.close()
            self.cache.prune(searcher)
            return searcher
        log.warning("search index %s: cannot open the latest commit yet (%s); answering from "
                    "the previous one", self.generation, failure)
        return current

    def _open(self, index_dir: Path, generation: Path | None) -> Searcher:
        """Open the live generation, retrying if a rebuild swapped it meanwhile."""
        self.close()
        for _ in range(2):
            if generation is None:
                raise store.missing(index_dir)
            try:
                return self._open_generation(generation)
            except (OSError, EmptyIndexError):
                generation = store.current_generation(index_dir)
        if generation is None:
            raise store.missing(index_dir)
        return self._open_generation(generation)

    def _open_generation(self, generation: Path) -> Searcher:
        """Open one generation's latest commit and keep its searcher."""
        searcher = open_index(generation).searcher(weighting=CachedLengthsBM25F(self.cache))
        self.searcher, self.generation = searcher, generation
        return searcher


_entries: dict[Path, _Entry] = {}
_entries_lock = threading.Lock()


def _entry(index_dir: Path) -> _Entry:
    """Return the cache entry of an index directory, creating it once per process."""
    key = index_dir.resolve()
    with _entries_lock:
        return _entries.setdefault(key, _Entry())


@contextmanager
def searching(index_dir: Path) -> Iterator[View]:
    """Lend the cached, refreshed searcher of ``index_dir`` to the caller.

    What reading damaged files raises (zlib or struct errors, absurd lengths, whatever
    Whoosh's own code trips on) becomes IndexUnreadableError, as tantivy's errors do.
    """
    entry = _entry(index_dir)
    with entry.lock:
        try:
            searcher = entry.fresh(index_dir)
            yield View(searcher, entry.cache, entry.postings)
        except (QuerySyntaxError, OSError):  # the caller's query; a file gone: said as they are
            raise
        except Exception as error:
            if not (isinstance(error, DAMAGED_DATA) or _raised_in_whoosh(error)):
                raise
            raise IndexUnreadableError(f"Whoosh cannot read the search index: "
                                       f"{type(error).__name__}: {error}") from error


# What decoding garbled bytes raises, in Whoosh or in our own readers of its files.
DAMAGED_DATA = (zlib.error, struct.error, EOFError, pickle.UnpicklingError, UnicodeDecodeError,
                MemoryError)


def _raised_in_whoosh(error: BaseException) -> bool:
    """Tell whether the error came from inside Whoosh's own code."""
    trace = error.__traceback__
    while trace is not None and trace.tb_next is not None:
        trace = trace.tb_next
    return trace is not None and str(trace.tb_frame.f_globals.get("__name__", "")).startswith("whoosh")


def close_all() -> None:
    """Close every cached searcher of this process (tests, shutdown)."""
    with _entries_lock:
        entries = list(_entries.values())
        _entries.clear()
    for entry in entries:
        with entry.lock:
            entry.close()


def _forget_after_fork() -> None:
    """Drop inherited searchers: a child must not share file offsets with its parent."""
    global _entries_lock
    _entries.clear()
    _entries_lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_after_fork)
