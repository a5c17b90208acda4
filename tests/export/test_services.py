"""Export queries: lazy, streamed with server-side cursors, filters checked."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event

from reviewapp.examiner.verdicts import record_feedback
from reviewapp.export.services import (
    KINDS,
    YIELD_PER,
    ExportError,
    ExportFilters,
    export_query,
    iter_export,
    parse_cpc,
    parse_since,
)
from reviewapp.extensions import db
from tests.factories import make_application, make_submission, make_user


def test_rows_are_fetched_lazily_in_batches_with_a_streaming_cursor(corpus):
    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if "FROM submissions" in statement:
            seen.append(context.execution_options)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        header, rows = iter_export(db.session, "submissions", ExportFilters())
        assert seen == []  # nothing runs until the first row is wanted
        first = next(rows)
        assert len(seen) == 1
        assert seen[0]["yield_per"] == YIELD_PER
        # yield_per implies stream_results: a server-side cursor on PostgreSQL.
        assert seen[0]["stream_results"] is True
        assert first[header.index("identifier")] == "US7000001B2"
        assert len(list(rows)) == 3
    finally:
        event.remove(engine, "before_cursor_execute", record)


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_has_a_header_matching_its_rows(corpus, kind):
    header, rows = iter_export(db.session, kind, ExportFilters())
    rows = list(rows)
    assert rows and all(len(row) == len(header) for row in rows)
    assert len(set(header)) == len(header)
    assert "email" not in header


def test_unknown_kind():
    with pytest.raises(ExportError, match="Unknown export 'users'"):
        export_query("users", ExportFilters())


@pytest.mark.parametrize("text, expected", [
    ("", None), ("  ", None), (None, None), ("2024-02-29", dt.date(2024, 2, 29)),
    (" 2024-01-31 ", dt.date(2024, 1, 31)),
])
def test_parse_since(text, expected):
    assert parse_since(text) == expected


@pytest.mark.parametrize("text", ["2023-02-29", "20240131", "31/01/2024", "2024-1-31", "tomorrow",
                                  "2024-01-31T00:00"])
def test_parse_since_refuses_anything_but_a_real_day(text):
    with pytest.raises(ExportError, match="is not a date: write it as YYYY-MM-DD"):
        parse_since(text)


@pytest.mark.parametrize("text, expected", [
    ("h04l", "H04L"), ("H04L 9", "H04L9/"), ("H04L 9/32", "H04L9/32"), ("", None), (None, None),
])
def test_parse_cpc(text, expected):
    assert parse_cpc(text) == expected


@pytest.mark.parametrize("text", ["ZZZ", "H04L%", "H04L_", "x" * 33, "=1+1"])
def test_parse_cpc_refuses_what_is_no_class(text):
    with pytest.raises(ExportError):
        parse_cpc(text)


def test_identifiers_carry_their_kind_codes(app, db):
    application = make_application()
    volunteer, examiner = make_user(), make_user("examiner")
    cited = make_submission(application, volunteer, identifier="US7123456", identifier_raw="US7123456B2")
    make_submission(application, volunteer, kind="npl", identifier="doi:10.1000/xyz", identifier_raw="Smith 2011")
    record_feedback(db.session, cited, examiner, "relevant", "")
    db.session.commit()
    header, rows = iter_export(db.session, "submissions", ExportFilters())
    assert sorted(row[header.index("identifier")] for row in rows) == ["US7123456B2", "doi:10.1000/xyz"]
    header, rows = iter_export(db.session, "feedback", ExportFilters())
    assert [row[header.index("identifier")] for row in rows] == ["US7123456B2"]
