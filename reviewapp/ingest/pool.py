"""Parse documents in worker processes, results in input order, with a bounded number in flight.

    for raw, item, digest, extra in parse_in_order(raws, workers=2, prepare=analyse):
        ...

The splitter stays in the calling process and hands chunks of documents to the pool; at most
`ahead` documents are read but not yet handed back, so memory stays flat whatever the file's
size. With workers=0 everything is parsed in the calling process (small inputs, tests).
prepare(record, content hash), if given, runs in the worker after each record is parsed (the
import uses it to analyse the record for the search index there); its result comes along.
"""
from __future__ import annotations

import multiprocessing
import os
import resource
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from itertools import chain, islice
from typing import Any

from . import RawDocument, parse_raw
from .hashing import record_hash
from .records import ParseError, PatentRecord, SkippedDocument

Item = PatentRecord | ParseError | SkippedDocument
# The document, what it gave, its content hash ("" unless a record), what prepare made of it.
Parsed = tuple[RawDocument, Item, str, Any]
Prepare = Callable[[PatentRecord, str], Any]

CHUNK = 8  # documents per task: fewer round trips, still an even spread over the workers
# Chunks in flight per worker: enough that none waits for work while the importing process
# writes a batch (with 4 the machine idled 3-4 % of an import, with 8 2-3 %), few enough that
# the documents read ahead (raw, parsed and analysed: ~200 KB each) stay ~25 MB.
CHUNKS_AHEAD = 8


def default_workers() -> int:
    """Return one parser per core (the caller's own work overlaps with theirs)."""
    return os.cpu_count() or 1


@dataclass
class PoolStats:
    """What the parser processes spent: CPU seconds, and the largest one's peak memory (MB)."""

    cpu_seconds: float = 0.0
    peak_rss_mb: float = 0.0
    prepare_seconds: float = 0.0  # the part of cpu_seconds spent in prepare


def parse_chunk(chunk: list[RawDocument], prepare: Prepare | None = None
                ) -> tuple[list[tuple[Item, str, Any]], tuple[float, float], float]:
    """Parse documents, hash (and prepare) their records.

    Also return the CPU seconds spent (in all, in prepare) and the peak RSS in MB.
    """
    started = time.process_time()
    preparing = 0.0
    results: list[tuple[Item, str, Any]] = []
    for raw in chunk:
        item = parse_raw(raw)
        if isinstance(item, PatentRecord):
            digest = record_hash(item)
            extra = None
            if prepare:
                before = time.process_time()
                extra = prepare(item, digest)
                preparing += time.process_time() - before
            results.append((item, digest, extra))
        else:
            results.append((item, "", None))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return results, (time.process_time() - started, preparing), peak


def parse_in_order(raws: Iterable[RawDocument], workers: int, ahead: int | None = None,
                   stats: PoolStats | None = None, prepare: Prepare | None = None
                   ) -> Iterator[Parsed]:
    """Yield (document, item, content hash, prepared) for each document, in the order given.

    The pool starts with the first document to parse (none: no processes). stats, if given,
    adds up the workers' CPU seconds.
    """
    iterator = iter(raws)
    first = next(iterator, None)
    if first is None:
        return
    iterator = chain([first], iterator)
    if workers <= 0:
        for raw in iterator:
            [(item, digest, extra)], _cpu, _peak = parse_chunk([raw], prepare)
            yield raw, item, digest, extra
        return
    stats = stats if stats is not None else PoolStats()
    ahead = ahead if ahead is not None else CHUNKS_AHEAD * CHUNK * workers
    # forkserver: workers start from a clean process, not a copy of a threaded web server.
    # (Preloading the parser in the fork server was measured: the tree's summed RSS grew.)
    context = multiprocessing.get_context("forkserver")
    pending: deque[tuple[list[RawDocument], Future]] = deque()
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        try:
            while True:
                while len(pending) * CHUNK < ahead:
                    chunk = list(islice(iterator, CHUNK))
                    if not chunk:
                        break
                    pending.append((chunk, pool.submit(parse_chunk, chunk, prepare)))
                if not pending:
                    return
                chunk, future = pending.popleft()
                results, (cpu, preparing), peak = future.result()
                stats.cpu_seconds += cpu
                stats.prepare_seconds += preparing
                stats.peak_rss_mb = max(stats.peak_rss_mb, peak)
                for raw, (item, digest, extra) in zip(chunk, results):
                    yield raw, item, digest, extra
        finally:
            for _chunk, future in pending:
                future.cancel()
