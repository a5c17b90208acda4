"""The patent analyzer and class codes."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.analysis import LowercaseFilter, RegexTokenizer, StemFilter, StopFilter

from search import analysis
from search.analysis import (
    MIN_LENGTH,
    STOP_WORDS,
    WORD,
    PatentAnalyzer,
    class_code_analyzer,
    normalize_code,
    patent_analyzer,
)
from search.schema import class_levels, to_fields


def tokens(text: str) -> list[str]:
    return [t.text for t in patent_analyzer()(text)]


def test_analyzer_drops_patent_boilerplate_and_english_stop_words():
    words = tokens("2. The apparatus of claim 1, wherein said plurality of sensors comprises "
                   "a thermistor, whereby the heater is controlled thereof")
    # Single characters ("2.", "claim 1") go too: minsize 2.
    assert words == ["apparatu", "sensor", "thermistor", "heater", "control"]


def test_analyzer_stems_and_lowercases():
    assert tokens("Batteries CHARGING Charged") == ["batteri", "charg", "charg"]


def test_analyzer_keeps_numbers_and_dotted_standards():
    assert tokens("an 802.11 radio at 2.4 GHz") == ["802.11", "radio", "2.4", "ghz"]


@pytest.mark.parametrize("raw, expected", [
    ("H04L 9/32", "H04L9/32"),
    ("h04l9/32", "H04L9/32"),
    (" H04L  9 / 32 ", "H04L9/32"),
    ("713/168", "713/168"),
])
def test_normalize_code(raw, expected):
    assert normalize_code(raw) == expected


def test_class_code_analyzer_keeps_each_code_whole():
    assert [t.text for t in class_code_analyzer()("H04L 9/32, G06F 21/00 713/168")] == [
        "H04L9/32", "G06F21/00", "713/168"]


def test_class_levels_of_a_cpc_code():
    levels = class_levels("H04L 9/32")
    assert levels.facet_values() == {
        "cpc_section": "H", "cpc_class": "H04", "cpc_subclass": "H04L",
        "cpc_group": "H04L 9/00"}
    assert levels.tokens() == ["H", "H04", "H04L", "H04L9/00", "H04L9/32"]


@pytest.mark.parametrize("code", ["713/168", "D14/138", "", "not a class"])
def test_class_levels_rejects_non_hierarchical_codes(code):
    assert class_levels(code) is None


def test_to_fields_falls_back_to_ipc_for_classes_and_requires_an_id():
    fields = to_fields({"id": "US1", "ipc": ["H01M 2/34"], "uspc": ["429/7"]})
    assert fields["cpc_group"] == "H01M 2/00"
    assert fields["uspc"] == "429 429/7"
    with pytest.raises(ValueError):
        to_fields({"title": "no id"})


# The characters where WORD's rule is subtle: dots (joining "802.11", ending sentences), the
# underscore, non-ASCII letters and digits, non-ASCII punctuation and spaces, case pairs whose
# lowercase is longer ("İ") or ASCII ("K", the Kelvin sign).
_TRICKY = st.sampled_from(list("aZ9_. .,;-\n\t..éÉμΩ°—“”₂²×İK\u00a0\u0307αβΣ'"))


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(_TRICKY, st.characters()), max_size=60).map("".join))
def test_the_fast_path_finds_the_words_of_the_word_pattern(text):
    analyzer = PatentAnalyzer()
    expected = whoosh_terms(text)
    assert analyzer.terms(text) == expected
    assert analyzer.joined_terms(text) == " ".join(expected)
    assert [token.text for token in analyzer(text)] == expected  # queries analyse as documents


@pytest.mark.parametrize("text", [
    "end.", ".net framework", "a..b c", "FIG. 1 shows 802.11 and e.g. IEEE",
    "x. .y", "…more…", "CO₂ at 25°C—cooling", "ΑΒΓ μm", "İstanbul", "",
    "ΟΔΟΣ'Α and ΟΣ.Α", "aΣ'a", "Kelvin K and ǅ", "end..", "..", "a\ud800b", "DİSK drive",
])
def test_the_fast_path_on_sentence_dots_and_unicode(text):
    analyzer = PatentAnalyzer()
    expected = whoosh_terms(text)
    assert analyzer.terms(text) == expected
    assert analyzer.joined_terms(text) == " ".join(expected)
    assert [token.text for token in analyzer(text)] == expected  # queries analyse as documents


def whoosh_terms(text):
    """Return the terms of Whoosh's own chain: RegexTokenizer | LowercaseFilter | StopFilter | StemFilter."""
    chain = RegexTokenizer(WORD) | LowercaseFilter() | StopFilter(STOP_WORDS, minsize=MIN_LENGTH) | StemFilter()
    return [token.text for token in chain(text)]


def test_a_word_is_lowercased_after_it_is_found():
    """"İ" lowercases to "i" and a combining dot: the word stays whole, in documents and queries."""
    analyzer = PatentAnalyzer()
    assert analyzer.terms("DİSK drive in İstanbul") == ["di\u0307sk", "drive", "i\u0307stanbul"]
    assert analyzer.terms("ΟΣ'Α") == ["ος"]  # "Σ" ends its word: final, whatever follows the word


def test_the_stem_cache_is_replaced_when_full(monkeypatch):
    monkeypatch.setattr(analysis, "_STEM_CACHE_LIMIT", 3)
    analyzer = PatentAnalyzer()
    assert analyzer.terms("gears sprockets chains pulleys belts") == [
        "gear", "sprocket", "chain", "pullei", "belt"]
    assert len(analyzer._pieces) < 3
    assert analyzer.terms("gears belts") == ["gear", "belt"]
    assert analyzer.joined_terms("gears sprockets chains pulleys belts") == (
        "gear sprocket chain pullei belt")
    assert len(analyzer._joined) < 3
    assert analyzer.joined_terms("the gears, said belts") == "gear belt"
