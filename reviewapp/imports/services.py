"""Run an import with the site's settings: parse in parallel, write in bulk, index each batch."""
from __future__ import annotations

import ctypes
import gc
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from flask import Flask, current_app
from sqlalchemy import Connection, event
from sqlalchemy.orm import Session, SessionTransaction, scoped_session

from ..ingest import total_bytes
from ..ingest.loader import ImportSummary, Progress, import_files
from ..ingest.pool import PoolStats, default_workers

log = logging.getLogger(__name__)

# Committed batches that may wait for the index thread (bounds memory: ~50 KB a document).
# One index write's worth (INDEX_MIN_DOCUMENTS in batches of IMPORT_BATCH_SIZE 200): the
# import goes on while the index writes and merges (1-2.5 s) instead of waiting, and the
# parser processes with it. With 2 the import waited: 290 docs/s against 299-311.
QUEUED_BATCHES = 5
# Allocations between two runs of the young generation's collector during an import.
GC_YOUNG_THRESHOLD = 50_000
# The index thread writes at least this many documents at once (each write is a tantivy
# segment or a Whoosh segment: fewer, larger ones mean less merging)...
INDEX_MIN_DOCUMENTS = 1000
# ...unless the first of them has waited this long (a slow import still shows its progress).
INDEX_MAX_WAIT = 5.0
# Below this many bytes a pool of parser processes costs more than it saves.
POOL_MIN_BYTES = 8 << 20


class IndexPipeline:
    """Index committed batches on a thread while the next ones are written.

    Each batch goes through the search seam under the index's write lock (reading the committed
    rows there), so the import needs no queue worker. Up to QUEUED_BATCHES wait; the thread
    gathers batches until it holds min_documents, or the first has waited max_wait seconds, and
    writes them at once (fewer, larger segments). close() waits for the last batch and raises
    what any batch raised, so a command never returns with documents left unindexed.
    """

    def __init__(self, app: Flask, min_documents: int = INDEX_MIN_DOCUMENTS,
                 max_wait: float = INDEX_MAX_WAIT) -> None:
        self.app = app
        self.min_documents, self.max_wait = min_documents, max_wait
        self.batches: queue.Queue[dict[int, Any] | None] = queue.Queue(maxsize=QUEUED_BATCHES)
        self.failure: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="reviewapp-import-index", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        from ..indexing import sync_imported

        with self.app.app_context():
            done = False
            while not done:
                batch, done = self._take()
                if batch and self.failure is None:
                    try:
                        sync_imported(batch)
                    except BaseException as error:  # noqa: BLE001 - raised again by close()
                        self.failure = error
                del batch
                release_memory()

    def _take(self) -> tuple[dict[int, Any], bool]:
        """Wait for a batch; add the ones that follow until there are enough or it waited
        long enough, then any others already waiting. Return them and whether to stop."""
        batch = self.batches.get()
        if batch is None:
            return {}, True
        deadline = time.monotonic() + self.max_wait
        while True:
            try:
                if len(batch) >= self.min_documents:
                    more = self.batches.get_nowait()
                else:
                    more = self.batches.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if more is None:
                return batch, True
            batch.update(more)
        return batch, False

    def __call__(self, batch: dict[int, Any]) -> None:
        """Hand a committed batch (id -> prepared record) over; waits while one is indexed."""
        self._raise()
        self.batches.put(dict(batch))

    def close(self) -> None:
        """Wait until every batch handed over is indexed; raise the first failure."""
        if self.thread.is_alive():
            self.batches.put(None)
            self.thread.join()
        self._raise()

    def _raise(self) -> None:
        if self.failure is not None:
            raise self.failure

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if kind is None:
            self.close()
            return
        try:
            self.close()  # what was committed is indexed even when the import stops midway
        except BaseException:  # the import's own error is the one to report
            log.exception("indexing the committed batches of a stopped import failed")


def _malloc_trim() -> Callable[[int], int] | None:
    """Return glibc's malloc_trim, or None where there is none."""
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


_TRIM = _malloc_trim()


def release_memory() -> None:
    """Give the memory a batch freed back to the system.

    Each batch allocates and frees ~10 MB of text in two threads; glibc keeps freed blocks
    in per-thread arenas, so without this the import's resident size creeps up by the size of
    several batches.
    """
    if _TRIM is not None:
        _TRIM(0)


def parser_workers(paths: Iterable[str | Path]) -> int:
    """Return how many parser processes an import of paths should use."""
    configured = current_app.config.get("IMPORT_WORKERS")
    workers = default_workers() if configured in (None, "") else int(configured)
    return workers if total_bytes(paths) >= POOL_MIN_BYTES else 0


def import_paths(session: Session, paths: list[str], progress: Progress | None = None,
                 stats: PoolStats | None = None) -> ImportSummary:
    """Import the files under paths; when this returns, everything it stored is searchable."""
    from ..indexing import search_backend
    from ..ingest.searchable import prepare_parsed

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    # The parser processes analyse each record for the index too: most of indexing's CPU.
    prepare = partial(prepare_parsed, backend=search_backend())

    def batch_done(read: int, summary: ImportSummary) -> None:
        # The batch's records and rows are freed by now: hand the memory back before the
        # next batch (and the index thread's merges) grow the process again. Measured on a
        # 1 GB file: the parent's peak 435-450 -> 376-394 MB.
        release_memory()
        if progress is not None:
            progress(read, summary)

    with fewer_collections(), writer_transactions(session), IndexPipeline(app) as index:
        return import_files(session, paths, batch_size=int(app.config["IMPORT_BATCH_SIZE"]),
                            workers=parser_workers(paths), on_batch=index, progress=batch_done,
                            prepare=prepare, stats=stats)


@contextmanager
def writer_transactions(session: Session | scoped_session[Session]) -> Iterator[None]:
    """On SQLite, let each batch take the database's write lock as it starts writing.

    A batch writes in a savepoint, and reads (which of its documents are stored) before its
    first write. In a deferred SQLite transaction, another connection committing in between
    (a page, the job queue) fails that write at once, whatever the busy timeout ("database is
    locked": every document of the batch refused, or the run failed). Taking the lock when the
    batch opens its savepoint makes the other writer wait for the batch's writes instead; the
    lock is not held while the next documents are parsed. PostgreSQL locks rows: nothing to do.
    """
    own = session() if isinstance(session, scoped_session) else session
    if own.get_bind().dialect.name != "sqlite":
        yield
        return

    def lock_first(connection: Connection, _name: str | None) -> None:
        dbapi_connection = connection.connection.dbapi_connection
        if dbapi_connection is not None and not dbapi_connection.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    def on_begin(_session: Session, _transaction: SessionTransaction, connection: Connection) -> None:
        event.listen(connection, "savepoint", lock_first)  # this transaction's connection only

    if own.in_transaction():  # begun before the import: its connection too
        event.listen(own.connection(), "savepoint", lock_first)
    event.listen(own, "after_begin", on_begin)
    try:
        yield
    finally:
        event.remove(own, "after_begin", on_begin)


@contextmanager
def fewer_collections(young: int = GC_YOUNG_THRESHOLD) -> Iterator[None]:
    """Run the cyclic garbage collector less often while the block runs.

    An import holds a thousand documents' records and analyses at a time, and creates
    millions of short-lived lists and strings: at the default threshold (700 allocations)
    the collector ran thousands of times, re-walking those objects, for 3 % of the CPU.
    Objects are still freed by their reference counts at once; cyclic garbage, later. Imports
    running at once (threads of a web process) share it: the last to end puts it back.
    """
    with _collections.lock:
        if _collections.running == 0:
            _collections.before = gc.get_threshold()
            gc.set_threshold(max(young, _collections.before[0]), *_collections.before[1:])
        _collections.running += 1
    try:
        yield
    finally:
        with _collections.lock:
            _collections.running -= 1
            if _collections.running == 0:
                gc.set_threshold(*_collections.before)


@dataclass
class _Collections:
    """How many imports run with fewer collections, and the threshold from before them."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    running: int = 0
    before: tuple[int, ...] = ()


_collections = _Collections()
