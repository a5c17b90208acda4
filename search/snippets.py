"""Snippets: the passage of a stored field around its first match, HTML-escaped.

Whoosh's highlighter re-analyses the whole field of every hit and scores every candidate
fragment; for claim sets of thousands of words that costs more than the search. Here the text
is scanned only up to its first match, and only the window around it is marked up.
"""
from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Mapping

from .analysis import WORD

WINDOW = 260      # characters shown
LEAD = 70         # of which, before the first match
MARK = '<b class="match">{}</b>'
# A wildcard can expand to thousands of terms; marking the first few hundred is plenty.
MAX_TERMS = 300

Stem = Callable[[str], str | None]


def _escape(text: str) -> str:
    return html.escape(text, quote=False)


def _candidates(terms: frozenset[str]) -> re.Pattern[str]:
    """Return a pattern for words that may stem to one of terms.

    Porter stems are prefixes of their words, except that a final "y" may become "i"
    ("battery" -> "batteri"); so any word starting with a stem (less a final "i") is a
    candidate, and the regex engine finds candidates far faster than stemming every word.
    """
    prefixes = sorted({t[:-1] if t.endswith("i") and len(t) > 2 else t for t in terms},
                      key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(map(re.escape, prefixes)) + r")", re.IGNORECASE)


def _first_match(text: str, terms: frozenset[str], stem: Stem) -> int | None:
    """Return where the first word whose stem is a query term starts, or None."""
    for candidate in _candidates(terms).finditer(text):
        word = WORD.match(text, candidate.start())
        if word and stem(word.group().lower()) in terms:
            return word.start()
    return None


def _bounds(text: str, first: int) -> tuple[int, int]:
    """Return a window around position first, widened or cut to whole words."""
    start = max(0, first - LEAD)
    if start:
        space = text.find(" ", start, first)
        start = space + 1 if space >= 0 else start
    end = min(len(text), start + WINDOW)
    if end < len(text):
        space = text.rfind(" ", first, end)
        end = space if space > first else end
    return start, end


def _mark(window: str, terms: frozenset[str], stem: Stem) -> str:
    """Return the window escaped, with matching words wrapped in <b class="match">."""
    out, last = [], 0
    for match in WORD.finditer(window):
        if stem(match.group().lower()) in terms:
            out += [_escape(window[last:match.start()]), MARK.format(_escape(match.group()))]
            last = match.end()
    out.append(_escape(window[last:]))
    return "".join(out)


def passage(text: str, terms: frozenset[str], stem: Stem) -> str | None:
    """Return the marked-up passage around the first match in text, or None."""
    if len(terms) > MAX_TERMS:
        terms = frozenset(sorted(terms)[:MAX_TERMS])
    first = _first_match(text, terms, stem) if terms else None
    if first is None:
        return None
    start, end = _bounds(text, first)
    return (("… " if start else "") + _mark(text[start:end], terms, stem)
            + (" …" if end < len(text) else ""))


def lead(text: str) -> str:
    """Return the escaped start of a text, cut at a word boundary."""
    if len(text) <= WINDOW:
        return _escape(text)
    return _escape(text[:WINDOW].rsplit(" ", 1)[0]) + " …"


def snippet(stored: Mapping[str, str], fields: Iterable[str],
            terms: Mapping[str, frozenset[str]], stem: Stem) -> str:
    """Return the first field's passage that has a match, else the start of the first text.

    The title is only the last resort: the result list shows it anyway.
    """
    fields = [*fields, "title"]
    for name in fields[:-1]:
        found = passage(stored.get(name) or "", terms.get(name, frozenset()), stem)
        if found is not None:
            return found
    return lead(next((stored[name] for name in fields if stored.get(name)), ""))
