"""Writes to a tantivy index: upserts and deletes under the write lock, streaming rebuilds.

As for Whoosh (see ``search.backends.whoosh.writer``): every write takes the cross-process
lock, an index job reads its documents under it (``index_latest``), and a rebuild builds a
new generation beside the live one while writes made meanwhile are journalled and replayed
just before the swap.

A rebuild streams: documents are analysed in worker processes (the CPU-heavy part, in Python)
a bounded number of batches ahead, and added to one tantivy writer whose memory is capped by
``REBUILD_HEAP``; nothing holds the whole corpus.
"""
from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from itertools import chain, islice
from multiprocessing.pool import AsyncResult
from pathlib import Path
from typing import Any, cast

import tantivy

from ... import store
from ...common import building_generation, prepared_payloads, swap_in
from .documents import prepare, to_document
from .index import create, ensure_locked, open_generation, writing
from .translate import term

Progress = Callable[[int], None]
Prepared = tuple[str, dict[str, Any]]

BATCH = 500
REBUILD_BATCH = 1_000
REBUILD_HEAP = 256 * 1024 * 1024
# Analysis processes of a rebuild; the parent feeds tantivy's indexing threads meanwhile.
REBUILD_PROCS = max(1, min(4, os.cpu_count() or 1))
# tantivy's indexing threads in a rebuild, one per core as the analysis processes (the heap
# is shared between them).
REBUILD_THREADS = REBUILD_PROCS
# Batches analysed ahead of the writer: bounds a rebuild's memory.
AHEAD = 3
# A rebuild commits (into its own, not yet live, generation) every so many documents: tantivy
# keeps about 10 KB per document of every segment flushed since the last commit, so one
# commit at the end made a rebuild's memory grow with the library (1 GB at 100,000 documents).
REBUILD_COMMIT_EVERY = 10_000


def _upsert(writer: tantivy.IndexWriter, batch: list[Prepared]) -> int:
    """Add or replace each document by id."""
    for doc_id, values in batch:
        writer.delete_documents_by_term("id", doc_id)
        writer.add_document(to_document(values))
    return len(batch)


def _delete(writer: tantivy.IndexWriter, ids: list[str]) -> None:
    """Delete documents by id."""
    for doc_id in ids:
        writer.delete_documents_by_term("id", doc_id)


_OPERATIONS: dict[str, Callable[[tantivy.IndexWriter, Any], object]] = {
    "upsert": _upsert, "delete": _delete}


def _apply_locked(index_dir: Path, op: str, payload: list[Any]) -> None:
    """Apply one operation to the live index and journal it for rebuilds (lock held)."""
    index = open_generation(ensure_locked(index_dir))
    with writing(index) as writer:
        _OPERATIONS[op](writer, payload)
    for building in store.live_builds(index_dir):
        store.journal(building, op, payload)


def _unique(batch: Iterable[Prepared]) -> list[Prepared]:
    """Keep the last version of each id."""
    return list(dict(batch).items())


def index_documents(index_dir: Path, docs: Iterable[Mapping[str, Any]]) -> int:
    """Add or replace documents by id; return how many were written."""
    count = 0
    iterator = iter(docs)
    while batch := _unique(prepare(doc) for doc in islice(iterator, BATCH)):
        with store.write_lock(index_dir):
            _apply_locked(index_dir, "upsert", batch)
        count += len(batch)
    return count


def index_latest(index_dir: Path, load: Callable[[], Iterable[Any]]) -> int:
    """Index what ``load()`` returns (mappings or ``Prepared``), read under the write lock."""
    with store.write_lock(index_dir):
        batch = _unique(prepared_payloads(load(), "tantivy", prepare))
        if batch:
            _apply_locked(index_dir, "upsert", batch)
    return len(batch)


def remove_documents(index_dir: Path, ids: Iterable[str]) -> int:
    """Delete documents by id; return how many were in the index."""
    wanted = list(dict.fromkeys(str(doc_id) for doc_id in ids))
    if not wanted:
        return 0
    with store.write_lock(index_dir):
        index = open_generation(ensure_locked(index_dir))
        index.reload()
        searcher = index.searcher()
        present = sum(_matches(searcher, term("id", doc_id)) for doc_id in wanted)
        _apply_locked(index_dir, "delete", wanted)
    return present


def _matches(searcher: tantivy.Searcher, q: tantivy.Query) -> int:
    """Return how many documents match ``q``."""
    found = searcher.search(q, 1, count=True)
    # tantivy's stubs lack SearchResult.count (the number of matches when count=True).
    return cast(int, found.count)  # type: ignore[attr-defined]


# -- rebuild --------------------------------------------------------------------------------

def rebuild(index_dir: Path, docs: Iterable[Mapping[str, Any]],
            progress: Progress | None = None) -> int:
    """Build a fresh index from ``docs`` beside the live one, then swap it in atomically."""
    with building_generation(index_dir) as building:
        index = create(building)
        with writing(index, REBUILD_HEAP, REBUILD_THREADS) as writer:
            count = _write_all(writer, docs, progress)
        swap_in(index_dir, building, _replay)
    return count


def _batches(docs: Iterable[Mapping[str, Any]]) -> Iterator[list[Mapping[str, Any]]]:
    """Yield the documents in lists of REBUILD_BATCH."""
    iterator = iter(docs)
    while batch := list(islice(iterator, REBUILD_BATCH)):
        yield batch


def _prepared(docs: Iterable[Mapping[str, Any]]) -> Iterator[list[Prepared]]:
    """Yield prepared batches, analysed in worker processes a few batches ahead."""
    batches = _batches(docs)
    first = next(batches, [])
    if REBUILD_PROCS == 1 or len(first) < REBUILD_BATCH:  # small: not worth the processes
        yield from ([prepare(doc) for doc in batch] for batch in chain([first], batches))
        return
    # forkserver: a fork of this process would copy tantivy's running threads' locks.
    context = multiprocessing.get_context("forkserver")
    with context.Pool(REBUILD_PROCS) as pool:
        pending: deque[AsyncResult[list[Prepared]]] = deque()
        for batch in chain([first], batches):
            pending.append(pool.map_async(prepare, batch, chunksize=50))
            if len(pending) > AHEAD:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()


def _write_all(writer: tantivy.IndexWriter, docs: Iterable[Mapping[str, Any]],
               progress: Progress | None) -> int:
    """Add every document, refusing a repeated id; return the count."""
    seen: set[str] = set()
    count = 0
    for batch in _prepared(docs):
        for doc_id, values in batch:
            if doc_id in seen:
                raise ValueError(f"duplicate document id in rebuild: {doc_id}")
            seen.add(doc_id)
            writer.add_document(to_document(values))
        if (count + len(batch)) // REBUILD_COMMIT_EVERY > count // REBUILD_COMMIT_EVERY:
            writer.commit()
        count += len(batch)
        if progress:
            progress(count)
    return count


def _replay(building: Path) -> None:
    """Apply a rebuild's journal to its new index (caller holds the write lock)."""
    path = building / store.JOURNAL
    if not path.exists():
        return
    with open(path, "rb") as handle, writing(open_generation(building)) as writer:
        for op, payload in store.read_journal(handle):
            _OPERATIONS[op](writer, payload)
    path.unlink()
