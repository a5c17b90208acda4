"""Key terms in the claim's own words: the index holds stems ("mobil"), readers want words."""
from __future__ import annotations

from collections import Counter, defaultdict

from search.analysis import WORD, PatentAnalyzer


def surface_words(text: str, stems: list[str]) -> dict[str, str]:
    """Return, for each stem, the word of `text` that most often stems to it (first seen on a tie)."""
    analyzer = PatentAnalyzer()
    wanted = set(stems)
    seen: dict[str, Counter[str]] = defaultdict(Counter)
    for word in WORD.findall(text.lower()):
        stem = analyzer.stem(word)
        if stem in wanted:
            seen[stem][word] += 1  # Counter keeps first-seen order among equal counts
    return {stem: seen[stem].most_common(1)[0][0] if seen[stem] else stem for stem in stems}


def readable_key_terms(text: str, key_terms: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """Return the key terms (stem, weight) with each stem replaced by its word in `text`."""
    words = surface_words(text, [term for term, _ in key_terms])
    return [(words[term], weight) for term, weight in key_terms]
