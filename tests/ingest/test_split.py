"""Splitting a stream on XML declarations, streaming."""
from __future__ import annotations

import io

import pytest

from reviewapp.ingest import split, split_documents


def _split(data: bytes) -> list[tuple[int, int, bytes]]:
    return list(split_documents(io.BytesIO(data)))


DOCS = b'<?xml version="1.0"?>\n<a>1</a>\n<?xml version="1.0"?>\n<!DOCTYPE b>\n<b>\n2</b>\n'


def test_splits_on_declarations_with_lines() -> None:
    assert _split(DOCS) == [
        (1, 1, b'<?xml version="1.0"?>\n<a>1</a>\n'),
        (2, 3, b'<?xml version="1.0"?>\n<!DOCTYPE b>\n<b>\n2</b>\n'),
    ]


def test_document_without_declaration_starts_at_first_non_blank_line() -> None:
    assert _split(b"\n\n  <a>x</a>\n") == [(1, 3, b"<a>x</a>\n")]
    assert _split(b"\n \n") == []


def test_bom_and_blanks_before_a_declaration_are_dropped() -> None:
    data = b'\xef\xbb\xbf<?xml version="1.0"?><a/>\n  <?xml version="1.0"?><b/>\n'
    assert [doc for _, _, doc in _split(data)] == [
        b'<?xml version="1.0"?><a/>\n', b'<?xml version="1.0"?><b/>\n']


def test_stylesheet_instructions_and_inline_declarations_do_not_split() -> None:
    data = b'<?xml version="1.0"?>\n<?xml-stylesheet href="x"?>\n<a>see <?xml ?></a>\n'
    assert len(_split(data)) == 1


@pytest.mark.parametrize("chunk", [1, 3, 7, 64])
def test_chunk_boundaries_do_not_matter(chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = _split(DOCS * 3)
    monkeypatch.setattr(split, "CHUNK_BYTES", chunk)
    assert _split(DOCS * 3) == expected


def test_a_line_without_end_is_passed_on_in_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(split, "CHUNK_BYTES", 16)
    monkeypatch.setattr(split, "MAX_LINE_BYTES", 64)
    data = b'<?xml version="1.0"?>\n<a>' + b"x" * 1000 + b"</a>"
    assert _split(data) == [(1, 1, data)]


class _Recorder(io.BytesIO):
    """A stream remembering how far it has been read."""

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.furthest = self.tell()
        return data


def test_streams_one_document_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(split, "CHUNK_BYTES", 4096)
    document = b'<?xml version="1.0"?>\n<a>' + b"text\n" * 2000 + b"</a>\n"
    stream = _Recorder(document * 100)
    documents = split_documents(stream)
    first = next(documents)
    # The first document arrives before the stream has been read much beyond it.
    assert first == (1, 1, document)
    assert stream.furthest <= len(document) + 2 * 4096
    assert sum(1 for _ in documents) == 99


def test_too_large_document_is_yielded_empty() -> None:
    data = b'<?xml version="1.0"?>\n<a>' + b"z" * 100 + b'</a>\n<?xml version="1.0"?>\n<b/>\n'
    assert _split_limited(data, 50) == [(1, 1, b""), (2, 3, b'<?xml version="1.0"?>\n<b/>\n')]


def _split_limited(data: bytes, limit: int) -> list[tuple[int, int, bytes]]:
    return list(split_documents(io.BytesIO(data), max_document_bytes=limit))
