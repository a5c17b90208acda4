"""Worker functions for the multi-process tests (importable by spawned processes)."""
from __future__ import annotations

import random
import traceback

import search

DOCS_PER_WORKER = 30
ROUNDS = 4


def doc_id(worker: int, n: int) -> str:
    return f"W{worker}-{n:03d}"


def removed_at_end(n: int) -> bool:
    return n % 7 == 0


def _doc(worker: int, n: int, stamp: str) -> dict:
    return {"id": doc_id(worker, n), "title": f"worker {worker} document {n} round {stamp}",
            "claims": "a widget comprising a gear", "stamp": stamp}


def churn(index_dir: str, worker: int, backend: str) -> list[str]:
    """Index, re-index and remove this worker's documents in small, shuffled batches.

    Returns the errors met (tracebacks), so the parent can assert there were none.
    """
    search.default_backend = backend  # a spawned process starts with the default
    rng = random.Random(worker)
    errors: list[str] = []
    numbers = list(range(DOCS_PER_WORKER))
    for stamp in [*map(str, range(ROUNDS)), "final"]:
        rng.shuffle(numbers)
        for batch in _random_batches(rng, numbers):
            _attempt(errors, search.index_documents, index_dir,
                     [_doc(worker, n, stamp) for n in batch])
        gone = [doc_id(worker, n) for n in numbers
                if (removed_at_end(n) if stamp == "final" else rng.random() < 0.3)]
        _attempt(errors, search.remove_documents, index_dir, gone)
        _attempt(errors, search.query, index_dir, f"worker {worker}")
    return errors


def _random_batches(rng: random.Random, numbers: list[int]) -> list[list[int]]:
    """Split numbers into consecutive batches of 1 to 5."""
    batches, start = [], 0
    while start < len(numbers):
        size = rng.randint(1, 5)
        batches.append(numbers[start:start + size])
        start += size
    return batches


def _attempt(errors: list[str], function, *args) -> None:
    try:
        function(*args)
    except Exception:  # noqa: BLE001 (the test reports every error, whatever it is)
        errors.append(traceback.format_exc())


def write_forever(index_dir: str, backend: str, ready) -> None:
    """Index a first batch, signal ``ready``, then keep writing big batches until killed."""
    search.default_backend = backend
    search.index_documents(index_dir, [
        {"id": f"KEEP-{n}", "title": "committed before the crash", "stamp": "1"}
        for n in range(20)])
    ready.set()
    text = "a long description of a gear train with many words " * 400
    n = 0
    while True:
        search.index_documents(index_dir, [
            {"id": f"LATE-{n}-{k}", "title": "written while killed", "description": text,
             "stamp": "1"} for k in range(200)])
        n += 1


def add_one(index_dir: str, backend: str, doc_id: str) -> None:
    """Index one document from another process."""
    search.default_backend = backend
    search.index_documents(index_dir, [{"id": doc_id, "title": "levitation", "stamp": "1"}])
