"""The one writer: every change to an index goes through here, under the write lock.

Whoosh allows one writer per index and raises LockError at a second one. Rather than let
callers race for Whoosh's lock, every write takes ``store.write_lock`` (a blocking flock)
first, so any thread of any process may call ``index_documents`` and simply waits its turn.

A rebuild writes a new generation without holding the lock (it may take minutes). Writes
that land meanwhile go to the live generation *and* to the rebuild's journal; the rebuild
replays the journal under the lock just before it swaps generations, so no update is lost.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from itertools import islice
from pathlib import Path
from typing import Any, cast

from whoosh.filedb.filestore import FileStorage
from whoosh.index import FileIndex
from whoosh.writing import MERGE_SMALL, IndexWriter

from ... import store
from ...common import building_generation, prepared_payloads, swap_in
from ...schema import AnalysedText, PatentText, build_schema, to_fields
from . import bulk

Fields = dict[str, Any]
Progress = Callable[[int], None]

# Documents per commit in index_documents: bounds memory and lock hold time for big imports.
BATCH = 500
# From this many documents an upsert builds its segment with the bulk writer: Whoosh's own
# per-document path spends most of its time in its sorting pool (see ``bulk``).
BULK_UPSERT_MIN = 32
# Small segments are merged when a commit would leave this many (see _merge_when_many).
MERGE_AT_SEGMENTS = 12
# Bulk (rebuild) writer: each worker process holds up to this much of grouped postings
# before it writes a segment; one worker per core (the parent only reads and hands over).
BULK_LIMIT_MB = 256
BULK_PROCS = max(1, min(4, os.cpu_count() or 1))


def _storage(generation: Path) -> FileStorage:
    """Return the storage of a generation directory (memory-mapped; see ``patches``)."""
    return FileStorage(str(generation))


def open_index(generation: Path) -> FileIndex:
    """Open the Whoosh index of a generation directory."""
    return _storage(generation).open_index()


def _has_index(generation: Path) -> bool:
    """Return True when a generation directory holds an index."""
    return generation.is_dir() and _storage(generation).index_exists()


def _create_index(generation: Path) -> FileIndex:
    """Create an empty index in a generation directory."""
    generation.mkdir(parents=True, exist_ok=True)
    return _storage(generation).create_index(build_schema())


def ensure_index(index_dir: Path) -> Path:
    """Return the live generation, creating an empty index first if there is none."""
    generation = store.current_generation(index_dir)
    if generation is not None and _has_index(generation):
        return generation
    with store.write_lock(index_dir):
        return _ensure_locked(index_dir)


def _ensure_locked(index_dir: Path) -> Path:
    """Return the live generation, creating it (caller holds the write lock)."""
    generation = store.current_generation(index_dir)
    if generation is not None and _has_index(generation):
        return generation
    generation = store.new_generation(index_dir)
    _create_index(generation)
    store.publish(index_dir, generation)
    return generation


def exists(index_dir: Path) -> bool:
    """Return True when index_dir holds a live index."""
    generation = store.current_generation(index_dir)
    return generation is not None and _has_index(generation)


# -- operations: applied to the live index and journalled for a rebuild in progress --------

def _upsert(writer: IndexWriter, batch: list[Fields]) -> None:
    """Add or replace each document by id; a large batch goes into a bulk-built segment."""
    if len(batch) < BULK_UPSERT_MIN:
        for fields in batch:
            writer.update_document(**fields)
        return
    for fields in batch:
        writer.delete_by_term("id", fields["id"])
    builder = bulk.BulkSegmentWriter(writer.storage.open_index(writer.indexname))
    try:
        for fields in batch:
            builder.add_document(**fields)
    except BaseException:
        builder._close_segment()
        raise
    # Committed with the writer's deletions, in one table of contents (see _merge_when_many).
    writer._bulk_segments = [bulk.finalize(builder)]


def _delete(writer: IndexWriter, ids: list[str]) -> int:
    """Delete documents by id; return how many were in the index."""
    return sum(writer.delete_by_term("id", doc_id) for doc_id in ids)


_OPERATIONS: dict[str, Callable[[IndexWriter, Any], Any]] = {"upsert": _upsert, "delete": _delete}


def _apply(index_dir: Path, op: str, payload: list[Any]) -> Any:
    """Apply one operation to the live index and to every rebuild's journal, under the lock."""
    with store.write_lock(index_dir):
        return _apply_locked(index_dir, op, payload)


def _apply_locked(index_dir: Path, op: str, payload: list[Any]) -> Any:
    """Apply one operation (the caller holds the write lock)."""
    ix = open_index(_ensure_locked(index_dir))
    try:
        with _committing(ix.writer()) as writer:
            result = _OPERATIONS[op](writer, payload)
    finally:
        ix.close()
    for building in store.live_builds(index_dir):
        store.journal(building, op, payload)
    return result


@contextmanager
def _committing(writer: IndexWriter) -> Iterator[IndexWriter]:
    """Commit the writer on success, cancel it on error (so Whoosh's own lock is freed)."""
    try:
        yield writer
    except BaseException:
        _cancel(writer)
        raise
    writer.commit(mergetype=_merge_when_many)


def _merge_when_many(writer: IndexWriter, segments: list[Any]) -> list[Any]:
    """Leave segments alone until there are many, then merge the small ones (Whoosh's policy).

    Whoosh merges small segments at every commit: two thirds of the time of a one-document
    update, which is what the queue worker does after each edit. Merging only every few
    commits costs the same in total, spread out, and readers see at most this many pieces.
    """
    segments = [*segments, *getattr(writer, "_bulk_segments", ())]
    if len(segments) < MERGE_AT_SEGMENTS:
        return segments
    return cast(list[Any], MERGE_SMALL(writer, segments))


def _cancel(writer: IndexWriter) -> None:
    """Cancel a writer, stopping the sub-processes of a multi-process one.

    Whoosh's MpWriter.cancel only flags its own copies of the task objects; the processes
    would wait on their job queue forever.
    """
    try:
        writer.cancel()
    finally:
        for task in getattr(writer, "tasks", ()):
            task.terminate()
            task.join()


def _replay(ix: FileIndex, building: Path) -> None:
    """Apply a rebuild's journal to its new index (caller holds the write lock)."""
    path = building / store.JOURNAL
    if not path.exists():
        return
    with open(path, "rb") as handle, _committing(ix.writer()) as writer:
        for op, payload in store.read_journal(handle):
            _OPERATIONS[op](writer, payload)
    path.unlink()


def _unique_by_id(batch: Iterable[Fields]) -> list[Fields]:
    """Keep the last version of each id: Whoosh would index both copies of one batch."""
    return list({fields["id"]: fields for fields in batch}.values())


def _batches(docs: Iterable[Mapping[str, Any]], size: int) -> Iterator[list[Fields]]:
    """Yield converted documents in batches."""
    iterator = iter(docs)
    while batch := [to_fields(doc) for doc in islice(iterator, size)]:
        yield _unique_by_id(batch)


def index_documents(index_dir: Path, docs: Iterable[Mapping[str, Any]]) -> int:
    """Add or replace documents by id; return how many were written."""
    count = 0
    for batch in _batches(docs, BATCH):
        _apply(index_dir, "upsert", batch)
        count += len(batch)
    return count


_SCHEMA = build_schema()  # for its analyzers; never written


def prepare(doc: Mapping[str, Any]) -> tuple[str, Fields]:
    """Return (id, fields) with the prose fields analysed ahead: the CPU-heavy part, picklable."""
    fields = to_fields(doc)
    for name in list(fields):
        field, value = _SCHEMA[name], fields[name]
        if isinstance(field, PatentText) and field.fast(value):
            fields[name] = AnalysedText(value, field.term_postings(value))
            if field.stored:
                fields[f"_stored_{name}"] = value  # store the text, not its positions
    return fields["id"], fields


def index_latest(index_dir: Path, load: Callable[[], Iterable[Any]]) -> int:
    """Index what ``load()`` returns, calling it under the write lock; return the count.

    Two writers that each read a document and then wait for the lock may write in the other
    order than they read: the older state would land last and stay. Reading under the lock
    makes the order of writes the order of reads, so the last write is of the latest state.
    """
    with store.write_lock(index_dir):
        prepared = prepared_payloads(load(), "whoosh", lambda doc: (doc["id"], to_fields(doc)))
        batch = _unique_by_id(fields for _id, fields in prepared)
        if batch:
            _apply_locked(index_dir, "upsert", batch)
    return len(batch)


def remove_documents(index_dir: Path, ids: Iterable[str]) -> int:
    """Delete documents by id; return how many were in the index."""
    wanted = list(dict.fromkeys(str(doc_id) for doc_id in ids))
    if not wanted:
        return 0
    return cast(int, _apply(index_dir, "delete", wanted))


# -- rebuild ----------------------------------------------------------------------------------

def rebuild(index_dir: Path, docs: Iterable[Mapping[str, Any]],
            progress: Progress | None = None) -> int:
    """Build a fresh index from ``docs`` beside the live one, then swap it in atomically."""
    with building_generation(index_dir) as building:
        ix = _create_index(building)
        count = _bulk_write(ix, docs, progress)
        swap_in(index_dir, building, lambda built: _replay(ix, built))
        ix.close()
    return count


def _bulk_write(ix: FileIndex, docs: Iterable[Mapping[str, Any]],
                progress: Progress | None) -> int:
    """Add every document to an empty index with the bulk writer (see ``bulk``)."""
    return bulk.bulk_write(ix, _converted(docs), procs=BULK_PROCS, limit_mb=BULK_LIMIT_MB,
                           progress=progress)


def _converted(docs: Iterable[Mapping[str, Any]]) -> Iterator[Fields]:
    """Yield each document's fields, refusing a repeated id."""
    seen: set[str] = set()
    for doc in docs:
        fields = to_fields(doc)
        if fields["id"] in seen:
            raise ValueError(f"duplicate document id in rebuild: {fields['id']}")
        seen.add(fields["id"])
        yield fields
