"""Where the backends differ on purpose: each difference is documented (docs/SEARCH.md)."""
from __future__ import annotations

import pytest

import search


def test_word_ranges_on_text_fields(corpus_index, backend):
    """Whoosh lists the words in the range; tantivy refuses ranges except on dates and years."""
    if backend == "whoosh":
        found = {hit.id for hit in search.query(corpus_index, "title:[cryptograph TO cryptographz]").hits}
        assert "US8000002B2" in found and "US8000001B2" not in found
    else:
        with pytest.raises(search.QuerySyntaxError, match="dates and years"):
            search.query(corpus_index, "title:[cryptograph TO cryptographz]")


@pytest.mark.parametrize("q", ["year:[2012 TO 2013]", "publication_date:[2011 TO 2012]",
                               "publication_date:[20110801 TO 20110803]"])
def test_ranges_on_dates_and_years_agree(corpus_index, q):
    expected = {"year:[2012 TO 2013]": {"US8000002B2", "US20130000003A1", "US20130000005A1"},
                "publication_date:[2011 TO 2012]": {"US8000001B2"},
                "publication_date:[20110801 TO 20110803]": {"US8000001B2"}}[q]
    assert {hit.id for hit in search.query(corpus_index, q).hits} == expected


@pytest.mark.parametrize("q, expected", [
    ("year:[1500 TO 2020]", {"US8000001B2", "US8000002B2", "US20130000003A1", "US7000004B2",
                             "US20130000005A1", "NPL-0006"}),
    ("year:[20 TO 2010]", {"US7000004B2", "NPL-0006"}),
    ("year:[1 TO 3]", set()),
    ("NOT year:[1 TO 3]", {"US8000001B2", "US8000002B2", "US20130000003A1", "US7000004B2",
                           "US20130000005A1", "NPL-0006"}),
    ("year:[2012 TO *]", {"US8000002B2", "US20130000003A1", "US20130000005A1"}),
    ("year:[* TO 2009]", {"US7000004B2", "NPL-0006"}),
    ("year:[TO 2009]", {"US7000004B2", "NPL-0006"}),
    ("year:{2009 TO 2013}", {"US8000001B2"}),
    ("coil year:[2012 TO 2013]", {"US20130000005A1"}),
])
def test_year_ranges_compare_years_as_numbers_on_every_backend(corpus_index, q, expected):
    # Whoosh compared years as text (year:[1 TO 3] matched everything); tantivy listed 500
    # years from the low end (year:[1500 TO 2020] matched nothing).
    assert {hit.id for hit in search.query(corpus_index, q).hits} == expected


@pytest.mark.parametrize("q", ["year:[2010 TO 2013] OR coil*", "coi* year:[2010 TO 2013]",
                               "year:[2010 TO 2013]"])
def test_a_year_range_lists_every_document_it_counts(corpus_index, q):
    # Its years weigh almost nothing but not zero: Whoosh's top-N collector skips postings
    # that cannot score above zero, and its pages missed documents its total counted.
    results = search.query(corpus_index, q)
    assert results.total > 0 and len(results.hits) == results.total


@pytest.mark.parametrize("q, message", [("year:[2020 TO 2010]", "runs backwards"),
                                        ("year:[abc TO def]", "not a year")])
def test_a_year_range_either_backend_cannot_read_is_refused_alike(corpus_index, q, message):
    with pytest.raises(search.QuerySyntaxError, match=message):
        search.query(corpus_index, q)
