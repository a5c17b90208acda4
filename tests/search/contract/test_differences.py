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
