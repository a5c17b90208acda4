"""The fix to Whoosh's memory-mapped files: a view reader that behaves like a file."""
from __future__ import annotations

import io
import os
import pickle

import pytest
from whoosh.filedb import compound

import search  # noqa: F401 - installs the fix
from search.backends.whoosh.patches import ViewBufferFile, ViewReader


@pytest.mark.parametrize("ops", [
    [("read", 3), ("read", -1)],
    [("seek", 5, os.SEEK_SET), ("read", 4), ("tell",)],
    [("seek", -3, os.SEEK_END), ("read", 10), ("read", 1)],
    [("readline",), ("readline",), ("readline",), ("readline",)],
    [("read", 2), ("seek", 2, os.SEEK_CUR), ("readline", 3), ("readline", -1)],
])
def test_view_reader_behaves_like_bytesio(ops):
    data = b"first line\nsecond\n\nlast without newline"
    ours, theirs = ViewReader(memoryview(data)), io.BytesIO(data)
    for name, *args in ops:
        assert getattr(ours, name)(*args) == getattr(theirs, name)(*args)


def test_pickles_load_through_the_view():
    payload = pickle.dumps({"a": [1, 2, 3]}, 2) + pickle.dumps("text", 0)
    reader = ViewReader(memoryview(payload))
    assert pickle.load(reader) == {"a": [1, 2, 3]}
    assert pickle.load(reader) == "text"


def test_the_fix_is_installed_and_shares_memory():
    assert compound.BufferFile is ViewBufferFile
    data = bytearray(b"abcdef")
    buffer = ViewBufferFile(memoryview(data))
    data[0:1] = b"z"  # a copy would not see this
    assert buffer.get(0, 3) == b"zbc"
    assert buffer.read(2) == b"zb"
