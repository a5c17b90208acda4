"""Text analysis for patent documents: the English analyzer and the class-code analyzer.

Stop words are the usual English function words plus the boilerplate that patent drafting
puts in nearly every claim ("said", "wherein", "comprising", "a plurality of"...). Those words
say nothing about the invention, yet they dominate the term counts of a claim, so leaving them
in would make query-by-claim search for boilerplate.

Deliberately *kept*, although frequent: "apparatus", "method", "system", "device", "means",
"process", "composition". They name the claim's category, users type them ("method of
encoding"), titles use them, and BM25's IDF already weighs them down where they are common.
Also kept: "first"/"second" (they distinguish elements: "first electrode") and numbers
("802.11", "3D"), which can be the most specific words of a query.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from itertools import chain
from typing import Any

from whoosh.analysis import Analyzer, Token, Tokenizer
from whoosh.analysis.filters import STOP_WORDS as WHOOSH_STOP_WORDS
from whoosh.lang.porter import stem as porter_stem

ENGLISH_STOP_WORDS = frozenset(WHOOSH_STOP_WORDS) | frozenset(
    ["about", "above", "after", "again", "against", "all", "also", "am", "any", "because", "been", "before", "being", "below", "between", "both", "but", "could", "did", "do", "does", "doing", "down", "during", "each", "few", "further", "had", "has", "having", "he", "her", "here", "hers", "him", "his", "how", "i", "into", "its", "itself", "me", "more", "most", "my", "no", "nor", "now", "off", "once", "only", "other", "our", "ours", "out", "over", "own", "same", "she", "should", "so", "some", "such", "than", "their", "theirs", "them", "then", "there", "these", "they", "those", "through", "too", "under", "until", "up", "very", "was", "were", "what", "where", "which", "while", "who", "whom", "why", "would", "whose", "upon", "via"]
)

# Inflections are listed because stop words are removed before stemming (the stemmer must see
# the original word to keep stems such as "compris" out of the index entirely).
PATENT_STOP_WORDS = frozenset(
    ["said", "wherein", "whereby", "wherefrom", "whereupon", "whereof", "herein", "hereby", "hereto", "hereof", "hereinafter", "therein", "thereof", "thereto", "thereby", "therefrom", "thereon", "therewith", "thereupon", "comprising", "comprises", "comprise", "comprised", "including", "includes", "consisting", "consists", "claim", "claims", "claimed", "claiming", "plurality", "respective", "respectively", "least", "according", "substantially"]
)

STOP_WORDS = ENGLISH_STOP_WORDS | PATENT_STOP_WORDS

# Whoosh's default word pattern keeps "802.11" and "e.g" together.
WORD = re.compile(r"\w+(?:\.\w+)*")
MIN_LENGTH = 2
# The whole value as one match (untokenised fields): anchored, so exactly one match.
WHOLE = re.compile(r"\A.*\Z", re.DOTALL)
_STEM_CACHE_LIMIT = 500_000


# UTF-8 text -> pieces split on ASCII spaces: ASCII letters lowercased, digits, "_" and "."
# kept, every byte of a non-ASCII character kept, a space for every other ASCII byte. WORD's
# matches never cross those spaces, so a text's words are its pieces' words in order, and a
# piece ("end.", "co₂", "25°c") is analysed once, then looked up (see _PieceTerms). Words are
# lowercased one by one after they are found, as Whoosh's LowercaseFilter does ("İ" lowercases
# to "i" and a combining dot, which would split the word if the text were lowercased first;
# "Σ" is final at a word's end); lowercasing ASCII letters first changes neither.
_CONTEXTUAL = "\u03a3"  # the one letter whose lowercase depends on its neighbours
_PIECE_BYTES = bytes(b + 32 if 65 <= b <= 90 else b if chr(b).isalnum() or b in b"_." or
                     b >= 0x80 else 0x20 for b in range(256))


class _PieceTerms(dict[bytes, tuple[str, ...]]):
    """Piece of text (UTF-8) -> its indexed terms (none for a stop word).

    A hit is a plain dict lookup (C), so mapping a text's pieces costs no Python call per
    word; a miss analyses the piece with WORD. A full cache is replaced for the next text,
    never cleared under a reader.
    """

    def __init__(self, analyzer: PatentAnalyzer) -> None:
        super().__init__()
        self.analyzer = analyzer

    def __missing__(self, piece: bytes) -> tuple[str, ...]:
        words = map(str.lower, WORD.findall(piece.decode("utf-8", "surrogatepass")))
        terms = self[piece] = tuple(filter(None, map(self.analyzer.stem, words)))
        if len(self) >= _STEM_CACHE_LIMIT:
            self.analyzer._pieces = _PieceTerms(self.analyzer)
        return terms


class _PieceJoined(dict[bytes, str]):
    """Piece of text (UTF-8) -> its terms, each followed by a space ("" for a stop word).

    Joining these with "" costs one C lookup per piece and no per-term iteration: a third
    less time than joining the terms of _PieceTerms with spaces.
    """

    def __init__(self, analyzer: PatentAnalyzer) -> None:
        super().__init__()
        self.analyzer = analyzer

    def __missing__(self, piece: bytes) -> str:
        joined = self[piece] = "".join(f"{term} " for term in self.analyzer._pieces[piece])
        if len(self) >= _STEM_CACHE_LIMIT:
            self.analyzer._joined = _PieceJoined(self.analyzer)
        return joined


class PatentAnalyzer(Analyzer):
    """Tokenise, lowercase, drop stop words and Porter-stem, in one pass.

    The same result as RegexTokenizer | LowercaseFilter | StopFilter | StemFilter, but
    indexing spends most of its time analysing long descriptions, and one generator with a
    word -> stem cache is several times faster than Whoosh's chain of four generators.
    """

    def __init__(self) -> None:
        self._stems: dict[str, str | None] = {}
        self._pieces = _PieceTerms(self)
        self._joined = _PieceJoined(self)

    def __getstate__(self) -> dict[str, Any]:
        # The schema (with its analyzers) is pickled into the index: leave the cache out.
        return {}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._stems = {}
        self._pieces = _PieceTerms(self)
        self._joined = _PieceJoined(self)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))

    def stem(self, word: str) -> str | None:
        """Return the stem of a lowercased word, or None for a stop word."""
        stems = self._stems
        if word not in stems:
            stems = self._learn(stems, {word})
        return stems[word]

    def _learn(self, stems: dict[str, str | None], words: set[str]) -> dict[str, str | None]:
        """Add words to the cache and return it; a full cache is replaced, never cleared,
        so a thread still reading the old one is not disturbed."""
        if len(stems) + len(words) > _STEM_CACHE_LIMIT:
            stems = self._stems = {}
        for word in words:
            stems[word] = (None if len(word) < MIN_LENGTH or word in STOP_WORDS
                           else porter_stem(word))
        return stems

    def terms(self, value: str) -> list[str]:
        """Return the indexed terms of a text, in order: the indexing fast path."""
        return list(self._terms(value))

    def joined_terms(self, value: str) -> str:
        """Return the indexed terms of a text joined by spaces, in order."""
        # Each piece's terms come with a trailing space: drop the text's last one.
        return "".join(map(self._joined.__getitem__, _pieces(value)))[:-1]

    def _terms(self, value: str) -> Iterable[str]:
        """Return WORD's matches lowercased, stemmed and stopped, in order.

        Found without running the regular expression over the text (most of the time of
        indexing): a byte table splits it into pieces, and each piece's terms are looked up
        (_PieceTerms); everything per word happens in C.
        """
        return chain.from_iterable(map(self._pieces.__getitem__, _pieces(value)))

    def __call__(self, value: str, positions: bool = False, chars: bool = False,
                 keeporiginal: bool = False, removestops: bool = True, start_pos: int = 0,
                 start_char: int = 0, tokenize: bool = True, mode: str = "",
                 **kwargs: Any) -> Iterator[Token]:
        """Yield Whoosh tokens (one reused Token object, as Whoosh's tokenizers do)."""
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        token.boost = 1.0
        # Each word lowercased once found, as the indexing path does. Lowercasing the whole
        # text gives the same words, faster, unless a letter's lowercase is longer ("İ": its
        # combining dot would split the word, and offsets would move) or depends on what
        # follows it ("Σ", final at a word's end).
        lowered = value.lower()
        whole = len(lowered) == len(value) and _CONTEXTUAL not in value
        source = lowered if whole else value
        matches = WORD.finditer(source) if tokenize else WHOLE.finditer(source)
        pos = start_pos
        for match in matches:
            word = match.group() if whole else match.group().lower()
            stem = self.stem(word)
            if stem is None and removestops:
                continue
            token.stopped = stem is None
            token.text = word if stem is None else stem
            if keeporiginal:
                token.original = value[match.start():match.end()]
            if positions:
                token.pos = pos
                pos += 1
            if chars:
                token.startchar = start_char + match.start()
                token.endchar = start_char + match.end()
            yield token


def _pieces(value: str) -> list[bytes]:
    """Return a text's pieces (UTF-8, see _PIECE_BYTES) in order."""
    # surrogatepass: a lone surrogate (from a broken file) separates words, as in WORD.
    return value.encode("utf-8", "surrogatepass").translate(_PIECE_BYTES).split()


def patent_analyzer() -> Analyzer:
    """Return the English analyzer: tokenise, lowercase, drop stop words, Porter-stem."""
    return PatentAnalyzer()


# "H04L 9/32", "H04L9/32", "h04l  9 / 32" all mean the same subgroup.
_CODE_SPACES = re.compile(r"(?<=[A-Z])\s+(?=\d)|\s*/\s*")


def normalize_code(code: str) -> str:
    """Return a class code in its search-token form: upper case, no inner spaces."""
    return _CODE_SPACES.sub(lambda m: "/" if "/" in m.group() else "", code.strip().upper())


class ClassCodeTokenizer(Tokenizer):
    """Split a string of class codes on commas/semicolons/whitespace between codes.

    "H04L 9/32" stays one token: the space between subclass and group is part of the code.
    """

    _split = re.compile(r"[^\s,;]+")

    def __call__(self, value: str, positions: bool = False, chars: bool = False,
                 keeporiginal: bool = False, removestops: bool = True, start_pos: int = 0,
                 start_char: int = 0, tokenize: bool = True, mode: str = "",
                 **kwargs: Any) -> Iterator[Token]:
        """Yield one token per normalised class code."""
        text = normalize_code(value)
        pieces = self._split.finditer(text) if tokenize else WHOLE.finditer(text)
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for pos, match in enumerate(pieces):
            token.text = match.group()
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = token.text
            if positions:
                token.pos = start_pos + pos
            if chars:
                token.startchar = start_char + match.start()
                token.endchar = start_char + match.end()
            yield token


def class_code_analyzer() -> Analyzer:
    """Return the analyzer of the cpc/ipc/uspc query fields."""
    return ClassCodeTokenizer()
