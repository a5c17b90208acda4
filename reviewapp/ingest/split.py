"""Split a stream of concatenated USPTO XML documents into one document at a time."""
from __future__ import annotations

from collections.abc import Iterator
from typing import IO

CHUNK_BYTES = 1 << 20
# A line longer than this is passed on in pieces, so a file without newlines stays bounded.
MAX_LINE_BYTES = 4 << 20
# A larger document is discarded while streaming (real grants stay well below 100 MB).
MAX_DOCUMENT_BYTES = 512 << 20

_DECLARATION = b"<?xml"
_AFTER_DECLARATION = (b" ", b"\t", b"\r", b"\n", b"?")
_BOM = b"\xef\xbb\xbf"


def _declarations(block: bytes, at_line_start: bool) -> Iterator[tuple[int, int]]:
    """Yield (line start, declaration start) of each line of block opening with `<?xml`.

    Blanks or a byte-order mark may precede it; `<?xml-stylesheet` and the like do not count.
    """
    pos = 0
    while (hit := block.find(_DECLARATION, pos)) != -1:
        pos = hit + len(_DECLARATION)
        line_start = block.rfind(b"\n", 0, hit) + 1
        if line_start == 0 and not at_line_start:
            continue
        prefix = block[line_start:hit].removeprefix(_BOM)
        if not prefix.strip() and block[pos:pos + 1] in _AFTER_DECLARATION:
            yield line_start, hit


class _Splitter:
    """Assign the bytes of successive blocks to documents, keeping only the current one."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.line = 1  # line number at the next byte fed
        self.index = 0
        self.start_line = 0
        self.parts: list[bytes] = []
        self.size = 0

    def _add(self, data: bytes) -> None:
        """Append to the current document, or start the first one at its first non-blank byte."""
        if not self.index:
            content = data.lstrip()
            if not content:
                return
            self._begin(self.line + data.count(b"\n", 0, len(data) - len(content)))
            data = content
        self.size += len(data)
        if self.size <= self.max_bytes:
            self.parts.append(data)
        else:
            self.parts = []  # too large: drop what was held, only its end is awaited

    def _begin(self, line: int) -> None:
        """Start the next document at this line."""
        self.index += 1
        self.start_line = line
        self.parts = []
        self.size = 0

    def _result(self) -> tuple[int, int, bytes]:
        """Return the current document; its bytes are empty when it was too large."""
        data = b"".join(self.parts) if self.size <= self.max_bytes else b""
        return self.index, self.start_line, data

    def feed(self, block: bytes, at_line_start: bool) -> Iterator[tuple[int, int, bytes]]:
        """Take a block of the stream, yielding the documents it completes."""
        pos = 0
        for line_start, declaration in _declarations(block, at_line_start):
            self._add(block[pos:line_start])
            self.line += block.count(b"\n", pos, line_start)
            if self.index:
                yield self._result()
            self._begin(self.line)
            pos = declaration  # blanks or a BOM before the declaration belong to no document
        self._add(block[pos:])
        self.line += block.count(b"\n", pos)

    def close(self) -> Iterator[tuple[int, int, bytes]]:
        """Yield the last document."""
        if self.index:
            yield self._result()


def split_documents(
    stream: IO[bytes], max_document_bytes: int | None = None
) -> Iterator[tuple[int, int, bytes]]:
    """Yield (1-based index, starting line, bytes) for each document of the stream.

    A document starts at a line opening with an XML declaration, or at the first non-blank
    byte of a stream that has none. Only one document is held at a time; one larger than
    max_document_bytes (default MAX_DOCUMENT_BYTES) is yielded with empty bytes (no other
    document is ever empty).
    """
    splitter = _Splitter(MAX_DOCUMENT_BYTES if max_document_bytes is None else max_document_bytes)
    carry = b""  # an incomplete last line, completed by the next chunk
    at_line_start = True
    while True:
        chunk = stream.read(CHUNK_BYTES)
        data = carry + chunk if carry else chunk
        if not data:
            break
        end = data.rfind(b"\n") + 1 if chunk else len(data)
        if end == 0:
            if len(data) <= MAX_LINE_BYTES:
                carry = data
                continue
            end = len(data)
        block, carry = data[:end], data[end:]
        yield from splitter.feed(block, at_line_start)
        at_line_start = block.endswith(b"\n")
    yield from splitter.close()
