"""The parser processes' side of an import: parse and analyse without Flask or a database."""
from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

from reviewapp.ingest.records import PatentRecord, class_symbols
from reviewapp.ingest.searchable import parsed_search_record, stamp_of

from .samples import grant, write

# What an import's parser process runs (after re-importing the `reviewapp` console script, as
# multiprocessing does): it must load neither the web framework nor the ORM (they were most of
# each process's memory).
WORKER = """
import json, sys
from reviewapp.__main__ import main
from reviewapp.ingest import read_raw
from reviewapp.ingest.pool import parse_chunk
from reviewapp.ingest.searchable import prepare_parsed
from functools import partial
raws = list(read_raw([sys.argv[1]]))
results, _cpu, _peak = parse_chunk(raws, partial(prepare_parsed, backend=sys.argv[2]))
print(json.dumps({"ids": [extra.prepared.id for _item, _hash, extra in results],
                  "loaded": sorted(m for m in ("flask", "sqlalchemy", "sklearn", "werkzeug")
                                   if m in sys.modules)}))
"""


def test_a_parser_process_loads_neither_flask_nor_sqlalchemy(tmp_path: Path) -> None:
    path = write(tmp_path / "one.xml", grant("07000001"), grant("07000002"))
    for backend in ("whoosh", "tantivy"):
        done = subprocess.run([sys.executable, "-c", WORKER, str(path), backend],
                              capture_output=True, text=True, check=True)
        found = json.loads(done.stdout)
        assert found == {"ids": ["US7000001B2", "US7000002B2"], "loaded": []}


def test_class_symbols_are_each_stored_once_and_cut_to_the_column() -> None:
    long = "A01B " + "1" * 70
    record = PatentRecord(doc_type="grant", country="US", doc_number="07000001", kind="B2",
                          publication_number="US7000001B2", publication_date=None, title="t",
                          cpc=["H04L 9/32", long, "H04L 9/32", long + "9"])
    assert class_symbols(record, "cpc") == ["H04L 9/32", long[:64]]
    entry = parsed_search_record(record)
    assert entry["cpc"] == ["H04L 9/32", long[:64]]
    assert entry["status"] == "library" and entry["stamp"] == stamp_of(
        {key: value for key, value in entry.items() if key != "stamp"})


def test_an_imported_application_starts_pending_as_the_model_says() -> None:
    # The constant is repeated so that the parser processes need not import the models.
    from reviewapp.ingest.searchable import IMPORTED_APPLICATION_STATUS
    from reviewapp.models.application import PENDING

    assert IMPORTED_APPLICATION_STATUS == PENDING


def test_the_stamp_changes_with_every_indexed_value_and_not_with_key_order():
    """The stamp digests each value after its type and length: text moved between fields,
    a date, a tag or a status changes it; the order the keys were added in does not."""
    entry = {"id": "US1B2", "title": "ab", "abstract": "c", "tags": ["x"], "status": "library",
             "publication_date": dt.date(2011, 8, 16), "priority_date": None}
    stamp = stamp_of(entry)
    assert stamp_of(dict(reversed(list(entry.items())))) == stamp
    for change in ({"title": "a", "abstract": "bc"}, {"tags": ["x", ""]}, {"status": "open"},
                   {"publication_date": dt.date(2011, 8, 17)}, {"priority_date": dt.date(2011, 8, 16)}):
        assert stamp_of(entry | change) != stamp, change
