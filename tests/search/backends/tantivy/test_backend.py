"""tantivy-only behaviour: the multi-process rebuild, a held searcher across a rebuild, and the
index directory shared with Whoosh when a site switches backends."""
from __future__ import annotations

import threading
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


def test_a_rebuild_commits_as_it_goes_and_a_failure_leaves_the_live_index(index_dir, monkeypatch):
    monkeypatch.setattr(writer, "REBUILD_BATCH", 10)
    monkeypatch.setattr(writer, "REBUILD_COMMIT_EVERY", 25)
    commits: list[int] = []
    real_writing = writer.writing

    def counting(*args, **kwargs):
        manager = real_writing(*args, **kwargs)

        class Counting:
            def __enter__(self):
                self.inner = manager.__enter__()
                return self

            def __exit__(self, *exc):
                return manager.__exit__(*exc)

            def add_document(self, doc):
                self.inner.add_document(doc)

            def commit(self):
                commits.append(1)
                return self.inner.commit()

        return Counting()

    monkeypatch.setattr(writer, "writing", counting)
    docs = [make_doc(f"US{n}", title=f"gear {n}", stamp=str(n)) for n in range(100)]
    assert search.rebuild(index_dir, docs, backend="tantivy") == 100
    assert len(commits) == 4  # after 30, 50, 80 and 100 documents: memory stays bounded
    assert search.query(index_dir, "gear", backend="tantivy").total == 100

    def failing():
        yield from docs[:60]
        raise OSError("the database went away")

    with pytest.raises(OSError):
        search.rebuild(index_dir, failing(), backend="tantivy")
    assert search.query(index_dir, "gear", backend="tantivy").total == 100  # the old generation


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


def test_facets_are_counted_beside_the_page_and_their_failure_is_not_hidden(index_dir,
                                                                           monkeypatch):
    from search.backends.tantivy import querying

    search.index_documents(index_dir, CORPUS, backend="tantivy")
    counting_threads: list[str] = []
    facets = querying._facets

    def spy(searcher, q):
        counting_threads.append(threading.current_thread().name)
        return facets(searcher, q)

    monkeypatch.setattr(querying, "_facets", spy)
    results = search.query(index_dir, "coil", backend="tantivy")
    assert counting_threads and counting_threads[0].startswith("facets")
    assert sum(count for _, count in results.facets["doc_type"]) == results.total == 2

    querying._forget_threads_after_fork()  # as in a forked web worker: a new pool is made
    assert search.query(index_dir, "coil", backend="tantivy").facets == results.facets

    def broken(searcher, q):
        raise RuntimeError("facet counting failed")

    monkeypatch.setattr(querying, "_facets", broken)
    with pytest.raises(RuntimeError, match="facet counting failed"):
        search.query(index_dir, "coil", backend="tantivy")
    assert search.query(index_dir, "coil", backend="tantivy", facets=False).total == 2
