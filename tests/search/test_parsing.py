"""The parsed query tree: wildcards over stems and year ranges, the same for every backend."""
from __future__ import annotations

import re

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


def test_an_open_year_range_lists_every_year_however_it_is_written():
    """[TO] is Whoosh's "any year term" (refused as year:* is), [ TO ] its term "": 0 hits."""
    every = list(range(FIRST_YEAR, LAST_YEAR + 1))
    for text in ("year:[TO]", "year:{TO}", "year:[ TO ]", "year:[* TO *]", "year:{* TO *}"):
        assert years(text) == every, text
    assert years("year:{* TO 1791]") == [FIRST_YEAR, 1791]  # an open end has nothing to exclude
    assert years("year:[2300 TO *]") == []  # past the span, not backwards


@pytest.mark.parametrize("text, message", [
    ("publication_date:[2018 TO 2010]",
     ("The range publication_date:[2018-01-01 TO 2010-12-31] runs backwards: write the earlier "
      "date first.")),
    ("coil OR priority_date:[20120315 TO 20120314]",
     "The range priority_date:[2012-03-15 TO 2012-03-14] runs backwards"),
    ("publication_date:[TO]", "The range publication_date:[TO] has no ends"),
])
def test_a_backwards_or_endless_date_range_is_refused(text, message):
    with pytest.raises(QuerySyntaxError, match=re.escape(message)):
        parse(text)


def test_a_date_range_of_one_period_is_not_backwards():
    for text in ("publication_date:[2010 TO 2010]", "priority_date:[20120315 TO 201203]"):
        assert isinstance(parse(text), wq.NumericRange)


@pytest.mark.parametrize("text", ["(", ")", "((", " ( ", ")(", "(*", "*)"])
def test_parentheses_alone_that_do_not_pair_up_are_refused(text):
    """Not read as "everything", as () and (*) are."""
    with pytest.raises(QuerySyntaxError, match="matching|not closed"):
        parse(text)
    assert parse("()") == parse("(*)") == wq.Every()


def nots(q: wq.Query) -> int:
    """Return how many NOT nodes a parsed query holds."""
    return isinstance(q, wq.Not) + sum(map(nots, q.children()))


@pytest.mark.parametrize("signed, written", [
    ("network -battery", "network NOT battery"),
    ("-battery", "NOT battery"),  # alone: everything but, as NOT battery
    ("-battery -network", "NOT battery NOT network"),
    ("coil -title:motor", "coil NOT title:motor"),
    ('coil -"thermal runaway"', 'coil NOT "thermal runaway"'),
    ("coil -(motor OR pump)", "coil NOT (motor OR pump)"),
    ("title:(coil -motor)", "title:(coil NOT motor)"),  # inside parentheses too
    ("coil -batter*", "coil NOT batter*"),
    ("+network +battery", "network battery"),  # words are ANDed: required already
    ("network AND +battery", "network AND battery"),
    ("coil OR +motor", "motor ANDMAYBE coil"),  # in an OR list: motor required, coil ranks
    ("+coil OR +motor", "coil motor"),
    # Inside a word, or standing alone, a - or + is no operator: as before.
    ("lithium-ion battery", "lithium-ion battery"),
    ("coil - motor", "coil motor"),
    ("coil -", "coil"),
    ("C++ coil", "coil"),
])
def test_minus_excludes_and_plus_requires(signed, written):
    assert parse(signed) == parse(written)


@pytest.mark.parametrize("text", ["lithium-ion", "CO2-free", "one-time password",
                                  "Diffie-Hellman", "(anti-lock) brake"])
def test_a_hyphen_inside_a_word_excludes_nothing(text):
    q = parse(text)
    assert nots(q) == 0
    assert on_title(text) == on_title(text.replace("-", " "))  # every word searched for
    assert nots(parse("publication_date:2012-03-15")) == 0
