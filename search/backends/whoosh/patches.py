"""Three fixes to Whoosh 2.7.4 (pinned exactly for this reason).

Memory-mapped reads must not copy.

Whoosh maps each segment file and hands out its parts as ``BufferFile(memoryview)``, whose
constructor wraps the view in ``io.BytesIO`` for sequential reads, and ``BytesIO`` copies
its initial buffer. Opening a searcher therefore copied the whole index into memory: about
4 s and 500 MB per open (and per refresh) at 20,000 documents. Turning mmap off avoids the
copy but makes every posting and field-length read a system call, several times slower to
score. This replaces the BytesIO by a reader over the view itself: no copy, fast reads.

Posting blocks store document numbers as deltas, which Whoosh adds up with a Python
generator, one call per posting: a third of the time of a query on common words. The
same sums come from ``itertools.accumulate``, in C.

Short posting lists can be kept in the term index (``W3Codec(inlinelimit=n)``), but the
postings writer calls ``set_inline`` where the term info has ``set_inlined``: any limit above
Whoosh's default of 1 raised AttributeError. The bulk writer uses it.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from itertools import accumulate
from typing import Any

from whoosh.codec import whoosh3
from whoosh.filedb import compound, structfile


class ViewReader:
    """A read-only, seekable file over a memoryview, sharing its memory."""

    def __init__(self, view: memoryview) -> None:
        self._view = view
        self._pos = 0

    def read(self, size: int = -1) -> bytes:
        """Return up to size bytes from the current position (all when size < 0)."""
        end = len(self._view) if size is None or size < 0 else self._pos + size
        data = bytes(self._view[self._pos:end])
        self._pos += len(data)
        return data

    def readline(self, size: int = -1) -> bytes:
        """Return bytes up to and including the next newline (pickle.load needs it)."""
        limit = len(self._view) if size is None or size < 0 else self._pos + size
        limit = min(limit, len(self._view))
        pos = self._pos
        while pos < limit:
            chunk = bytes(self._view[pos:min(pos + 4096, limit)])
            newline = chunk.find(b"\n")
            if newline >= 0:
                return self.read(pos + newline + 1 - self._pos)
            pos += len(chunk)
        return self.read(limit - self._pos)

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        """Move the position like a file does."""
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._pos, os.SEEK_END: len(self._view)}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def tell(self) -> int:
        """Return the current position."""
        return self._pos

    def flush(self) -> None:
        """Do nothing: the view is read-only."""

    def close(self) -> None:
        """Release the view, so the mapping underneath can be closed."""
        self._view.release()


class ViewBufferFile(structfile.BufferFile):
    """Whoosh's BufferFile, reading through a ViewReader instead of a copying BytesIO."""

    def __init__(self, buf: Any, name: str | None = None,
                 onclose: Callable[[Any], None] | None = None) -> None:
        view = memoryview(buf)
        super().__init__(b"", name=name, onclose=onclose)
        self._buf = view
        self.file = ViewReader(view)


def _read_ids(self: whoosh3.W3LeafMatcher) -> None:
    """Decode the current block's document numbers (Whoosh's method, with accumulate)."""
    if self._data is None:
        self._read_data()
    ids = self._data[0]
    self._ids = ids if self._byteids else tuple(accumulate(ids))


def apply() -> None:
    """Install the fixes (idempotent)."""
    compound.BufferFile = ViewBufferFile
    whoosh3.W3LeafMatcher._read_ids = _read_ids
    whoosh3.W3TermInfo.set_inline = whoosh3.W3TermInfo.set_inlined
