"""The parsed query tree: wildcards over stems and year ranges, the same for every backend."""
from __future__ import annotations

import pytest
from whoosh import query as wq

from search.parsing import FIRST_YEAR, LAST_YEAR, parse
from search.results import QuerySyntaxError


def leaves(q: wq.Query) -> list[wq.Query]:
    return [q] if q.is_leaf() else [leaf for child in q.children() for leaf in leaves(child)]


def on_title(text: str) -> set[tuple[str, str]]:
    """Return (kind, text) of the title leaves of a parsed query."""
    return {(type(leaf).__name__, leaf.text) for leaf in leaves(parse(text))
            if leaf.fieldname == "title"}


@pytest.mark.parametrize("text, expected", [
    # The word itself is indexed as its stem ("gas" -> "ga"); longer words keep "gas".
    ("gas*", {("Prefix", "gas"), ("Term", "ga")}),
    ("Sys*", {("Prefix", "sys"), ("Term", "sy")}),
    ("batteries*", {("Prefix", "batteries"), ("Term", "batteri")}),
    # "gases" is indexed as "gase": gas?s keeps its letters and gains the stemmed pattern.
    ("gas?s", {("Wildcard", "gas?s"), ("Wildcard", "gas?")}),
    ("sul?ph*te", {("Wildcard", "sul?ph*te"), ("Wildcard", "sul?ph*t")}),
    # Nothing to add: the stem is the text, or the prefix already holds it.
    ("batter*", {("Prefix", "batter")}),
    ("colo?r", {("Wildcard", "colo?r")}),
    ("con*", {("Prefix", "con")}),
    ("the*", {("Prefix", "the")}),  # a stop word has no stem
])
def test_a_wildcard_keeps_its_letters_and_adds_its_words_stem(text, expected):
    assert on_title(text) == expected


def test_a_wildcard_on_an_unstemmed_field_is_left_to_its_analyzer():
    assert parse("cpc:h04l*") == wq.Prefix("cpc", "H04L")
    assert parse("applicants:Sunn*") == wq.Prefix("applicants", "sunn")


def years(text: str) -> list[int]:
    """Return the years a parsed query lists, in order."""
    found = [leaf for leaf in leaves(parse(text)) if leaf.fieldname == "year"]
    assert all(isinstance(leaf, wq.Term) and leaf.boost > 0 for leaf in found)
    return [int(leaf.text) for leaf in found]


@pytest.mark.parametrize("text, expected", [
    ("year:[2010 TO 2012]", [2010, 2011, 2012]),
    ("year:{2010 TO 2012}", [2011]),
    ("year:[2010 TO 2012}", [2010, 2011]),
    # Compared as numbers, not as text ("3" sorts after "2015"), clamped to the span.
    ("year:[1 TO 3]", []),
    ("year:[20 TO 1792]", [FIRST_YEAR, FIRST_YEAR + 1, FIRST_YEAR + 2]),
    ("year:[2198 TO 9999]", [2198, 2199, LAST_YEAR]),
    ("year:[2199 TO]", [2199, LAST_YEAR]),
    ("year:[2199 TO *]", [2199, LAST_YEAR]),
    ("year:[TO 1791]", [FIRST_YEAR, 1791]),
    ("year:[* TO 1791]", [FIRST_YEAR, 1791]),
    ("year:[* TO *]", list(range(FIRST_YEAR, LAST_YEAR + 1))),
    ("year:[1500 TO 2020]", list(range(FIRST_YEAR, 2021))),
])
def test_a_year_range_is_the_years_it_spans(text, expected):
    assert years(text) == expected


def test_a_year_range_keeps_its_place_in_the_query():
    # An empty Or, not Whoosh's NullQuery: Whoosh normalises NOT NullQuery to NullQuery.
    q = parse("coil NOT year:[1 TO 3]")
    assert isinstance(q, wq.And) and isinstance(q.subqueries[1], wq.Not)
    assert isinstance(q.subqueries[1].query, wq.Or) and not q.subqueries[1].query.subqueries
    assert parse("year:2015") == wq.Term("year", "2015")


@pytest.mark.parametrize("text, message", [
    ("year:[2020 TO 2010]", "runs backwards"),
    ("year:[abc TO def]", '"abc" is not a year'),
    ("year:[2010 TO 20x2]", '"20x2" is not a year'),
])
def test_a_backwards_or_unreadable_year_range_is_refused(text, message):
    with pytest.raises(QuerySyntaxError, match=message):
        parse(text)
