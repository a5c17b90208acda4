"""Opening, reading and writing tantivy indexes inside the shared index directory layout.

The directory layout, the CURRENT pointer, the cross-process write lock and the rebuild journal
are ``search.store``'s, as for Whoosh: a generation directory holds one tantivy index. Every
write takes the write lock, opens tantivy's writer, commits and closes it, so the one-writer
rule holds across the queue worker, web workers and shell commands. A commit is atomic
(tantivy replaces its meta.json): a writer killed at any moment leaves the last commit
readable, and its half-written segment files are garbage collected by the next writer.

Readers: one tantivy Index per index directory per process, reloaded when its meta.json
changes (a commit) and reopened when CURRENT names another generation (a rebuild).

tantivy raises ValueError for everything; what it raises while opening or reading an index
is turned into ``IndexUnreadableError`` (an OSError, as the standard library's damaged-file
errors), so callers can tell damage from a query they should refuse. An index keeps the
schema it was built with (in its meta.json): one built by an older version is still searched,
but what it cannot answer, and ``check``, raise ``OutdatedIndexError``, so it gets rebuilt.
"""
from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeGuard

import tantivy

from ... import store
from ...results import QuerySyntaxError
from ...store import IndexUnreadableError
from .documents import schema

log = logging.getLogger(__name__)

META = "meta.json"
# Memory of the writer of small updates (the queue worker's one-document commits).
WRITER_HEAP = 32 * 1024 * 1024


class OutdatedIndexError(IndexUnreadableError):
    """The index was built with another schema than this version writes; rebuild it."""


def has_index(generation: Path | None) -> TypeGuard[Path]:
    """Return True when a generation directory holds a tantivy index."""
    return generation is not None and (generation / META).is_file()


def create(generation: Path) -> tantivy.Index:
    """Create an empty index in a generation directory."""
    generation.mkdir(parents=True, exist_ok=True)
    index = tantivy.Index(schema(), path=str(generation), reuse=False)
    writer = index.writer(WRITER_HEAP, 1)
    writer.commit()  # an empty commit: a reader can open it at once
    writer.wait_merging_threads()
    return index


def open_generation(generation: Path) -> tantivy.Index:
    """Open the tantivy index of a generation directory."""
    return tantivy.Index.open(str(generation))


def is_outdated(generation: Path) -> bool:
    """Return True when a generation's index was built with another schema than ``schema()``."""
    try:
        return bool(open_generation(generation).schema != schema())
    except ValueError:  # unreadable: damaged, which is not the same as outdated
        return False


def outdated_error(generation: Path) -> OutdatedIndexError:
    """Return the error saying that a generation's index must be rebuilt."""
    return OutdatedIndexError(
        f"the search index {generation} was built with an older schema than this version "
        "writes (phrases on applicants and inventors need positions): rebuild it")


def check_current(index_dir: Path) -> None:
    """Raise OutdatedIndexError when the live index was built with an older schema."""
    generation = store.current_generation(index_dir)
    if has_index(generation) and is_outdated(generation):
        raise outdated_error(generation)


@contextmanager
def reading(index_dir: Path) -> Iterator[None]:
    """Turn tantivy's errors while opening or reading the live index into IndexUnreadableError.

    OutdatedIndexError when the index's schema is an older one: a query it cannot answer (a
    phrase on a field it holds without positions) calls for a rebuild, not for a repair.
    """
    try:
        yield
    except QuerySyntaxError:  # the time budget, or a query refused while reading
        raise
    except ValueError as error:
        generation = store.current_generation(index_dir)
        if has_index(generation) and is_outdated(generation):
            raise outdated_error(generation) from error
        raise IndexUnreadableError(f"tantivy cannot read the search index: {error}") from error


def exists(index_dir: Path) -> bool:
    """Return True when index_dir's live generation is a tantivy index."""
    return has_index(store.current_generation(index_dir))


def ensure_locked(index_dir: Path) -> Path:
    """Return the live generation, creating an empty index if none (caller holds the lock)."""
    generation = store.current_generation(index_dir)
    if has_index(generation):
        return generation
    generation = Path(f"{store.new_generation(index_dir)}")
    create(generation)
    store.publish(index_dir, generation)
    return generation


def ensure_index(index_dir: Path) -> Path:
    """Return the live generation, creating an empty index first if there is none."""
    generation = store.current_generation(index_dir)
    if has_index(generation):
        return generation
    with store.write_lock(index_dir):
        return ensure_locked(index_dir)


@contextmanager
def writing(index: tantivy.Index, heap: int = WRITER_HEAP, threads: int = 1
            ) -> Iterator[tantivy.IndexWriter]:
    """Lend a writer; commit on success, roll back on error; always release it."""
    writer = index.writer(heap, threads)
    try:
        yield writer
    except BaseException:
        writer.rollback()
        raise
    else:
        writer.commit()
    finally:
        writer.wait_merging_threads()  # ends the writer: tantivy's own lock is released


# -- readers -------------------------------------------------------------------------------

def _meta_stamp(generation: Path) -> tuple[int, int]:
    """Return what changes when a commit replaces meta.json."""
    stat = (generation / META).stat()
    return stat.st_mtime_ns, stat.st_ino


@dataclass(slots=True)
class _Reader:
    lock: threading.Lock = field(default_factory=threading.Lock)
    generation: Path | None = None
    index: tantivy.Index | None = None
    stamp: tuple[int, int] | None = None

    def searcher(self, index_dir: Path) -> tantivy.Searcher:
        """Return a searcher on the latest commit of the live generation."""
        generation = store.current_generation(index_dir)
        if not has_index(generation):
            raise store.missing(index_dir)
        if generation != self.generation or self.index is None:
            self.index, self.generation = open_generation(generation), generation
            self.stamp = _meta_stamp(generation)
            self.index.reload()
            if self.index.schema != schema():  # still searched; said once per process
                log.warning("%s", outdated_error(generation))
        else:
            stamp = _meta_stamp(generation)
            if stamp != self.stamp:
                self.index.reload()
                self.stamp = stamp
        return self.index.searcher()


_readers: dict[Path, _Reader] = {}
_readers_lock = threading.Lock()


def searcher(index_dir: Path) -> tantivy.Searcher:
    """Return a searcher of index_dir's latest commit (cached per process, refreshed)."""
    key = index_dir.resolve()
    with _readers_lock:
        reader = _readers.setdefault(key, _Reader())
    with reader.lock:
        return reader.searcher(index_dir)


def close_all() -> None:
    """Forget every cached reader of this process (tests, shutdown)."""
    with _readers_lock:
        _readers.clear()


def _forget_after_fork() -> None:
    """Drop inherited readers: their background threads did not survive the fork."""
    global _readers_lock
    _readers.clear()
    _readers_lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_after_fork)
