"""Report items and the PDF: numbers as printed, the 1,000-character limit, sections, fonts.

The PDF also takes the longest fields the prior-art form admits: fpdf2 cannot draw a table row
taller than a page, and a frozen report that failed so would fail for good.
"""
from __future__ import annotations

import datetime as dt
import re
import zlib
from pathlib import Path

import pytest
from wtforms.validators import Length

from reviewapp.examiner.forwarding import close_and_freeze
from reviewapp.examiner.pdf import COLUMNS, find_font, latin1, report_pdf
from reviewapp.examiner.report import concise_description, report_item, sections
from reviewapp.models import Document, Submission
from reviewapp.models.submission import FOREIGN, MAX_EXPLANATION, NPL, US
from reviewapp.priorart.forms import SubmitPriorArtForm
from tests.factories import make_application, make_submission, make_user


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
    assert latin1("“Müller” — α ≤ 5…") == '"Müller" - [U+03B1] [U+2264] 5...'
    assert latin1("ﬁ") == "fi"


def pdf_text(body: bytes) -> bytes:
    """Return the PDF's content streams, inflated."""
    # Up to "endstream" with its line end left on: compressed bytes may themselves end in
    # "\r", which a pattern taking "\r\n" off would cut (then the page read as no text).
    # The inflater stops at the end of its data and leaves the line end aside.
    streams = re.findall(rb"stream\r?\n(.*?)endstream", body, re.DOTALL)
    out = b""
    for stream in streams:
        try:
            out += zlib.decompressobj().decompress(stream)
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
    for expected in (b"US20180000016A1", b"7,123,456", b"Smith, John", b"Coolant - loop [U+2265] 3.", b"A survey",
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


# --- the longest fields the form admits -----------------------------------------------------

FOOT_PT = 16 / 25.4 * 72  # report_pdf's bottom margin: only the footer prints below it
HEADINGS = {name for columns in COLUMNS.values() for name, _ in columns}
URL = "https://example.org/"


def form_limit(field: str) -> int:
    """Return the most characters the prior-art form admits in `field`."""
    if field == "explanation":
        return MAX_EXPLANATION  # checked by validate_explanation, not by a Length validator
    validators = getattr(SubmitPriorArtForm, field).kwargs["validators"]
    return next(validator.max for validator in validators if isinstance(validator, Length))


def longest(field: str, pattern: str, start: str = "") -> str:
    """Return `start` then `pattern` repeated, as long as the form admits in `field`, trimmed."""
    limit = form_limit(field)
    return (start + pattern * limit)[:limit].strip(" ;\n")


# Wide glyphs without a space (wrapped by the character), words, and one name or item a line.
LONGEST = {
    "wide": {
        "title": longest("title", "W"), "authors": longest("authors", "M"),
        "url": longest("url", "m", URL), "pinpoint": longest("pinpoint", "@"),
        "identifier": longest("identifier", "O"), "explanation": longest("explanation", "Q"),
    },
    "words": {
        "title": longest("title", "Battery cooling loop "),
        "authors": longest("authors", "".join(f"Author{i:03d}, A. B.; " for i in range(99))),
        "url": longest("url", "paper/", URL), "pinpoint": longest("pinpoint", "p. 12, l. 3-7; "),
        "identifier": longest("identifier", "Patent "),
        "explanation": longest("explanation", "Shows the coolant loop of claim 1. "),
    },
    "lines": {
        "title": longest("title", "Cooling\n"), "authors": longest("authors", "Lee, K.\n"),
        "url": longest("url", "x", URL), "pinpoint": longest("pinpoint", "p. 1\n"),
        "identifier": longest("identifier", "US 1\n"),
        "explanation": longest("explanation", "".join(f"Step {i}.\n" for i in range(200))),
    },
}


def printed(body: bytes) -> list[tuple[float, str]]:
    """Return the text blocks a core-font PDF prints, with their height above the page (pt)."""
    blocks = []
    for block in re.findall(rb"BT (.*?) ET", pdf_text(body), re.DOTALL):
        place = re.search(rb"[\d.]+ ([\d.]+) Td", block)
        if place is None:  # a font change, nothing printed
            continue
        strings = re.findall(rb"\(((?:\\.|[^\\)])*)\)", block)
        text = b"".join(re.sub(rb"\\(.)", rb"\1", string) for string in strings)
        blocks.append((float(place.group(1)), text.decode("latin-1")))
    return blocks


def squashed(text: str) -> str:
    """Return `text` without white space: lines broken anywhere still compare."""
    return "".join(text.split())


def body_text(body: bytes) -> str:
    """Return, squashed, what the PDF prints but its footers and the column headings it repeats.

    Asserts on the way that only the footer prints in the bottom margin: a row that overflowed
    its page would print there.
    """
    blocks = printed(body)
    assert all(" - page " in text for height, text in blocks if height < FOOT_PT)
    return squashed("".join(text for height, text in blocks
                            if height >= FOOT_PT and text not in HEADINGS))


def names(authors: str) -> str:
    """Return the author list as the PDF prints it in full: names separated by semicolons."""
    return "; ".join(" ".join(name.split()) for name in re.split(r"[;\n]", authors) if name.strip())


def without(fields: dict[str, str], *left_out: str) -> dict[str, str]:
    """Return `fields` without the keys `left_out`."""
    return {key: value for key, value in fields.items() if key not in left_out}


def longest_pdf(fields: dict[str, str], font_path: Path | None = None) -> bytes:
    """Return the PDF of a US, a foreign and an NPL document, each with these fields."""
    raw, rest = fields["identifier"], without(fields, "identifier")
    documents = [submission(US, raw, **rest), submission(FOREIGN, raw, **rest),
                 submission(NPL, raw, **rest)]
    items = [report_item(document, None, rank) for rank, document in enumerate(documents, 1)]
    for item in items:
        item["claims"] = [1, 2, 3]
    body = report_pdf(number="US20250025475A1", title="Cooling loops", site="Open Prior Art",
                      sections=sections(items), frozen_at="Frozen", model_version="v1",
                      font_path=font_path)
    assert body.startswith(b"%PDF") and body.rstrip().endswith(b"%%EOF")
    return body


def test_the_longest_fields_are_as_long_as_the_form_admits():
    for fields in LONGEST.values():
        for field, value in fields.items():
            assert form_limit(field) - 2 <= len(value) <= form_limit(field), (field, len(value))
    assert form_limit("url") == 2048 and form_limit("authors") == 1000


@pytest.mark.parametrize("shape", LONGEST)
def test_pdf_prints_the_longest_fields_in_full_without_a_row_taller_than_a_page(shape):
    fields = LONGEST[shape]
    text = body_text(longest_pdf(fields))
    # Cut in their narrow cells, the values are printed whole in the row below the document.
    for field in ("title", "url", "pinpoint", "identifier", "explanation"):
        assert squashed(fields[field]) in text, field
    assert squashed(f"Pages or URL: {fields['pinpoint']} {fields['url']}") in text
    assert squashed(f"Author: {names(fields['authors'])}") in text
    assert squashed(fields["url"][:59] + "...") in text  # the cell, cut as the HTML report does


@pytest.mark.parametrize("shape", ["words", "lines"])
def test_pdf_cites_many_authors_as_the_first_et_al(shape):
    first = names(LONGEST[shape]["authors"]).split("; ")[0]
    assert f"{first} et al." in [text for _, text in printed(longest_pdf(LONGEST[shape]))]


def test_pdf_with_a_unicode_font_takes_the_longest_fields():
    font = find_font()
    if font is None:
        pytest.skip("no DejaVu Sans installed (Debian: fonts-dejavu-core)")
    for fields in LONGEST.values():
        longest_pdf(fields, font)


def test_pdf_keeps_the_cells_of_a_short_document_whole():
    document = submission(NPL, "npl:1", title="A survey", authors="Lee, K.\nPark, J.",
                          pinpoint="pp. 12-14", url="https://example.org/survey.pdf")
    item = report_item(document, None, 1)
    item["claims"] = [1]
    body = report_pdf(number="US20180000016A1", title="Cooling", site="Open Prior Art",
                      sections=sections([item]), frozen_at="Frozen", model_version="v1",
                      font_path=None)
    blocks = [text for _, text in printed(body)]
    assert "Lee, K.; Park, J." in blocks and "A survey" in blocks
    assert "pp.12-14https://example.org/survey.pdfConcisedescription" in body_text(body)
    assert not any(text.startswith(("Author:", "Pages or URL:", "Title:")) for text in blocks)


@pytest.mark.parametrize("frozen", [False, True], ids=["preview", "frozen"])
@pytest.mark.parametrize("font", ["core", "unicode"])
def test_report_pdf_view_takes_the_longest_fields_the_form_admits(client, auth, db, monkeypatch,
                                                                   frozen, font):
    if font == "core":
        monkeypatch.setattr("reviewapp.examiner.views.find_font", lambda configured=None: None)
    elif find_font() is None:
        pytest.skip("no DejaVu Sans installed (Debian: fonts-dejavu-core)")
    fields = LONGEST["words"]
    application, volunteer = make_application(), make_user()
    make_submission(application, volunteer, kind="npl", identifier="npl:long",
                    **without(fields, "identifier"))
    make_submission(application, volunteer, identifier="US7123456",
                    identifier_raw=fields["identifier"], **without(fields, "identifier", "url"))
    if frozen:
        close_and_freeze(db.session, application)
    db.session.commit()
    auth.login(make_user("examiner"))
    response = client.get(f"/examiner/applications/{application.number}/report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    body = response.get_data()
    assert body.startswith(b"%PDF") and body.rstrip().endswith(b"%%EOF")
    if font == "core":  # the unicode font's text is glyph ids, not searchable here
        blocks = [text for _, text in printed(body)]
        assert ("Frozen" if frozen else "Preview") in blocks[3]
        assert "Author000, A. B. et al." in blocks
        text = body_text(body)
        for value in (names(fields["authors"]), fields["url"], fields["title"],
                      fields["identifier"], fields["explanation"]):
            assert squashed(value) in text
