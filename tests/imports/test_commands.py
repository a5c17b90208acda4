"""`reviewapp import` end to end: summaries, searchable without a worker, re-imports, inputs."""
from __future__ import annotations

import gc
import json
import shutil
import threading
import time

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

import search
from reviewapp import indexing, tasks
from reviewapp.imports import services
from reviewapp.imports.services import IndexPipeline
from reviewapp.indexing import (
    check_index,
    documents_query,
    index_dir,
    search_backend,
    search_record,
    sync_imported,
)
from reviewapp.ingest import PatentRecord, pool, read_documents
from reviewapp.ingest.loader import import_files, record_hash
from reviewapp.ingest.searchable import PreparedRecord, parsed_search_record, prepare_parsed
from reviewapp.models import Claim, Document, Reference, User
from reviewapp.models.submission import submission_claims
from tests.factories import make_application, make_submission, make_user
from tests.ingest.samples import grant, write, zip_bytes


@pytest.fixture
def no_queue(monkeypatch):
    """Make any use of the job queue fail the test: the import must index by itself."""
    def refuse(*args, **kwargs):
        raise AssertionError(f"the import used the job queue: {args}")

    monkeypatch.setattr(tasks, "enqueue", refuse)


def run_json(runner, *paths) -> dict:
    result = runner.invoke(args=["import", "--json", *map(str, paths)])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def titles(number: str) -> list[str]:
    return [hit.title for hit in search.query(index_dir(), f'id:"{number}"').hits]


def test_real_grants_are_searchable_when_the_command_returns_without_a_worker(runner, db, uspto_dir, no_queue):
    result = runner.invoke(args=["import", str(uspto_dir / "grants")])
    assert result.exit_code == 0, result.output
    assert check_index().ok
    count = db.session.scalar(select(func.count()).select_from(Document))
    assert search.query(index_dir(), "*").total == count == 228
    assert "Imported 228 grants and 0 applications (228 new, 0 updated, 0 unchanged): US" in result.output
    assert "skipped 5 (5 sequence listings); 0 errors." in result.output


def test_a_second_import_of_the_same_bytes_parses_nothing(runner, db, uspto_dir, monkeypatch, no_queue):
    first = run_json(runner, uspto_dir / "grants")
    parsed = []
    original = pool.parse_chunk
    monkeypatch.setattr(pool, "parse_chunk", 
                        lambda chunk, prepare=None: parsed.append(len(chunk)) or original(chunk, prepare))
    again = run_json(runner, uspto_dir / "grants")
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, first["created"])
    assert again["grants"] == first["grants"] and again["skipped_kinds"] == {"sequence listing": 5}
    assert parsed == []
    assert check_index().ok


def test_a_later_version_updates_the_document_and_its_index_entry(runner, db, tmp_path, no_queue):
    run_json(runner, write(tmp_path / "a.xml", grant("07000001", title="Old widget")))
    summary = run_json(runner, write(tmp_path / "b.xml", grant("07000001", title="New widget")))
    assert (summary["updated"], summary["created"], summary["first_numbers"]) == (1, 0, ["US7000001B2"])
    assert titles("US7000001B2") == ["New widget"] and check_index().ok


def test_an_update_keeps_the_claims_volunteers_linked_to(runner, db, tmp_path):
    run_json(runner, write(tmp_path / "a.xml", grant("07000001")))
    grant_of = select(Document).where(Document.publication_number == "US7000001B2")
    document = db.session.scalar(grant_of)
    submission = make_submission(make_application(), make_user(), identifier="US7000001", claim_numbers=())
    db.session.execute(submission_claims.insert().values(submission_id=submission.id,
                                                          claim_id=document.claims[0].id))
    db.session.commit()
    claim_ids = [claim.id for claim in document.claims]
    run_json(runner, write(tmp_path / "b.xml", grant("07000001", title="Renamed")))
    db.session.expire_all()
    assert [claim.id for claim in db.session.scalar(grant_of).claims] == claim_ids
    assert db.session.scalar(select(func.count()).select_from(submission_claims)) == 1


def test_one_bad_document_is_named_with_file_and_position_and_the_rest_stored(runner, db, tmp_path, no_queue):
    path = write(tmp_path / "ipg.xml", grant("07000001"), grant("07000002", title="<b>broken"),
                 grant("07000003"))
    result = runner.invoke(args=["import", str(path)])
    assert "Imported 2 grants" in result.output and "1 error." in result.output
    assert f"error: {path} document 2 (line" in result.output and "malformed XML" in result.output
    assert db.session.scalars(select(Document.publication_number).order_by(Document.id)).all() == [
        "US7000001B2", "US7000003B2"]
    assert check_index().ok


def test_a_file_named_is_read_whatever_its_extension(runner, db, tmp_path):
    plain = write(tmp_path / "weekly.txt", grant("07000001"))
    upper = write(tmp_path / "IPG.XML", grant("07000002"))
    disguised = tmp_path / "archive.dat"
    disguised.write_bytes(zip_bytes({"ipg.xml": grant("07000003")}))
    xml_named_zip = write(tmp_path / "mislabelled.zip", grant("07000004"))
    summary = run_json(runner, plain, upper, disguised, xml_named_zip)
    assert (summary["grants"], summary["errors"]) == (4, [])


def test_directories_are_searched_for_xml_and_zip_in_any_letter_case(runner, db, tmp_path):
    write(tmp_path / "A.XML", grant("07000001"))
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "B.Zip").write_bytes(zip_bytes({"b.XML": grant("07000002")}))
    write(tmp_path / "notes.txt", grant("07000009"))  # only named files are read whatever they are
    summary = run_json(runner, tmp_path)
    assert summary["first_numbers"] == ["US7000001B2", "US7000002B2"]


def test_parser_processes_give_what_one_process_gives(db, uspto_dir, tmp_path):
    source = uspto_dir / "grants" / "ipg130416.small.xml"
    shutil.copy(source, tmp_path / "ipg.xml")
    summary = import_files(db.session, [tmp_path / "ipg.xml"], batch_size=50, workers=2)
    expected = {item.publication_number: record_hash(item)
                for item in read_documents([tmp_path / "ipg.xml"]) if isinstance(item, PatentRecord)}
    stored = dict(db.session.execute(select(Document.publication_number, Document.content_hash)).all())
    assert stored == expected and summary.created == len(expected)


def test_references_are_keyed_by_their_normalised_number_on_import(runner, db, uspto_dir):
    run_json(runner, uspto_dir / "grants" / "ipg130416.small.xml")
    rows = db.session.execute(select(Reference.country, Reference.number, Reference.normalised_number)
                              .where(Reference.kind == "patent", Reference.country == "US")).all()
    assert rows and all(key == "US" + number.lstrip("0") for country, number, key in rows
                        if number.isdigit() and len(number) <= 8)
    assert db.session.scalar(select(func.count()).select_from(Claim)) > 0


def test_records_analysed_in_the_parser_processes_match_the_database(runner, db, uspto_dir, no_queue):
    run_json(runner, uspto_dir / "grants")
    stored = {doc.publication_number: search_record(doc)
              for doc in db.session.scalars(documents_query())}
    records = [item for item in read_documents([uspto_dir / "grants"]) if isinstance(item, PatentRecord)]
    assert len(records) == len(stored) == 228
    for record in records:
        # Claims out of order, repeated claims and classes: as the database gives them back.
        assert parsed_search_record(record) == stored[record.publication_number]


def test_a_document_changed_after_it_was_analysed_is_indexed_as_stored(runner, db, tmp_path, no_queue):
    run_json(runner, write(tmp_path / "a.xml", grant("07000001", title="Stored widget")))
    document = db.session.scalars(select(Document)).one()
    [older] = [item for item in read_documents([write(tmp_path / "b.xml", grant("07000001", title="Older widget"))])]
    stale = prepare_parsed(older, record_hash(older), search_backend())
    assert sync_imported({document.id: stale}) == 1
    assert titles("US7000001B2") == ["Stored widget"]
    application = make_application(status="open", title="Reviewed gadget")
    db.session.commit()
    assumed = PreparedRecord(application.document.content_hash, "pending",
                             search.prepare(search_record(application.document) | {"status": "pending"},
                                            backend=search_backend()))
    sync_imported({application.document_id: assumed})
    assert search.query(index_dir(), "gadget", filters={"status": "open"}).total == 1
    assert check_index().ok


def test_the_index_thread_takes_the_batches_waiting_in_one_write(app, monkeypatch):
    calls: list[list[int]] = []
    release = threading.Event()

    def slow_sync(batch):
        calls.append(sorted(batch))
        release.wait(10)
        return len(batch)

    monkeypatch.setattr(indexing, "sync_imported", slow_sync)
    with IndexPipeline(app, min_documents=1) as pipeline:
        pipeline({1: None})
        while not calls:
            time.sleep(0.01)
        pipeline({2: None})
        pipeline({3: None, 2: "later"})
        release.set()
    assert calls == [[1], [2, 3]]


def test_the_index_thread_gathers_batches_into_larger_writes_but_never_waits_long(app, monkeypatch):
    """Small batches are written together (fewer segments); one that waited max_wait is
    written alone; what is left at the end is written before close() returns."""
    calls: list[tuple[list[int], float]] = []
    started = time.monotonic()
    monkeypatch.setattr(indexing, "sync_imported",
                        lambda batch: calls.append((sorted(batch), time.monotonic() - started)))
    with IndexPipeline(app, min_documents=4, max_wait=0.5) as pipeline:
        for number in range(1, 5):
            pipeline({number: None})  # 1-4 make one write, at once
        while not calls:
            time.sleep(0.01)
        put = time.monotonic() - started
        pipeline({5: None})  # alone: written when it has waited max_wait
        while len(calls) < 2:
            time.sleep(0.01)
        pipeline({6: None})
    assert [ids for ids, _ in calls] == [[1, 2, 3, 4], [5], [6]]
    assert calls[0][1] < 0.5 and calls[1][1] - put >= 0.5


def test_an_import_runs_the_collector_less_often_and_puts_the_threshold_back(db, tmp_path, monkeypatch):
    """The young generation's threshold is raised while the import runs, restored after,
    even when the import fails."""
    before = gc.get_threshold()
    seen: list[tuple[int, int, int]] = []

    def failing(*args, **kwargs):
        seen.append(gc.get_threshold())
        raise RuntimeError("the disk went away")

    monkeypatch.setattr(services, "import_files", failing)
    with pytest.raises(RuntimeError, match="the disk went away"):
        services.import_paths(db.session, [str(tmp_path)])
    assert seen == [(services.GC_YOUNG_THRESHOLD, *before[1:])]
    assert gc.get_threshold() == before


def test_memory_is_handed_back_after_every_batch_and_progress_still_reported(db, app, tmp_path, monkeypatch):
    trims: list[int] = []
    reports: list[int] = []
    monkeypatch.setattr(services, "release_memory", lambda: trims.append(1))
    app.config["IMPORT_BATCH_SIZE"] = 1
    path = write(tmp_path / "three.xml", *(grant(f"0700000{n}") for n in (1, 2, 3)))
    summary = services.import_paths(db.session, [str(path)],
                                    progress=lambda read, so_far: reports.append(so_far.documents))
    assert summary.documents == 3
    assert reports[-1] == 3 and len(reports) >= 3
    # One per batch written, besides the index thread's own after each of its writes.
    assert len(trims) >= len(reports)


def test_the_import_hands_over_a_whole_index_write_of_batches_without_waiting(app, monkeypatch):
    """While the index thread writes (and merges), the import can hand it the batches of a
    whole next write: the import and its parser processes go on meanwhile."""
    one_write = -(-services.INDEX_MIN_DOCUMENTS // app.config["IMPORT_BATCH_SIZE"])
    release = threading.Event()
    monkeypatch.setattr(indexing, "sync_imported", lambda batch: release.wait(10))
    with IndexPipeline(app, min_documents=1) as pipeline:
        pipeline({0: None})
        time.sleep(0.1)  # the index thread took it and is busy writing
        started = time.monotonic()
        for number in range(1, one_write + 1):
            pipeline({number: None})
        waited = time.monotonic() - started
        release.set()
    assert waited < 1


def test_imports_running_at_once_put_the_collector_back_when_the_last_ends():
    before = gc.get_threshold()
    first, second = services.fewer_collections(), services.fewer_collections()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert gc.get_threshold()[0] == services.GC_YOUNG_THRESHOLD  # the second still runs
    second.__exit__(None, None, None)
    assert gc.get_threshold() == before


def test_a_write_elsewhere_during_a_batch_waits_for_it_instead_of_failing_it(db, app, tmp_path, monkeypatch):
    """SQLite: a batch reads (which of its documents are stored) before it writes; a commit by
    another connection in between (a page, the job queue) used to fail the batch at once."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL locks rows, not the database")
    from reviewapp.ingest import writer

    user = make_user(name="Before")
    db.session.commit()
    elsewhere: list[threading.Thread] = []
    original = writer._insert_documents

    def write_elsewhere() -> None:
        with app.app_context(), db.engine.begin() as connection:
            connection.execute(sa.update(User).where(User.id == user.id).values(display_name="After"))

    def insert_after_a_write_elsewhere(session, new):
        if not elsewhere:  # the batch has read: another connection writes now
            elsewhere.append(threading.Thread(target=write_elsewhere))
            elsewhere[0].start()
            elsewhere[0].join(timeout=1)
        return original(session, new)

    monkeypatch.setattr(writer, "_insert_documents", insert_after_a_write_elsewhere)
    summary = services.import_paths(db.session, [str(write(tmp_path / "a.xml", grant("07000001")))])
    elsewhere[0].join(timeout=30)
    assert (summary.created, summary.errors) == (1, [])
    db.session.expire_all()
    assert db.session.get(User, user.id).display_name == "After"  # it waited, then wrote


def test_an_import_exits_1_when_a_file_is_missing_and_still_imports_the_others(runner, db, tmp_path):
    good = write(tmp_path / "good.xml", grant("07000001"))
    result = runner.invoke(args=["import", str(tmp_path / "missing.xml"), str(good)])
    assert result.exit_code == 1
    assert f"error: {tmp_path / 'missing.xml'} document 0: file not found" in result.stderr
    assert "1 file(s) could not be read or held no document: see the errors above." in result.stderr
    assert "Imported 1 grant" in result.stdout
    assert db.session.scalars(select(Document.publication_number)).all() == ["US7000001B2"]


@pytest.mark.parametrize("name, content, message", [
    ("junk.xml", b"this is not XML at all\n", "Nothing was imported: no document could be read (see the errors above)."),
    ("blank.xml", b"  \n\n", "1 file(s) could not be read or held no document: see the errors above."),
    ("noxml.zip", zip_bytes({"ipg130416.sgml": "<!DOCTYPE us-patent-grant>"}),
     "1 file(s) could not be read or held no document: see the errors above."),
])
def test_an_import_that_read_nothing_exits_1_and_says_why(runner, db, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    result = runner.invoke(args=["import", "--json", str(path)])
    assert result.exit_code == 1 and message in result.stderr
    assert json.loads(result.stdout)["grants"] == 0  # stdout stays one JSON object


def test_an_import_of_a_folder_without_files_exits_1(runner, db, tmp_path):
    (tmp_path / "notes.txt").write_text("not read")
    result = runner.invoke(args=["import", str(tmp_path)])
    assert result.exit_code == 1
    assert ("Nothing was imported: no document could be read (no .xml or .zip file under the paths "
            "given).") in result.stderr


def test_a_document_refused_on_its_own_leaves_the_exit_status_0(runner, db, tmp_path):
    path = write(tmp_path / "ipg.xml", grant("07000001"), grant("07000002", title="<b>broken"))
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 0 and "1 error." in result.stdout and "malformed XML" in result.stderr
