"""Crash safety and readers in other processes: a killed writer leaves the last commit readable
and the lock free; a reader in one process sees what another process committed."""
from __future__ import annotations

import multiprocessing
import os
import signal
import time
from pathlib import Path

import search

from . import _workers


def test_a_writer_killed_mid_write_leaves_the_last_commit_readable(index_dir: Path, backend: str):
    context = multiprocessing.get_context("spawn")
    ready = context.Event()
    writer = context.Process(target=_workers.write_forever, args=(str(index_dir), backend, ready))
    writer.start()
    try:
        assert ready.wait(120), "the writer never committed its first batch"
        time.sleep(1.5)  # well inside a later batch's analysis, writing or commit
    finally:
        os.kill(writer.pid, signal.SIGKILL)
        writer.join(30)
    assert writer.exitcode == -signal.SIGKILL
    # Everything committed before the kill is there, and nothing is half there.
    results = search.query(index_dir, "", pagelen=1, facets=False)
    kept = {f"KEEP-{n}": "1" for n in range(20)}
    report = search.check(index_dir, kept)
    assert report.missing == [] and report.stale == []
    assert results.total == 20 + len(report.extra)
    assert len(report.extra) % 200 == 0  # whole batches only
    # The lock died with the writer: the next write goes through at once.
    search.index_documents(index_dir, [{"id": "AFTER", "title": "after the crash", "stamp": "1"}])
    assert search.query(index_dir, "id:AFTER").total == 1


def test_a_reader_sees_commits_of_another_process(corpus_index: Path, backend: str):
    assert search.query(corpus_index, "levitation").total == 0  # caches this process's reader
    context = multiprocessing.get_context("spawn")
    other = context.Process(target=_workers.add_one, args=(str(corpus_index), backend, "US-OTHER"))
    other.start()
    other.join(120)
    assert other.exitcode == 0
    assert [hit.id for hit in search.query(corpus_index, "levitation").hits] == ["US-OTHER"]
