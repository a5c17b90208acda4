"""Hostile and broken documents: each yields a clear ParseError while its neighbours still parse."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from reviewapp.ingest import DocumentError, PatentRecord, parse_document, read_documents
from reviewapp.ingest.records import ParseError, SkippedDocument

from .samples import grant, line_of, write

BILLION_LAUGHS = """<!DOCTYPE us-patent-grant [
<!ENTITY lol "lol">
<!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>"""


def _sandwich(tmp_path: Path, middle: str) -> tuple[Path, str, list]:
    """Write good, middle, good into one file and read it."""
    text = grant("07000001") + middle + grant("07000003")
    path = write(tmp_path / "week.xml", text)
    return path, text, list(read_documents([path]))


def _assert_neighbours_parse(items: list) -> ParseError:
    """Check the first and last documents were read and return the middle error."""
    assert [type(item) for item in items] == [PatentRecord, ParseError, PatentRecord]
    assert [items[0].publication_number, items[2].publication_number] == [
        "US7000001B2", "US7000003B2"]
    assert (items[0].position, items[2].position) == (1, 3)
    return items[1]


def test_malformed_document_reports_file_document_and_line(tmp_path: Path) -> None:
    broken = grant("07000002", body="Tags <b>cross</i> here.")
    path, text, items = _sandwich(tmp_path, broken)
    error = _assert_neighbours_parse(items)
    start = grant("07000001").count("\n") + 1
    bad_line = line_of(text, "Tags <b>cross</i>")
    assert (error.file, error.document, error.line) == (str(path), 2, start)
    assert error.error.startswith(f"line {bad_line}, column ")
    assert "Opening and ending tag mismatch" in error.error
    assert f"b line {bad_line}" in error.error  # lxml's own line reference, made file-relative


def test_truncated_last_document(tmp_path: Path) -> None:
    second = grant("07000002")
    text = grant("07000001") + second[:second.index("The widget of")]
    path = write(tmp_path / "cut.xml", text)
    items = list(read_documents([path]))
    assert isinstance(items[0], PatentRecord)
    error = items[1]
    start = grant("07000001").count("\n") + 1
    assert isinstance(error, ParseError) and (error.document, error.line) == (2, start)
    assert "malformed XML" in error.error and "Premature end of data" in error.error


def test_billion_laughs_is_refused_before_parsing(tmp_path: Path) -> None:
    bomb = grant("07000002", title="&lol9;", doctype=BILLION_LAUGHS)
    started = time.perf_counter()
    _path, _text, items = _sandwich(tmp_path, bomb)
    assert time.perf_counter() - started < 5
    error = _assert_neighbours_parse(items)
    assert error.document == 2
    assert "declares entity &lol;" in error.error and "refused" in error.error


def test_external_entity_is_never_fetched(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    doctype = f'<!DOCTYPE us-patent-grant [<!ENTITY xxe SYSTEM "file://{secret}">]>'
    _path, _text, items = _sandwich(tmp_path, grant("07000002", title="&xxe;", doctype=doctype))
    error = _assert_neighbours_parse(items)
    assert "external entity &xxe;" in error.error and "never fetched" in error.error
    assert "TOP-SECRET-CONTENT" not in repr(items)


def test_parameter_entity_is_refused(tmp_path: Path) -> None:
    doctype = ('<!DOCTYPE us-patent-grant [<!ENTITY % remote SYSTEM '
               '"http://127.0.0.1:9/evil.dtd"> %remote;]>')
    _path, _text, items = _sandwich(tmp_path, grant("07000002", doctype=doctype))
    assert "parameter entity %remote" in _assert_neighbours_parse(items).error


def test_undeclared_entity_reference_without_doctype_stays_text() -> None:
    doctype = '<!DOCTYPE us-patent-grant SYSTEM "http://127.0.0.1:9/never-loaded.dtd">'
    record = parse_document(grant(title="&xxe; at 25&deg;C &amp; &lgr;", doctype=doctype).encode())
    assert record is not None and record.title == "&xxe; at 25°C & λ"


def test_unparsed_image_entities_are_harmless() -> None:
    doctype = ('<!DOCTYPE us-patent-grant SYSTEM "x.dtd" [\n'
               '<!ENTITY US07000001-D00001.TIF SYSTEM "US07000001-D00001.TIF" NDATA TIF>\n]>')
    text = grant(doctype=doctype, body="Line three\n<i>broken</b>")
    with pytest.raises(DocumentError) as caught:
        parse_document(text.encode())
    # The DOCTYPE's three lines are kept as blank lines: positions still match the input.
    assert caught.value.line == line_of(text, "<i>broken</b>")
    assert parse_document(grant(doctype=doctype).encode()) is not None


def test_unknown_root_element(tmp_path: Path) -> None:
    other = '<?xml version="1.0"?>\n<!DOCTYPE us-trademark SYSTEM "tm.dtd">\n<us-trademark/>\n'
    _path, _text, items = _sandwich(tmp_path, other)
    assert _assert_neighbours_parse(items).error == "unknown root element <us-trademark>"


def test_sequence_listing_is_skipped() -> None:
    listing = ('<?xml version="1.0"?>\n'
               '<!DOCTYPE sequence-cwu SYSTEM "us-sequence-listing.dtd" [ ]>\n'
               '<sequence-cwu id="SEQLST-1"><publication-reference><document-id><country>US'
               '</country><doc-number>07000002</doc-number></document-id></publication-reference>'
               '<s400>acgt</s400></sequence-cwu>\n')
    assert parse_document(listing.encode()) is None


def test_sequence_listing_yields_a_skip(tmp_path: Path) -> None:
    listing = ('<?xml version="1.0"?>\n<sequence-cwu><publication-reference><document-id>'
               '<doc-number>07000002</doc-number></document-id></publication-reference>'
               '</sequence-cwu>\n')
    _path, _text, items = _sandwich(tmp_path, listing)
    assert isinstance(items[1], SkippedDocument) and items[1].document == 2
    assert items[1].reason == "sequence listing (sequence-cwu) of US07000002, not a patent document"


def test_excessive_nesting_is_an_error_not_a_crash(tmp_path: Path) -> None:
    deep = grant("07000002", body="<b>" * 5000 + "x" + "</b>" * 5000)
    _path, _text, items = _sandwich(tmp_path, deep)
    assert "malformed XML" in _assert_neighbours_parse(items).error


def test_parse_document_raises_document_error() -> None:
    with pytest.raises(DocumentError, match="unknown root element <html>"):
        parse_document(b"<html><body/></html>")
    with pytest.raises(DocumentError, match="malformed XML"):
        parse_document(b"not xml at all")
    with pytest.raises(DocumentError, match="no publication number"):
        parse_document(grant(number="").encode())
