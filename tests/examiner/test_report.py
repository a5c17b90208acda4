"""Report items and the PDF: numbers as printed, the 1,000-character limit, sections, fonts."""
from __future__ import annotations

import datetime as dt
import re
import zlib
from pathlib import Path

import pytest

from reviewapp.examiner.pdf import find_font, latin1, report_pdf
from reviewapp.examiner.report import concise_description, report_item, sections
from reviewapp.models import Document, Submission
from reviewapp.models.submission import FOREIGN, NPL, US


def submission(kind: str = US, raw: str = "US7123456B2", **fields) -> Submission:
    """Return an unsaved submission (report items read attributes only)."""
    fields.setdefault("explanation", "Relevant.")
    return Submission(id=fields.pop("id", 1), kind=kind, identifier=raw, identifier_raw=raw, **fields)


@pytest.mark.parametrize("kind, raw, expected", [
    (US, "US7123456B2", ("US", "7,123,456", "B2")),
    (US, "US20180000016A1", ("US", "2018/0000016", "A1")),
    (US, "USD512345S1", ("US", "D512,345", "S1")),
    (US, "USRE45678E", ("US", "RE45,678", "E")),
    (FOREIGN, "EP1234567A1", ("EP", "1234567", "A1")),
    (FOREIGN, "not a number", ("", "not a number", "")),
])
def test_patent_numbers_are_printed_as_on_the_form(kind, raw, expected):
    item = report_item(submission(kind, raw), None, 1)
    assert (item["country"], item["number"], item["kind_code"]) == expected


def test_item_copies_what_the_report_needs():
    source = submission(NPL, "doi:10.1000/x", title="Survey", authors="Lee, K.\nPark, J.", url="https://x.org/a",
                        pinpoint="p. 4", publication_date=dt.date(2001, 2, 3), explanation="  Shows it.  ")
    source.claims = []
    item = report_item(source, None, 4)
    assert item["rank"] == 4 and item["first_author"] == "Lee, K." and item["date"] == "2001-02-03"
    assert item["description"] == "Shows it." and item["score"] is None and item["model_version"] is None
    assert item["country"] == item["number"] == ""


def test_first_author_falls_back_to_the_library_document():
    source = submission(library_document=Document(inventors=["Ada Lovelace"], applicants=["Acme"]))
    assert report_item(source, None, 1)["first_author"] == "Ada Lovelace"


def test_concise_description_keeps_to_1000_characters_cut_at_a_word():
    text = "word " * 400
    short = concise_description(text)
    assert len(short) <= 1000 and short.endswith("word\u2026")
    assert concise_description("x" * 1000) == "x" * 1000
    assert len(concise_description("x" * 1001)) == 1000


def test_sections_group_by_kind_in_rank_order_and_cite_across_them():
    items = [{"kind": NPL, "rank": 1}, {"kind": US, "rank": 3}, {"kind": US, "rank": 2}, {"kind": "odd", "rank": 4}]
    result = sections(items)
    assert [s.kind for s in result] == [US, FOREIGN, NPL]
    assert [(c.number, c.item["rank"]) for s in result for c in s.documents] == [(1, 2), (2, 3), (3, 1), (4, 4)]
    assert result[1].documents == []


def test_latin1_transliteration():
    assert latin1("“Müller” — α ≤ 5…") == '"Müller" - ? ? 5...'
    assert latin1("ﬁ") == "fi"


def pdf_text(body: bytes) -> bytes:
    """Return the PDF's content streams, inflated."""
    streams = re.findall(rb"stream\r?\n(.*?)\r?\nendstream", body, re.DOTALL)
    out = b""
    for stream in streams:
        try:
            out += zlib.decompress(stream)
        except zlib.error:
            out += stream
    return out


def sample_sections():
    us = report_item(submission(US, "US7123456B2", authors="Smith, John", explanation="Coolant — loop ≥ 3.",
                                pinpoint="col. 3, l. 15-40"), None, 1)
    npl = report_item(submission(NPL, "npl:1", title="A survey", explanation="Pumps."), None, 2)
    for item in (us, npl):
        item["claims"] = [1]
    return sections([us, npl])


def test_pdf_with_core_font_transliterates_and_prints_the_lists():
    body = report_pdf(number="US20180000016A1", title="Cooling “batteries”", site="Open Prior Art",
                      sections=sample_sections(), frozen_at="Frozen 2024-01-01", model_version="v1", font_path=None)
    assert body.startswith(b"%PDF")
    text = pdf_text(body)
    for expected in (b"US20180000016A1", b"7,123,456", b"Smith, John", b"Coolant - loop ? 3.", b"A survey",
                     rb"\(claims 1\), at col. 3, l. 15-40:",  # the pinpoint, as the HTML report shows it
                     b"Foreign patent documents", b"None.", rb"35 U.S.C. 122\(e\)"):
        assert expected in text, expected


def test_pdf_with_a_unicode_font():
    font = find_font()
    if font is None:
        pytest.skip("no DejaVu Sans installed (Debian: fonts-dejavu-core)")
    body = report_pdf(number="US20180000016A1", title="Cooling αβγ", site="Open Prior Art",
                      sections=sample_sections(), frozen_at="Frozen", model_version="", font_path=font)
    assert body.startswith(b"%PDF") and b"DejaVu" in body and b"US20180000016A1" in body


def test_find_font_prefers_the_configured_file_and_ignores_a_missing_one(tmp_path):
    fake = tmp_path / "Face.ttf"
    fake.write_bytes(b"")
    assert find_font(str(fake)) == fake
    missing = find_font(str(tmp_path / "missing.ttf"))
    assert missing is None or missing.name == "DejaVuSans.ttf"
    assert find_font(None) is None or Path(find_font(None)).is_file()
