"""Snippets: the passage around the first match, escaped, matches marked."""
from __future__ import annotations

from search.analysis import PatentAnalyzer
from search.snippets import WINDOW, lead, passage, snippet

STEM = PatentAnalyzer().stem


def test_passage_marks_every_inflection_of_a_term():
    text = "The batteries are charged. A <battery> & a BATTERY."
    assert passage(text, frozenset({"batteri", "charg"}), STEM) == (
        'The <b class="match">batteries</b> are <b class="match">charged</b>. '
        'A &lt;<b class="match">battery</b>&gt; &amp; a <b class="match">BATTERY</b>.')


def test_passage_is_a_window_around_the_first_match():
    text = "lorem " * 200 + "a thermistor here " + "ipsum " * 200
    found = passage(text, frozenset({"thermistor"}), STEM)
    assert found.startswith("… ") and found.endswith(" …")
    assert '<b class="match">thermistor</b>' in found
    assert len(found) < WINDOW + 60


def test_passage_without_a_match_is_none():
    assert passage("nothing relevant", frozenset({"thermistor"}), STEM) is None
    assert passage("nothing relevant", frozenset(), STEM) is None


def test_a_word_that_only_starts_like_a_term_is_not_marked():
    assert passage("a charger", frozenset({"charg"}), STEM) is None


def test_snippet_prefers_the_first_field_with_a_match_then_falls_back():
    stored = {"title": "T", "abstract": "no match", "claims": "1. A gear."}
    assert snippet(stored, ["abstract", "claims"], {"claims": frozenset({"gear"})}, STEM) == (
        '1. A <b class="match">gear</b>.')
    assert snippet(stored, ["abstract", "claims"], {}, STEM) == "no match"
    assert snippet({"title": "<T>"}, ["abstract"], {}, STEM) == "&lt;T&gt;"


def test_lead_cuts_long_text_at_a_word():
    assert lead("word " * 100).endswith("word …")
