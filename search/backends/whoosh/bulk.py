"""Bulk indexing for rebuilds: postings grouped per term in memory, written a block at a time.

Whoosh's segment writer sends every posting through a sorting pool (one tuple, a size
estimate and two assertions each), sorts them all, then hands them back one by one to its
postings writer, which looks up the document's field length in the column it just wrote.
A patent of 4,000 words has about 750 postings, so that is most of the indexing time. Here
postings are appended to per-term lists as documents arrive (documents come in order, so
the lists are already sorted), and each term's list is cut into Whoosh's blocks and written
with Whoosh's own block writer: the files are the same format, block statistics included.

A rebuild runs several of these builders in worker processes; each writes segments of its
own into the new index, and the parent commits them all in one table of contents.
"""
from __future__ import annotations

import gc
import multiprocessing
import queue
import traceback
from array import array
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeAlias

from whoosh.codec.whoosh3 import W3Codec
from whoosh.fields import Schema
from whoosh.index import TOC, FileIndex, LockError, clean_files
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

from ...schema import PatentText

Fields = dict[str, Any]
Progress = Callable[[int], None]
# A term's postings as they arrive: document numbers, weights and encoded values (positions).
TermLists: TypeAlias = "tuple[array[int], array[float], list[bytes]]"

# A posting held in memory costs about 60 bytes (document number, weight, positions).
BYTES_PER_POSTING = 60
# zlib level of posting blocks: Whoosh's default. Without compression a 20,000-document
# rebuild measured no faster end to end (twice the bytes to write) for an index twice as big.
COMPRESSION = 3
# Posting lists of text fields shorter than this are kept in the term index itself rather
# than written as a block of their own: most terms of a patent collection are rare, and a
# block costs two pickles and a zlib call to write, and a seek to read. Whoosh supports it
# (inlinelimit) but its default, 1, inlines nothing.
INLINE_LIMIT = 4
# Documents handed to a worker at a time, and how many batches may wait in the queue.
BATCH = 64
QUEUED_BATCHES = 4
# Below this many documents, building in this process is faster than starting workers.
IN_PROCESS_LIMIT = 1000
# How often the parent checks that its workers are alive while it waits.
POLL_SECONDS = 1.0


class BulkSegmentWriter(SegmentWriter):
    """A segment writer for a fresh index that groups postings per term as they arrive."""

    def __init__(self, ix: FileIndex, schema: Schema | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("codec", W3Codec(compression=COMPRESSION))
        super().__init__(ix, _lk=False, **kwargs)
        if schema is not None:  # the previous segment's: its analyzers' caches are warm
            self.schema = schema
        self._terms: dict[str, dict[str | bytes, TermLists]] = {}
        self._lengths: dict[str, array[int]] = {}
        self.postings = 0

    def add_document(self, **fields: Any) -> None:
        """Add a document: stored values and lengths as Whoosh does, postings grouped."""
        self._check_state()
        schema, perdoc, docnum = self.schema, self.perdocwriter, self.docnum
        docboost = self._doc_boost(fields)
        names = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, names)
        perdoc.start_doc(docnum)
        for name in names:
            value = fields[name]
            if value is None:
                continue
            field = schema[name]
            if field.vector or field.separate_spelling():
                raise ValueError(f"bulk indexing has no vectors or spelling ({name})")
            length = self._add_postings(name, field, value, docnum,
                                        self._field_boost(fields, name, docboost))
            if length:
                self._note_length(name, docnum, length)
            stored = fields.get(f"_stored_{name}", value) if field.stored else None
            perdoc.add_field(name, field, stored, length)
            column = field.column_type
            if column:
                perdoc.add_column_value(name, column, field.to_column_value(value))
        perdoc.finish_doc()
        self._added = True
        self.docnum += 1

    def _note_length(self, name: str, docnum: int, length: int) -> None:
        """Remember a field's length as Whoosh's length column will give it back."""
        lengths = self._lengths.setdefault(name, array("I"))
        if len(lengths) < docnum:
            lengths.extend(array("I", bytes(4 * (docnum - len(lengths)))))
        lengths.append(byte_to_length(length_to_byte(length)))

    def _add_postings(self, name: str, field: Any, value: Any, docnum: int,
                      boost: float) -> int:
        """Append a field's postings to its terms' lists; return the field length."""
        if not field.indexed:
            return 0
        terms = self._terms.setdefault(name, {})
        if isinstance(field, PatentText) and field.fast(value):
            return self._add_positions(terms, field.term_postings(value), docnum,
                                       boost * field.format.field_boost)
        length = 0
        items = list(field.index(value))
        for text, freq, weight, vbytes in items:
            lists = terms.get(text)
            if lists is None:
                lists = terms[text] = (array("I"), array("f"), [])
            lists[0].append(docnum)
            lists[1].append(weight * boost)
            if vbytes:
                lists[2].append(vbytes)
            length += freq
        self.postings += len(items)
        return length if field.scorable else 0

    def _add_positions(self, terms: dict[str | bytes, TermLists],
                       postings: dict[str, tuple[int, bytes]], docnum: int, boost: float) -> int:
        """Append a text field's postings (the fast path); return the field length.

        Terms stay str until the flush: one encode per term, not per posting.
        """
        length = 0
        for term, (freq, encoded) in postings.items():
            lists = terms.get(term)
            if lists is None:
                lists = terms[term] = (array("I"), array("f"), [])
            lists[0].append(docnum)
            lists[1].append(freq * boost)
            lists[2].append(encoded)
            length += freq
        self.postings += len(postings)
        return length

    def memory_estimate(self) -> int:
        """Return roughly how many bytes the grouped postings hold."""
        return self.postings * BYTES_PER_POSTING

    def _flush_segment(self) -> None:
        """Write every term's postings in field and term order, block by block."""
        self.perdocwriter.close()
        writer = self.fieldwriter
        for name in sorted(self._terms):
            field = self.schema[name]
            writer.start_field(name, field)
            if field.format.fixed_value_size() != 0:
                # Inlined, a value-less list (ID, KEYWORD) would read back '' for None.
                writer._postwriter._inlinelimit = INLINE_LIMIT
            lengths = self._lengths.get(name)
            terms = self._terms[name]
            # A field's terms are all str (fast path) or all bytes; code point order is
            # UTF-8 byte order, the order Whoosh's term index wants.
            for text in sorted(terms):
                writer.start_term(text.encode("utf-8") if isinstance(text, str) else text)
                _write_postings(writer._postwriter, *terms[text], lengths)
                writer.finish_term()
            writer.finish_field()
        writer.close()
        self._terms.clear()


def _write_postings(postwriter: Any, ids: array[int], weights: array[float], values: list[bytes],
                    lengths: array[int] | None) -> None:
    """Fill Whoosh's postings writer a block at a time and let it write the blocks."""
    size, total = postwriter._blocklimit, len(ids)
    for start in range(0, total, size):
        end = min(start + size, total)
        block_ids = ids[start:end]
        postwriter._ids = block_ids
        postwriter._weights = weights[start:end]
        postwriter._values = values[start:end]
        postwriter._maxweight = max(0, max(postwriter._weights))
        if lengths:
            known = len(lengths)
            block_lengths = [lengths[n] for n in block_ids if n < known and lengths[n]]
            postwriter._minlength = min(block_lengths) if block_lengths else None
            postwriter._maxlength = max(block_lengths, default=0)
        if end < total:
            postwriter._write_block()
    # The last block is written (or inlined in the term index) by finish_postings.


def build_segments(ix: FileIndex, batches: Iterable[list[Fields]], limit_mb: int) -> list[Any]:
    """Add documents to new segments of ix, starting a new one past limit_mb; return them."""
    segments: list[Any] = []  # Whoosh's (untyped) segments
    writer = BulkSegmentWriter(ix)
    try:
        for batch in batches:
            for fields in batch:
                writer.add_document(**fields)
            if writer.memory_estimate() > limit_mb * 1024 * 1024:
                segments.append(finalize(writer))
                writer = BulkSegmentWriter(ix, schema=writer.schema)
        if writer._added:
            segments.append(finalize(writer))
        else:
            writer._close_segment()
    except BaseException:
        writer._close_segment()
        raise
    return segments


def finalize(writer: BulkSegmentWriter) -> Any:
    """Write out a builder's segment and return it.

    Not ``_finish``: that would delete the temporary folder every writer of this index
    shares; ``bulk_write`` removes it once all are done.
    """
    segment = writer._finalize_segment()
    writer.is_closed = True
    return segment


def _worker(storage: Any, indexname: str, jobs: Any, results: Any, limit_mb: int) -> None:
    """Build segments from the batches on the job queue until a None arrives."""
    # This process only builds and exits: the cyclic garbage collector would walk the
    # ever larger tables of postings again and again for nothing.
    gc.disable()
    try:
        ix = storage.open_index(indexname)
        segments = build_segments(ix, iter(jobs.get, None), limit_mb)
        results.put(("ok", segments))
    except BaseException:  # noqa: BLE001 (a worker process reports every failure to its parent)
        results.put(("error", traceback.format_exc()))


class WorkerError(RuntimeError):
    """A bulk indexing worker failed or died."""


class _Pool:
    """Worker processes fed batches of documents through one bounded queue."""

    def __init__(self, ix: FileIndex, procs: int, limit_mb: int) -> None:
        context = multiprocessing.get_context("spawn")  # no inherited locks or connections
        self.jobs = context.Queue(QUEUED_BATCHES * procs)
        self.results = context.Queue()
        self.processes = [
            context.Process(target=_worker, daemon=True, name=f"search-bulk-{n}",
                            args=(ix.storage, ix.indexname, self.jobs, self.results, limit_mb))
            for n in range(procs)]
        self.errors: list[str] = []
        self.segments: list[Any] = []
        for process in self.processes:
            process.start()

    def put(self, item: list[Fields] | None) -> None:
        """Queue a batch, failing if the workers stop taking them."""
        while True:
            try:
                self.jobs.put(item, timeout=POLL_SECONDS)
                return
            except queue.Full:
                self._check()

    def _check(self) -> None:
        """Raise if a worker reported an error or died."""
        self._collect(block=False)
        if self.errors:
            raise WorkerError(self.errors[0])
        if not all(process.is_alive() for process in self.processes):
            raise WorkerError("a bulk indexing worker died")

    def _collect(self, block: bool) -> bool:
        """Take one result off the results queue; return False when none came."""
        try:
            status, payload = self.results.get(block=block, timeout=POLL_SECONDS if block else None)
        except queue.Empty:
            return False
        if status == "ok":
            self.segments.extend(payload)
        else:
            self.errors.append(payload)
        return True

    def finish(self) -> list[Any]:
        """Tell every worker to finish; return all their segments."""
        for _ in self.processes:
            self.put(None)
        received = 0
        while received < len(self.processes):
            if self._collect(block=True):
                received += 1
            elif not all(p.is_alive() or p.exitcode == 0 for p in self.processes):
                raise WorkerError("a bulk indexing worker died")
        if self.errors:
            raise WorkerError(self.errors[0])
        for process in self.processes:
            process.join()
        return self.segments

    def terminate(self) -> None:
        """Stop every worker at once."""
        for process in self.processes:
            if process.is_alive():
                process.terminate()
            process.join()


def bulk_write(ix: FileIndex, docs: Iterable[Fields], procs: int, limit_mb: int,
               progress: Progress | None = None) -> int:
    """Add converted documents to an empty index and commit; return how many were added.

    Few documents are indexed in this process; more are spread over ``procs`` workers. The
    new segments become visible together, in one table of contents, or not at all.
    """
    lock = ix.lock("WRITELOCK")
    if not lock.acquire():
        raise LockError(f"the index {ix.storage} is being written by another writer")
    try:
        count, segments = _write_all(ix, iter(docs), procs, limit_mb, progress)
        info = ix._read_toc()
        TOC(info.schema, [*info.segments, *segments], info.generation + 1).write(
            ix.storage, ix.indexname)
        clean_files(ix.storage, ix.indexname, info.generation + 1, [*info.segments, *segments])
    finally:
        ix.storage.temp_storage(f"{ix.indexname}.tmp").destroy()
        lock.release()
    return count


def _write_all(ix: FileIndex, docs: Iterator[Fields], procs: int, limit_mb: int,
               progress: Progress | None) -> tuple[int, list[Any]]:
    """Index every document; return the count and the new segments."""
    first = _take(docs, IN_PROCESS_LIMIT)
    if len(first) < IN_PROCESS_LIMIT or procs < 2:
        batches = _batched(first, docs)
        counted = _Counted(batches, progress)
        segments = build_segments(ix, counted, limit_mb)
        return counted.count, segments
    pool = _Pool(ix, procs, limit_mb)
    try:
        counted = _Counted(_batched(first, docs), progress)
        for batch in counted:
            pool.put(batch)
        return counted.count, pool.finish()
    finally:
        pool.terminate()


def _take(docs: Iterator[Fields], n: int) -> list[Fields]:
    """Return up to n documents from an iterator."""
    taken = []
    for doc in docs:
        taken.append(doc)
        if len(taken) >= n:
            break
    return taken


def _batched(first: list[Fields], rest: Iterator[Fields]) -> Iterator[list[Fields]]:
    """Yield batches of BATCH documents: the ones already taken, then the rest."""
    batch = []
    for source in (first, rest):
        for doc in source:
            batch.append(doc)
            if len(batch) >= BATCH:
                yield batch
                batch = []
    if batch:
        yield batch


class _Counted:
    """Iterate batches, counting documents and reporting progress."""

    def __init__(self, batches: Iterator[list[Fields]], progress: Progress | None) -> None:
        self.batches, self.progress, self.count = batches, progress, 0

    def __iter__(self) -> Iterator[list[Fields]]:
        for batch in self.batches:
            self.count += len(batch)
            if self.progress:
                self.progress(self.count)
            yield batch

