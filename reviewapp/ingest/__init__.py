"""Read USPTO full-text XML (files, directories, weekly zip archives) into plain records.

    for item in read_documents(["ipg130416.zip"], progress=bar.update):
        match item:
            case PatentRecord(): ...     # a grant or published application
            case SkippedDocument(): ...  # a sequence listing
            case ParseError(): ...       # one bad document (or document=0: a whole bad file)

No database and no Flask here. Errors about one document are yielded, never raised.
"""
from __future__ import annotations

import hashlib
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from . import split
from .fields import DocumentError
from .parse import PARSER_VERSION, Skip, parse_document, parse_or_skip
from .records import ClaimRecord, ParseError, PatentRecord, ReferenceRecord, SkippedDocument
from .sources import Stream, file_size, input_files, streams, total_bytes
from .split import split_documents

__all__ = [
    "ClaimRecord", "DocumentError", "ParseError", "PatentRecord", "RawDocument", "ReferenceRecord",
    "SkippedDocument", "parse_document", "parse_raw", "read_documents", "read_raw", "split_documents",
    "total_bytes",
]

Item = PatentRecord | ParseError | SkippedDocument
Progress = Callable[[int], None]

# What reading a damaged file or archive member can raise midway (RuntimeError: encrypted).
_READ_ERRORS = (OSError, EOFError, zipfile.BadZipFile, zlib.error, RuntimeError,
                NotImplementedError)


class _Meter:
    """Report on-disk bytes consumed, mapping positions in (possibly inflated) streams to disk."""

    def __init__(self, progress: Progress | None, disk_bytes: int) -> None:
        self.progress = progress
        self.disk_bytes = disk_bytes
        self.reported = 0
        self.base = 0
        self.stream: Stream | None = None

    def start(self, stream: Stream) -> None:
        """Begin a stream: its positions now map onto the next stream.disk_bytes bytes."""
        self.base = self.reported
        self.stream = stream

    def at(self, position: int) -> None:
        """Report progress up to this position of the current stream."""
        if self.stream is not None and self.stream.size:
            share = min(position, self.stream.size) / self.stream.size
            self._report(self.base + int(self.stream.disk_bytes * share))

    def finish(self) -> None:
        """Report the rest of the file: headers, side files, refused members."""
        self._report(self.disk_bytes)

    def _report(self, target: int) -> None:
        target = min(target, self.disk_bytes)
        if self.progress is not None and target > self.reported:
            self.progress(target - self.reported)
        self.reported = max(self.reported, target)


@dataclass(frozen=True, slots=True)
class RawDocument:
    """One document's bytes as split from its stream, with where it stood."""

    file: str
    index: int  # 1-based position in the stream
    line: int  # line of the stream where it starts
    data: bytes  # empty when the document was too large to hold
    # The SHA-256 of the bytes and the parser version: equal digests parse equally. Computed
    # once, here: the import looks it up, compares it and stores it.
    digest: str = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "digest", hashlib.sha256(PARSER_VERSION + self.data).hexdigest())


def parse_raw(raw: RawDocument) -> Item:
    """Return what one split document yields: its record, a skip notice or an error."""
    name, index, line, data = raw.file, raw.index, raw.line, raw.data
    if not data:
        limit = split.MAX_DOCUMENT_BYTES
        return ParseError(name, index, f"document larger than {limit} bytes: not read", line)
    try:
        result = parse_or_skip(data)
    except DocumentError as exc:
        return ParseError(name, index, exc.located(line), line)
    except Exception as exc:  # noqa: BLE001 - one odd document must not abort a weekly import
        message = f"unexpected {type(exc).__name__} while reading: {exc}"
        return ParseError(name, index, message, line)
    if isinstance(result, Skip):
        return SkippedDocument(name, index, result.reason, result.label)
    result.source, result.position = name, index
    return result


def _read_stream(stream: Stream, meter: _Meter) -> Iterator[RawDocument | ParseError]:
    """Yield the documents of one stream; a read failure midway ends it with a ParseError."""
    meter.start(stream)
    index = position = 0
    try:
        with stream.open() as handle:
            for index, line, data in split_documents(handle):
                yield RawDocument(stream.name, index, line, data)
                # Documents, not chunks read ahead, measure progress; finish() adds the rest.
                position += len(data)
                meter.at(position)
    except _READ_ERRORS as exc:
        yield ParseError(stream.name, index + 1 if index else 0, f"cannot read: {exc}")
        return
    if not index:  # an empty or blank file: not a success with nothing in it
        what = "empty" if not stream.size else "blank"
        yield ParseError(stream.name, 0, f"no USPTO document found: the file is {what}")


def read_raw(paths: Iterable[str | Path], progress: Progress | None = None
             ) -> Iterator[RawDocument | ParseError]:
    """Yield every document under paths unparsed, or a ParseError for what cannot be read.

    The paths are read as read_documents reads them; progress likewise.
    """
    for path in input_files(paths):
        meter = _Meter(progress, file_size(path))
        for stream in streams(path):
            if isinstance(stream, ParseError):
                yield stream
            else:
                yield from _read_stream(stream, meter)
        meter.finish()


def read_documents(paths: Iterable[str | Path], progress: Progress | None = None) -> Iterator[Item]:
    """Yield a record, skip notice or error for every document under paths, streaming.

    paths may name XML files, directories (searched recursively for .xml and .zip, sorted) and
    zip archives (their .xml members are read, side files ignored). progress, if given, is
    called with the on-disk bytes consumed since its last call; the calls add up to total_bytes.
    """
    for item in read_raw(paths, progress):
        yield parse_raw(item) if isinstance(item, RawDocument) else item
