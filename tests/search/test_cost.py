"""The static bounds of a query (search.cost.check_shape), as parse applies them."""
from __future__ import annotations

import pytest
from whoosh import query as wq

from search import cost
from search.parsing import parse
from search.results import QueryTooCostlyError

# The audit's query: 500 characters, 8 wildcards of 3 letters each, 28 stars per wildcard.
MANY_STARS = " OR ".join(p + "*e" * 28 for p in ["con", "pro", "sys", "dev", "met", "pla",
                                                 "coo", "hea"])


@pytest.mark.parametrize("q", [MANY_STARS, "con*e*e*e*", "con" + "?" * 60, "con????",
                               "sul?ph*te*s*", "title:con*e*e*e*", "cpc:H04?*?*",
                               "electro" + "e" * 30 + "*", "hydroxypropylmethylcellulose?" + "x" * 4])
def test_a_wildcard_with_too_many_stars_or_characters_is_refused(q):
    with pytest.raises(QueryTooCostlyError, match="too complex") as refused:
        parse(q)
    assert f"at most {cost.MAX_WILDCARD_CHARS} * or ?" in str(refused.value)


@pytest.mark.parametrize("q", ["electr*", "colo?r", "sul?ph*te", "organi?ation?*",
                               "alumin?um", "con???", "con*e*e*e", "hydroxypropylmethylcellulose*",
                               "cpc:H04L?*", " OR ".join(f"wor{n}?s*" for n in range(8))])
def test_patent_search_wildcards_are_within_the_bounds(q):
    parse(q)


@pytest.mark.parametrize("q", ["gas*", "bus*", "sys*", "title:gas*", "gas?s", "gas?"])
def test_the_letters_before_a_wildcard_are_counted_as_typed_not_as_stemmed(q):
    # The stemmer shortens "gas" to "ga": measured after stemming, gas* was two letters.
    parse(q)


def test_the_shape_of_a_wildcard_is_its_pattern_as_written():
    assert cost.pattern(wq.Prefix("title", "gas")) == "gas*"
    assert cost.pattern(wq.Wildcard("title", "sul?ph*te")) == "sul?ph*te"
    assert cost.literal_prefix(wq.Wildcard("title", "sul?ph*te")) == "sul"


def test_a_wildcard_and_its_stem_count_as_one_wildcard():
    # Each of these gains its stem (gas?Xs -> gas?X); the user wrote eight, the bound is eight.
    parse(" OR ".join(f"gas?{c}s" for c in "abcdefgh"))
    with pytest.raises(QueryTooCostlyError, match="too many wildcards"):
        parse(" OR ".join(f"gas?{c}s" for c in "abcdefghi"))
