"""Words as scikit-learn's analyzer finds them, faster."""
from __future__ import annotations

from sklearn.feature_extraction.text import CountVectorizer

from scoring.text import words


def test_tokens_match_scikit_learns_default_analyzer():
    text = "Ünïcode_words, a 1-bit H04L9/32 widget's (x2) e.g. the_end and AND or."
    expected = CountVectorizer(stop_words="english").build_analyzer()(text)
    assert words(text) == expected
