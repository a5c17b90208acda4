"""Find the byte streams behind the paths given: XML files, directories and zip bulk archives."""
from __future__ import annotations

import functools
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from .records import ParseError

# A real weekly XML member compresses about 10:1; far beyond these limits it is a zip bomb.
MAX_COMPRESSION_RATIO = 500
MAX_MEMBER_BYTES = 16 << 30

INPUT_SUFFIXES = (".xml", ".zip")
NAMED_MEMBERS = 5  # how many members the error about an archive without XML names
_ZIP_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True, slots=True)
class Stream:
    """One stream of concatenated documents: a file or a zip member."""

    name: str  # shown in errors: "dir/ipg130416.xml" or "dir/ipg130416.zip:ipg130416.xml"
    open: Callable[[], AbstractContextManager[IO[bytes]]]
    size: int  # bytes the stream yields
    disk_bytes: int  # bytes of the file on disk it accounts for


def input_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Yield the files to read: given files as they are, directories' .xml/.zip files sorted."""
    for path in map(Path, paths):
        if path.is_dir():
            yield from sorted(found for found in path.rglob("*")
                              if found.suffix.lower() in INPUT_SUFFIXES and found.is_file())
        else:
            yield path


def file_size(path: Path) -> int:
    """Return the file's size on disk, 0 when it cannot be read."""
    try:
        return path.stat().st_size
    except OSError:
        return 0


def total_bytes(paths: Iterable[str | Path]) -> int:
    """Return the on-disk size of everything read_documents will read from paths."""
    return sum(file_size(path) for path in input_files(paths))


def _is_zip(path: Path) -> bool:
    """Tell whether the file is a zip archive by its first bytes, whatever its name says.

    A file named .zip that holds XML is read as XML; one that holds neither is opened as a zip,
    so its error says why it is not one.
    """
    try:
        with path.open("rb") as handle:
            head = handle.read(64)
    except OSError:
        return False
    if head.startswith(_ZIP_MAGIC):
        return True
    looks_like_xml = head.lstrip().removeprefix(b"\xef\xbb\xbf").startswith(b"<")
    return path.suffix.lower() == ".zip" and not looks_like_xml


def zip_member_refusal(info: zipfile.ZipInfo) -> str | None:
    """Return why a zip member must not be inflated, or None when its declared sizes are sane.

    zipfile never inflates a member beyond its declared size, so checking the declaration suffices.
    """
    if info.file_size > MAX_MEMBER_BYTES:
        return (f"zip member {info.filename} declares {info.file_size} bytes, more than the "
                f"{MAX_MEMBER_BYTES} allowed: refused")
    ratio = info.file_size / max(info.compress_size, 1)
    if ratio > MAX_COMPRESSION_RATIO:
        return (f"zip member {info.filename} would inflate {ratio:.0f} times, more than the "
                f"{MAX_COMPRESSION_RATIO} allowed (zip bomb?): refused")
    return None


def _zip_streams(path: Path) -> Iterator[Stream | ParseError]:
    """Yield the archive's XML members, or a ParseError for a bad archive or refused member.

    An archive without an XML member (empty, or holding only other files: an SGML week, a zip
    in the zip) yields one ParseError saying what it holds, so it is never a silent success.
    """
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile, EOFError) as exc:
        yield ParseError(str(path), 0, f"cannot open zip archive: {exc}")
        return
    with archive:
        members = [info for info in archive.infolist() if not info.is_dir()]
        xml = [info for info in members if info.filename.lower().endswith(".xml")]
        if not xml:
            yield ParseError(str(path), 0, _no_xml_member(members))
        for info in xml:  # the rest are side files: lst.txt, rpt.html, ...
            name = f"{path}:{info.filename}"
            refusal = zip_member_refusal(info)
            if refusal:
                yield ParseError(name, 0, refusal)
                continue
            yield Stream(name, functools.partial(archive.open, info), info.file_size,
                         info.compress_size)


def _no_xml_member(members: list[zipfile.ZipInfo]) -> str:
    """Return why an archive without an XML member yields nothing, naming what it holds."""
    if not members:
        return "no USPTO document found: the zip archive is empty"
    names = ", ".join(info.filename for info in members[:NAMED_MEMBERS])
    more = f" and {len(members) - NAMED_MEMBERS} more" if len(members) > NAMED_MEMBERS else ""
    return f"no USPTO document found: the zip archive holds no .xml file (found: {names}{more})"


def streams(path: Path) -> Iterator[Stream | ParseError]:
    """Yield the streams of one input file, or one ParseError (document 0) if it can't be read."""
    if not path.exists():
        yield ParseError(str(path), 0, "file not found")
    elif not path.is_file():
        yield ParseError(str(path), 0, "not a regular file")
    elif _is_zip(path):
        yield from _zip_streams(path)
    else:
        size = file_size(path)
        yield Stream(str(path), lambda: path.open("rb"), size, size)
