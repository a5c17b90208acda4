"""Search services: what counts as a damaged index."""
from __future__ import annotations

import pickle

import pytest

import search
from reviewapp.searchpage.services import is_index_damage
from search import IndexUnreadableError
from search.backends.tantivy.index import OutdatedIndexError


@pytest.mark.parametrize("error", [
    IndexUnreadableError("tantivy cannot read the search index: Data corrupted"),
    OutdatedIndexError("built with an older schema: rebuild it"),
    FileNotFoundError("_MAIN_1.toc"),
    EOFError(),
    pickle.UnpicklingError("unpickling stack underflow"),
    UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"),
])
def test_errors_reading_the_index_are_damage(error):
    assert is_index_damage(error)


@pytest.mark.parametrize("error", [
    search.QuerySyntaxError("A quotation mark is not closed"),
    search.QueryTooCostlyError("too many wildcards"),
    # What tantivy raised for a phrase on a field without positions, or a wildcard too large
    # to compile: a query to refuse (search/ now says so), never "rebuild the index".
    ValueError("Schema error: 'Applied phrase query on field \"applicants\", which does not "
               "have positions indexed'"),
    ValueError("unknown sort 'oldest'"),
])
def test_errors_about_the_query_or_the_call_are_not_damage(error):
    assert not is_index_damage(error)
