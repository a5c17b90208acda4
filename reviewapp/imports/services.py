"""Run an import with the site's settings: parse in parallel, write in bulk, index each batch."""
from __future__ import annotations

import queue
import threading
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType

from flask import Flask, current_app
from sqlalchemy.orm import Session

from ..ingest import total_bytes
from ..ingest.loader import ImportSummary, Progress, import_files
from ..ingest.pool import default_workers

# Below this many bytes a pool of parser processes costs more than it saves.
POOL_MIN_BYTES = 8 << 20


class IndexPipeline:
    """Index each committed batch on a thread while the next batch is written; one batch ahead.

    Each batch goes through the search seam under the index's write lock (reading the committed
    rows there), so the import needs no queue worker. close() waits for the last batch and
    raises what any batch raised, so a command never returns with documents left unindexed.
    """

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.batches: queue.Queue[list[int] | None] = queue.Queue(maxsize=1)
        self.failure: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="reviewapp-import-index", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        from ..indexing import sync_documents

        with self.app.app_context():
            while (ids := self.batches.get()) is not None:
                if self.failure is None:
                    try:
                        sync_documents(ids)
                    except BaseException as error:  # noqa: BLE001 - raised again by close()
                        self.failure = error

    def __call__(self, document_ids: list[int]) -> None:
        """Hand a committed batch over; waits while the previous one is still being indexed."""
        self._raise()
        self.batches.put(list(document_ids))

    def close(self) -> None:
        """Wait until every batch handed over is indexed; raise the first failure."""
        if self.thread.is_alive():
            self.batches.put(None)
            self.thread.join()
        self._raise()

    def _raise(self) -> None:
        if self.failure is not None:
            raise self.failure

    def __enter__(self) -> IndexPipeline:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if kind is None:
            self.close()
            return
        try:
            self.close()  # what was committed is indexed even when the import stops midway
        except BaseException:  # noqa: BLE001 - the import's own error is the one to report
            pass


def parser_workers(paths: Iterable[str | Path]) -> int:
    """Return how many parser processes an import of paths should use."""
    configured = current_app.config.get("IMPORT_WORKERS")
    workers = default_workers() if configured in (None, "") else int(configured)
    return workers if total_bytes(paths) >= POOL_MIN_BYTES else 0


def import_paths(session: Session, paths: list[str], progress: Progress | None = None) -> ImportSummary:
    """Import the files under paths; when this returns, everything it stored is searchable."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    with IndexPipeline(app) as index:
        return import_files(session, paths, batch_size=int(app.config["IMPORT_BATCH_SIZE"]),
                            workers=parser_workers(paths), on_batch=index, progress=progress)
