"""Bibliographic field formats: numbers, dates, classification symbols, categories."""
from __future__ import annotations

import datetime as dt

import pytest

from reviewapp.ingest.fields import (
    DocumentError,
    category,
    ipc_text,
    parse_date,
    publication_number,
    schema_version,
    uspc_text,
)


@pytest.mark.parametrize(("doc_number", "kind", "doc_type", "expected"), [
    ("20180000016", "A1", "application", "US20180000016A1"),
    ("20040000001", "A1", "application", "US20040000001A1"),
    ("08926509", "B2", "grant", "US8926509B2"),
    ("11147202", "B2", "grant", "US11147202B2"),
    ("D0512345", "S1", "grant", "USD512345S1"),
    ("PP012345", "P2", "grant", "USPP12345P2"),
    ("RE039876", "E", "grant", "USRE39876E"),
    ("H0002101", "H1", "grant", "USH2101H1"),
])
def test_publication_numbers(doc_number: str, kind: str, doc_type: str, expected: str) -> None:
    assert publication_number("US", doc_number, kind, doc_type) == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("  2 16", "2/16"), ("602 62", "602/62"), (" 24 305 S", "24/30.5S"), (" 24129 R", "24/129R"),
    ("2611221", "261/122.1"), ("D14125-134", "D14/125-134"), ("D 2916", "D2/916"),
    ("257E21006", "257/E21.006"), ("  2309-313", "2/309-313"), ("134031000", "134/31"),
    # 2021 files squeeze blanks away.
    ("37434", "37/434"), ("220 6", "220/6"), ("290 40 C", "290/40C"),
    ("None", ""), ("", ""),
])
def test_uspc_symbols(raw: str, expected: str) -> None:
    assert uspc_text(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("A41D013/00", "A41D 13/00"), ("G06F 17/30", "G06F 17/30"), ("B05D  136", "B05D 1/36"),
    ("A43B 2300", "A43B 23/00"), ("H01L 21461", "H01L 21/461"), ("7G06F 17/30", "G06F 17/30"),
])
def test_ipc_symbols(raw: str, expected: str) -> None:
    assert ipc_text(raw) == expected


def test_dates() -> None:
    assert parse_date("20050222") == dt.date(2005, 2, 22)
    assert parse_date("19740600") == dt.date(1974, 6, 1)  # old citations give month only
    assert [parse_date(text) for text in ("20050230", "2005", "", None)] == [None] * 4


def test_schema_versions() -> None:
    assert schema_version("v40 2004-12-02") == "v4.0"
    assert schema_version("v4.5 2014-04-03") == "v4.5"
    assert schema_version(None, "pap-v16-2002-01-01.dtd") == "v1.6"
    assert schema_version("", "us-patent-grant-v47-2022-02-17.dtd") == "v4.7"


def test_categories() -> None:
    assert [category(text) for text in (
        "cited by examiner", " Cited  by APPLICANT", "cited by third party", "cited by other",
        "unknown", None)] == ["cited by examiner", "cited by applicant",
                              "cited by third party", "cited by other", "", ""]


def test_document_error_positions_move_to_the_file() -> None:
    error = DocumentError("Opening and ending tag mismatch: b line 3 and i", line=4, column=9)
    assert error.located(100) == (
        "line 103, column 9: Opening and ending tag mismatch: b line 102 and i")
    assert DocumentError("unknown root element <x>").located(100) == "unknown root element <x>"
