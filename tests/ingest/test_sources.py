"""Inputs: directories, zip bulk archives and their side files, missing or corrupt files."""
from __future__ import annotations

from pathlib import Path

import pytest

from reviewapp.ingest import PatentRecord, read_documents, sources, split, total_bytes
from reviewapp.ingest.records import ParseError

from .samples import grant, write, zip_bytes


def _numbers(items: list) -> list[str]:
    return [item.publication_number for item in items if isinstance(item, PatentRecord)]


def test_zip_archive_reads_xml_members_and_ignores_side_files(tmp_path: Path) -> None:
    archive = tmp_path / "ipg070102.zip"
    archive.write_bytes(zip_bytes({
        "ipg070102.xml": grant("07000001") + grant("07000002"),
        "ipg070102.lst.txt": "US07000001\nUS07000002\n",
        "ipg070102.rpt.html": "<html><body>report</body></html>",
        "images/": b"",
    }))
    items = list(read_documents([archive]))
    assert _numbers(items) == ["US7000001B2", "US7000002B2"]
    assert [(item.source, item.position) for item in items] == [
        (f"{archive}:ipg070102.xml", 1), (f"{archive}:ipg070102.xml", 2)]


def test_zip_member_errors_name_the_member(tmp_path: Path) -> None:
    archive = tmp_path / "ipa.zip"
    archive.write_bytes(zip_bytes({"ipa.xml": grant("07000001") + "<?xml version='1.0'?>\n<a>"}))
    error = list(read_documents([archive]))[1]
    assert isinstance(error, ParseError)
    assert (error.file, error.document) == (f"{archive}:ipa.xml", 2)


def test_directory_is_read_recursively_in_sorted_order(tmp_path: Path) -> None:
    write(tmp_path / "b.xml", grant("07000002"))
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub" / "a.xml", grant("07000003"))
    (tmp_path / "a.zip").write_bytes(zip_bytes({"a.xml": grant("07000001")}))
    (tmp_path / "notes.txt").write_text("not read")
    items = list(read_documents([tmp_path]))
    assert _numbers(items) == ["US7000001B2", "US7000002B2", "US7000003B2"]
    assert total_bytes([tmp_path]) == sum(
        (tmp_path / name).stat().st_size for name in ("a.zip", "b.xml", "sub/a.xml"))


def test_a_file_with_another_suffix_is_read_as_xml(tmp_path: Path) -> None:
    path = write(tmp_path / "ipg070102.sgm", grant("07000001"))
    assert _numbers(list(read_documents([str(path)]))) == ["US7000001B2"]


def test_missing_file_yields_one_error_and_the_rest_is_read(tmp_path: Path) -> None:
    good = write(tmp_path / "good.xml", grant("07000001"))
    missing = tmp_path / "missing.xml"
    items = list(read_documents([missing, good]))
    assert items[0] == ParseError(str(missing), 0, "file not found")
    assert _numbers(items) == ["US7000001B2"]
    assert total_bytes([missing, good]) == good.stat().st_size


def test_corrupt_zip_yields_one_error(tmp_path: Path) -> None:
    corrupt = tmp_path / "ipg990101.zip"
    corrupt.write_bytes(b"PK\x03\x04 this is not really a zip archive" * 10)
    items = list(read_documents([corrupt]))
    assert len(items) == 1 and items[0].document == 0
    assert items[0].file == str(corrupt) and "cannot open zip archive" in items[0].error


def test_zip_with_damaged_data_reports_a_read_error(tmp_path: Path) -> None:
    data = bytearray(zip_bytes({"ipg.xml": grant("07000001") * 50}))
    data[200:260] = b"\xff" * 60  # inside the deflated member
    damaged = write(tmp_path / "damaged.zip", "")
    damaged.write_bytes(bytes(data))
    items = list(read_documents([damaged]))
    assert items and isinstance(items[-1], ParseError)
    assert items[-1].file == f"{damaged}:ipg.xml" and "cannot read" in items[-1].error


def test_zip_bomb_ratio_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sources, "MAX_COMPRESSION_RATIO", 20)
    archive = tmp_path / "bomb.zip"
    archive.write_bytes(zip_bytes({
        "bomb.xml": grant("07000001", body="x" * 200_000),  # inflates about 500 times
        "fine.xml": grant("07000002"),
    }))
    items = list(read_documents([archive]))
    assert isinstance(items[0], ParseError) and items[0].document == 0
    assert items[0].file == f"{archive}:bomb.xml"
    assert "zip bomb" in items[0].error and "refused" in items[0].error
    assert _numbers(items) == ["US7000002B2"]


def test_zip_member_declaring_a_huge_size_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sources, "MAX_MEMBER_BYTES", 1000)
    archive = tmp_path / "big.zip"
    archive.write_bytes(zip_bytes({"big.xml": grant("07000001")}))
    (error,) = read_documents([archive])
    assert "more than the 1000 allowed" in error.error


def test_real_limits_are_generous() -> None:
    assert sources.MAX_COMPRESSION_RATIO == 500 and sources.MAX_MEMBER_BYTES == 16 * 1024 ** 3


def test_progress_adds_up_for_zips_and_errors(tmp_path: Path) -> None:
    archive = tmp_path / "a.zip"
    archive.write_bytes(zip_bytes({"a.xml": grant("07000001") * 3, "a.lst.txt": "x" * 5000}))
    corrupt = tmp_path / "b.zip"
    corrupt.write_bytes(b"garbage")
    plain = write(tmp_path / "c.xml", grant("07000002") + grant("07000003"))
    calls: list[int] = []
    list(read_documents([tmp_path], progress=calls.append))
    expected = sum(path.stat().st_size for path in (archive, corrupt, plain))
    assert sum(calls) == total_bytes([tmp_path]) == expected
    assert len(calls) >= 5 and all(call > 0 for call in calls)


def test_oversized_document_is_reported_not_held(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(split, "MAX_DOCUMENT_BYTES", 5000)
    path = write(tmp_path / "big.xml", grant("07000001"), grant("07000002", body="y" * 10_000),
                 grant("07000003"))
    items = list(read_documents([path]))
    assert _numbers(items) == ["US7000001B2", "US7000003B2"]
    assert isinstance(items[1], ParseError) and "larger than 5000 bytes" in items[1].error


@pytest.mark.parametrize("members, reason", [
    ({}, "no USPTO document found: the zip archive is empty"),
    ({"ipg130416.sgml": "<!DOCTYPE us-patent-grant>", "readme.txt": "x", "images/": b""},
     "no USPTO document found: the zip archive holds no .xml file (found: ipg130416.sgml, readme.txt)"),
    ({"inner.zip": zip_bytes({"ipg.xml": grant("07000001")})},
     "no USPTO document found: the zip archive holds no .xml file (found: inner.zip)"),
    ({f"part{n}.txt": "x" for n in range(7)},
     ("no USPTO document found: the zip archive holds no .xml file "
      "(found: part0.txt, part1.txt, part2.txt, part3.txt, part4.txt and 2 more)")),
])
def test_an_archive_without_xml_is_an_error_naming_what_it_holds(tmp_path: Path, members, reason) -> None:
    archive = tmp_path / "weekly.zip"
    archive.write_bytes(zip_bytes(members))
    assert list(read_documents([archive])) == [ParseError(str(archive), 0, reason)]


@pytest.mark.parametrize("content, what", [(b"", "empty"), (b" \n\t\r\n", "blank")])
def test_a_file_or_member_without_a_document_is_an_error(tmp_path: Path, content: bytes, what: str) -> None:
    path = tmp_path / "ipg.xml"
    path.write_bytes(content)
    archive = tmp_path / "ipg.zip"
    archive.write_bytes(zip_bytes({"ipg.xml": content, "ipa.xml": grant("07000001")}))
    items = list(read_documents([path, archive]))
    reason = f"no USPTO document found: the file is {what}"
    assert items[:2] == [ParseError(str(path), 0, reason), ParseError(f"{archive}:ipg.xml", 0, reason)]
    assert _numbers(items) == ["US7000001B2"]
