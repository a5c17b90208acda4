"""tantivy-only behaviour: the multi-process rebuild, a held searcher across a rebuild, and the
index directory shared with Whoosh when a site switches backends."""
from __future__ import annotations

from pathlib import Path

import pytest

import search
from search import store
from search.backends.tantivy import index, writer

from tests.search.conftest import CORPUS, make_doc


@pytest.fixture
def index_dir(tmp_path: Path):
    path = tmp_path / "index"
    yield path
    search.close_all()


def test_a_rebuild_analyses_in_worker_processes_and_reports_progress(index_dir, monkeypatch):
    monkeypatch.setattr(writer, "REBUILD_BATCH", 40)
    monkeypatch.setattr(writer, "REBUILD_PROCS", 2)
    docs = [make_doc(f"US{n}", title=f"gear {n}", claims="a gear train", stamp=str(n))
            for n in range(300)]
    seen: list[int] = []
    assert search.rebuild(index_dir, iter(docs), progress=seen.append, backend="tantivy") == 300
    assert seen == sorted(seen) and seen[-1] == 300 and len(seen) > 2
    assert search.check(index_dir, {d["id"]: d["stamp"] for d in docs}, backend="tantivy").ok
    assert search.query(index_dir, "gear", backend="tantivy").total == 300


def test_a_held_searcher_keeps_reading_its_generation_across_a_rebuild(index_dir):
    search.index_documents(index_dir, CORPUS, backend="tantivy")
    held = index.searcher(index_dir)
    first = store.current_generation(index_dir)
    search.rebuild(index_dir, [make_doc("R1", title="rebuilt")], backend="tantivy")
    assert held.num_docs == len(CORPUS)
    assert store.current_generation(index_dir) != first
    assert search.query(index_dir, "", backend="tantivy").total == 1


def test_switching_backends_is_a_rebuild(index_dir):
    search.index_documents(index_dir, CORPUS, backend="whoosh")
    assert search.exists(index_dir, backend="whoosh")
    assert not search.exists(index_dir, backend="tantivy")  # the app says "rebuild the index"
    assert search.rebuild(index_dir, CORPUS, backend="tantivy") == len(CORPUS)
    assert search.exists(index_dir, backend="tantivy")
    assert not search.exists(index_dir, backend="whoosh")
    assert search.query(index_dir, "coil", backend="tantivy").total == 2
    assert search.rebuild(index_dir, CORPUS, backend="whoosh") == len(CORPUS)
    assert search.query(index_dir, "coil", backend="whoosh").total == 2


def test_an_unknown_backend_is_refused(index_dir):
    with pytest.raises(ValueError, match="unknown search backend"):
        search.query(index_dir, "coil", backend="lucene")
