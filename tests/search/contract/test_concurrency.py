"""Concurrent writers, cached readers and atomic rebuilds."""
from __future__ import annotations

import multiprocessing
import threading
from pathlib import Path

import pytest

import search
from search import store
from tests.search.conftest import CORPUS, make_doc

from . import _workers

WORKERS = 4


@pytest.mark.slow
def test_four_processes_writing_at_once_lose_nothing(index_dir: Path, backend: str):
    context = multiprocessing.get_context("spawn")
    with context.Pool(WORKERS) as pool:
        errors = pool.starmap(_workers.churn, [(str(index_dir), w, backend) for w in range(WORKERS)])
    assert errors == [[]] * WORKERS
    expected = {
        _workers.doc_id(w, n): "final"
        for w in range(WORKERS) for n in range(_workers.DOCS_PER_WORKER)
        if not _workers.removed_at_end(n)
    }
    report = search.check(index_dir, expected)
    assert (report.missing, report.stale, report.extra) == ([], [], [])
    # check() keys by id; the total shows no id was indexed twice.
    assert search.query(index_dir, "", pagelen=1, facets=False).total == len(expected)


def test_threads_writing_at_once_lose_nothing(index_dir: Path):
    def write(worker: int) -> None:
        for n in range(20):
            search.index_documents(index_dir, [make_doc(f"T{worker}-{n}", stamp="x")])

    threads = [threading.Thread(target=write, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    expected = {f"T{w}-{n}": "x" for w in range(4) for n in range(20)}
    assert search.check(index_dir, expected).ok


def test_threads_query_the_shared_searcher_while_another_writes(corpus_index: Path):
    errors: list[BaseException] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            try:
                results = search.query(corpus_index, "coil OR gear", filters={"cpc_section": "H"})
                assert results.total >= 2
            except BaseException as exc:  # noqa: BLE001 (reported below)
                errors.append(exc)
                return

    readers = [threading.Thread(target=read) for _ in range(3)]
    for thread in readers:
        thread.start()
    for n in range(15):
        search.index_documents(corpus_index, [make_doc(f"G{n}", title="gear", cpc=["H02K 7/00"])])
    stop.set()
    for thread in readers:
        thread.join()
    assert errors == []
    assert search.query(corpus_index, "title:gear").total == 15


def test_a_held_lock_makes_writers_wait_then_times_out(index_dir: Path):
    with (store.write_lock(index_dir), pytest.raises(store.IndexBusyError),
          store.write_lock(index_dir, timeout=0.2)):
        pass


def test_cached_searcher_sees_new_commits(corpus_index: Path):
    assert search.query(corpus_index, "levitation").total == 0
    search.index_documents(corpus_index, [make_doc("US-NEW", title="levitation")])
    assert search.query(corpus_index, "levitation").total == 1


NEW_CORPUS = [make_doc(f"R{n}", title="rebuilt gear", stamp="r") for n in range(10)]


class PausingDocs:
    """An iterable of documents that stops halfway until released."""

    def __init__(self, docs: list[dict]):
        self.docs = docs
        self.halfway = threading.Event()
        self.resume = threading.Event()

    def __iter__(self):
        half = len(self.docs) // 2
        yield from self.docs[:half]
        self.halfway.set()
        assert self.resume.wait(30)
        yield from self.docs[half:]


def run_rebuild(index_dir: Path, docs: PausingDocs) -> tuple[threading.Thread, list]:
    outcome: list = []

    def target():
        try:
            outcome.append(search.rebuild(index_dir, docs))
        except Exception as exc:  # noqa: BLE001 (reported by the assertion on outcome)
            outcome.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    assert docs.halfway.wait(30)
    return thread, outcome


def test_readers_never_see_a_partial_index_during_rebuild(corpus_index: Path):
    docs = PausingDocs(NEW_CORPUS)
    thread, outcome = run_rebuild(corpus_index, docs)
    assert search.query(corpus_index, "").total == len(CORPUS)
    docs.resume.set()
    thread.join(30)
    assert outcome == [10]
    assert search.query(corpus_index, "").total == 10


def test_writes_during_a_rebuild_are_replayed_into_it(corpus_index: Path):
    docs = PausingDocs(NEW_CORPUS)
    thread, outcome = run_rebuild(corpus_index, docs)
    # The rebuild has read R0-R4 already and will read R5-R9 after these writes.
    search.index_documents(corpus_index, [make_doc("R1", stamp="updated"),
                                          make_doc("R-NEW", stamp="r")])
    search.remove_documents(corpus_index, ["R2", "R7"])
    docs.resume.set()
    thread.join(30)
    assert outcome == [10]
    expected = {doc["id"]: "r" for doc in NEW_CORPUS if doc["id"] not in ("R2", "R7")}
    expected.update({"R1": "updated", "R-NEW": "r"})
    assert search.check(corpus_index, expected).ok


def test_a_failed_rebuild_leaves_the_live_index_alone(corpus_index: Path):
    def broken():
        yield make_doc("X1")
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        search.rebuild(corpus_index, broken())
    assert search.query(corpus_index, "").total == len(CORPUS)
    assert not list(corpus_index.glob(f"*{store.BUILDING_SUFFIX}"))


def test_a_rebuild_with_duplicate_ids_fails(corpus_index: Path):
    with pytest.raises(ValueError, match="duplicate"):
        search.rebuild(corpus_index, [make_doc("X1"), make_doc("X1")])
    assert search.query(corpus_index, "").total == len(CORPUS)


def test_leftovers_of_a_dead_rebuild_are_cleared_by_the_next_write(corpus_index: Path):
    dead = Path(f"{store.new_generation(corpus_index)}{store.BUILDING_SUFFIX}")
    dead.mkdir()
    (dead / store.JOURNAL).write_bytes(b"")
    search.index_documents(corpus_index, [make_doc("US-AFTER")])
    assert not dead.exists()
    assert search.query(corpus_index, "id:US-AFTER").total == 1


def test_index_latest_reads_under_the_lock_so_the_last_reader_writes_last(index_dir: Path):
    """A writer that read the old state must not land after one that read the new state."""
    source = {"stamp": "old"}
    first_read = threading.Event()
    release_first = threading.Event()

    def slow_load():
        doc = make_doc("US-RACE", stamp=source["stamp"])
        first_read.set()
        assert release_first.wait(30)
        return [doc]

    first = threading.Thread(target=search.index_latest, args=(index_dir, slow_load))
    first.start()
    assert first_read.wait(30)
    source["stamp"] = "new"  # committed while the first writer still holds what it read
    second = threading.Thread(
        target=search.index_latest,
        args=(index_dir, lambda: [make_doc("US-RACE", stamp=source["stamp"])]))
    second.start()
    try:
        second.join(0.3)
        assert second.is_alive()  # it waits for the lock before reading
    finally:
        release_first.set()
        first.join(30)
        second.join(30)
    assert search.check(index_dir, {"US-RACE": "new"}).ok


def test_index_latest_with_nothing_to_load_writes_nothing(corpus_index: Path):
    assert search.index_latest(corpus_index, list) == 0
    assert search.query(corpus_index, "").total == len(CORPUS)
