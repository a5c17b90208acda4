"""The bulk writer of rebuilds: the same index as Whoosh's own writer, in one or more processes."""
from __future__ import annotations

import random
from pathlib import Path

import pytest
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.filedb.filestore import FileStorage

import search
from search import store
from search.backends.whoosh import bulk, reader, writer
from search.schema import build_schema, to_fields
from tests.search.conftest import make_doc

WORDS = ["gear", "shaft", "rotor", "battery", "cell", "anode", "cathode", "electrode", "signal", "antenna", "wireless", "encoder", "decoder", "frame", "packet", "valve", "piston", "pump", "sensor", "heat", "fluid", "lens", "image", "pixel", "charge", "voltage", "current", "layer", "substrate", "film", "coating", "polymer"]


def corpus(n: int, seed: int = 7) -> list[dict]:
    """Return n documents of random text, a few with repeated words and empty fields."""
    rng = random.Random(seed)

    def text(words: int) -> str:
        return " ".join(rng.choice(WORDS) for _ in range(words))

    return [make_doc(f"US{9000000 + i}B2", title=text(rng.randint(0, 6)),
                     abstract=text(rng.randint(5, 40)), claims=text(rng.randint(0, 80)),
                     # a rare word per document: short posting lists, kept in the term index
                     description=f"{text(rng.randint(50, 600))} model{i // 3}x",
                     cpc=[rng.choice(["H04L 9/32", "F16H 1/28", "H01M 10/0525"])],
                     tags=rng.sample(["gears", "batteries", "radio"], rng.randint(0, 2)))
            for i in range(n)]


def whoosh_index(path: Path, docs: list[dict]):
    """Build an index with Whoosh's own single-segment writer, as the reference."""
    path.mkdir()
    ix = FileStorage(str(path)).create_index(build_schema())
    with ix.writer() as w:
        for doc in docs:
            w.add_document(**to_fields(doc))
    return ix


def bulk_index(path: Path, docs: list[dict], procs: int = 1, limit_mb: int = 256):
    """Build an index with the bulk writer."""
    path.mkdir()
    ix = FileStorage(str(path)).create_index(build_schema())
    count = bulk.bulk_write(ix, (to_fields(doc) for doc in docs), procs=procs, limit_mb=limit_mb)
    assert count == len(docs)
    return ix


def postings(ix) -> dict[tuple[str, bytes], list[tuple[str, float, bytes]]]:
    """Return every posting of every term, keyed by document id rather than number."""
    found = {}
    with ix.searcher() as s:
        r = s.reader()
        ids = {n: s.stored_fields(n)["id"] for n in r.all_doc_ids()}
        for field, text in r.all_terms():
            matcher, rows = r.postings(field, text), []
            while matcher.is_active():
                rows.append((ids[matcher.id()], matcher.weight(), matcher.value()))
                matcher.next()
            found[field, text] = sorted(rows)
    return found


def term_stats(ix) -> dict[tuple[str, bytes], tuple]:
    """Return each term's statistics as its term info records them."""
    with ix.searcher() as s:
        r = s.reader()
        return {(field, text): _info(r.term_info(field, text)) for field, text in r.all_terms()}


def _info(info) -> tuple:
    """Return the comparable statistics of a term info."""
    return (info.weight(), info.doc_frequency(), info.min_length(), info.max_length(),
            info.max_weight())


def block_stats(ix) -> dict[tuple[str, bytes], list[tuple]]:
    """Return per term the statistics of each posting block (what block-max skipping uses)."""
    found = {}
    with ix.searcher() as s:
        for leaf, _ in s.reader().leaf_readers():
            for field, text in leaf.all_terms():
                matcher, blocks = leaf.postings(field, text), []
                if not isinstance(matcher, W3LeafMatcher):  # inlined in the term index
                    assert len(list(matcher.all_ids())) < bulk.INLINE_LIMIT
                    found[field, text] = "inlined"
                    continue
                while matcher.is_active():
                    blocks.append((matcher.block_min_id(), matcher.block_max_id(),
                                   matcher.block_min_length(), matcher.block_max_length(),
                                   matcher.block_max_weight()))
                    matcher._next_block()
                found[field, text] = blocks
    return found


def assert_same_blocks(built: dict, reference: dict) -> None:
    """Blocks match Whoosh's, except short lists the bulk writer keeps in the term index."""
    assert built.keys() == reference.keys()
    inlined = [key for key, blocks in built.items() if blocks == "inlined"]
    assert inlined and len(inlined) < len(built)  # both kinds occur
    for key in inlined:
        assert len(reference[key]) == 1  # one short block in Whoosh's own index
    assert {k: v for k, v in built.items() if v != "inlined"} == {
        k: v for k, v in reference.items() if built[k] != "inlined"}


def test_bulk_writer_writes_the_same_postings_and_statistics_as_whoosh(tmp_path):
    docs = corpus(300)
    reference, built = whoosh_index(tmp_path / "whoosh", docs), bulk_index(tmp_path / "bulk", docs)
    expected = postings(reference)
    assert len(expected) > 100
    assert postings(built) == expected
    assert term_stats(built) == term_stats(reference)
    assert_same_blocks(block_stats(built), block_stats(reference))
    with reference.searcher() as a, built.searcher() as b:
        for field in ("title", "abstract", "claims", "description"):
            assert b.reader().field_length(field) == a.reader().field_length(field)
        assert b.doc_count() == a.doc_count() == 300
        assert ([h["id"] for h in b.find("description", "gear rotor", limit=10)]
                == [h["id"] for h in a.find("description", "gear rotor", limit=10)])


def test_long_posting_lists_span_several_blocks(tmp_path):
    docs = corpus(400, seed=3)  # common words: posting lists longer than Whoosh's 128 per block
    reference, built = whoosh_index(tmp_path / "whoosh", docs), bulk_index(tmp_path / "bulk", docs)
    with built.searcher() as s:
        assert s.reader().doc_frequency("description", "gear") > 300
    assert_same_blocks(block_stats(built), block_stats(reference))
    assert postings(built) == postings(reference)


def test_memory_limit_starts_new_segments_without_losing_documents(tmp_path, monkeypatch):
    monkeypatch.setattr(bulk, "BYTES_PER_POSTING", 50_000)  # ~20 postings per "megabyte"
    docs = corpus(200)
    built = bulk_index(tmp_path / "bulk", docs, limit_mb=1)
    assert len(built._segments()) > 1
    assert postings(built) == postings(whoosh_index(tmp_path / "whoosh", docs))


def test_worker_processes_build_one_index(tmp_path, monkeypatch):
    monkeypatch.setattr(bulk, "IN_PROCESS_LIMIT", 50)
    docs = corpus(260)
    built = bulk_index(tmp_path / "bulk", docs, procs=2)
    # How many segments there are depends on which worker takes each batch first: on a busy
    # machine one worker can take them all before the other has started (seen in CI).
    assert built._segments()
    assert postings(built) == postings(whoosh_index(tmp_path / "whoosh", docs))


def test_worker_failure_is_raised_and_leaves_no_index_behind(tmp_path, monkeypatch):
    monkeypatch.setattr(bulk, "IN_PROCESS_LIMIT", 20)
    docs = [to_fields(doc) for doc in corpus(60)]
    docs[45]["unknown_field"] = "x"  # the worker's writer refuses it
    (tmp_path / "bulk").mkdir()
    ix = FileStorage(str(tmp_path / "bulk")).create_index(build_schema())
    with pytest.raises(bulk.WorkerError, match="unknown_field"):
        bulk.bulk_write(ix, iter(docs), procs=2, limit_mb=256)
    assert ix.doc_count_all() == 0


def test_rebuild_uses_workers_and_searches_as_before(tmp_path, monkeypatch):
    monkeypatch.setattr(bulk, "IN_PROCESS_LIMIT", 30)
    monkeypatch.setattr(writer, "BULK_PROCS", 2)
    docs = corpus(120)
    seen = []
    index_dir = tmp_path / "index"
    assert search.rebuild(index_dir, docs, progress=seen.append) == 120
    assert seen[-1] == 120 and seen == sorted(seen)
    results = search.query(index_dir, "gear", pagelen=200)
    expected = {d["id"] for d in docs if "gear" in " ".join(
        (d["title"], d["abstract"], d["claims"], d["description"])).split()}
    assert {hit.id for hit in results.hits} == expected
    assert search.check(index_dir, {d["id"]: d["stamp"] for d in docs}).ok
    reader.close_all()
    assert store.current_generation(index_dir) is not None
