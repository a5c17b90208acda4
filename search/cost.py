"""The cost bounds of a user query, the same for every backend.

Some queries are cheap to write and ruinous to answer: ``?*`` or ``title:*`` walk every term
of a field, and a few of them at once stall a server. So before any backend runs a query:

* a query that is only stars (``*``, ``**``, ``(*)``, ``* *``) means "everything" and is
  answered as such (cheap); ``field:*`` and a wildcard with fewer than ``MIN_PREFIX`` letters
  before its first ``*`` or ``?`` (``?*``, ``a*``, ``a OR *``) are refused;
* a wildcard may hold at most ``MAX_WILDCARD_CHARS`` ``*`` and ``?`` and
  ``MAX_PATTERN_LENGTH`` characters, counted as typed: tantivy compiles each pattern into an
  automaton whose size and build time grow with both (``con*e*e*e...`` took seconds, and a
  long pattern overflows its state limit);
* a query may hold at most ``MAX_WILDCARDS`` wildcards and ``MAX_CLAUSES`` clauses (a word
  searched over the four text fields is four clauses);
* each wildcard or word range may stand for at most ``MAX_EXPANSION`` indexed terms (the
  backend counts, where it can: see ``Expander``);
* answering may take at most ``TIME_BUDGET`` seconds: ``Budget.check`` between stages.

A query over a bound raises ``QueryTooCostlyError``, a ``QuerySyntaxError``: callers show
its message as they show any other problem with a query.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from whoosh import query as wq

from .results import QueryTooCostlyError

MIN_PREFIX = 3
# Class codes are short and their fields small ("cpc:H04*"); the expansion cap bounds them.
MIN_PREFIX_CODES = 2
CODE_FIELDS = frozenset({"cpc", "ipc", "uspc"})
MAX_WILDCARDS = 8
# Enough for the truncations patent searches write (electr*, colo?r, sul?ph*te, alumin?um)
# and for long words (hydroxypropylmethylcellulose*). tantivy builds an automaton per pattern
# and field, twice (search, facets): eight patterns at these bounds cost it 0.3-0.5 s, eight
# of con*e*e*... (28 stars) took 8.5 s (docs/SEARCH.md).
MAX_WILDCARD_CHARS = 3
MAX_PATTERN_LENGTH = 32
MAX_CLAUSES = 256
MAX_EXPANSION = 2_000
TIME_BUDGET = 3.0

# (leaf, cap) -> how many indexed terms the leaf stands for, counting at most cap + 1.
Expander = Callable[[wq.Query, int], int]

WILDCARD_CHARS = "*?"


def literal_prefix(leaf: wq.Query) -> str:
    """Return the letters before a wildcard leaf's first ``*`` or ``?``."""
    text: str = leaf.text
    if isinstance(leaf, wq.Prefix):
        return text
    cut = min((text.index(c) for c in WILDCARD_CHARS if c in text), default=len(text))
    return text[:cut]


def pattern(leaf: wq.Query) -> str:
    """Return a wildcard leaf's pattern as written, the final ``*`` of a prefix included."""
    text: str = leaf.text
    return text + "*" if isinstance(leaf, wq.Prefix) else text


def is_expanding(leaf: wq.Query) -> bool:
    """Return True for a leaf that stands for many indexed terms (wildcard or word range)."""
    return isinstance(leaf, (wq.Prefix, wq.Wildcard, wq.TermRange)) and not isinstance(
        leaf, wq.NumericRange)


def _leaves(q: wq.Query) -> Iterator[wq.Query]:
    """Yield the leaves of a query tree."""
    if q.is_leaf():
        yield q
    for child in q.children():
        yield from _leaves(child)


def check_shape(q: wq.Query) -> None:
    """Refuse a parsed query over the static bounds (match-all wildcards, sizes)."""
    leaves = list(_leaves(q))
    if len(leaves) > MAX_CLAUSES:
        raise QueryTooCostlyError(
            f"This query is too long to answer quickly ({len(leaves)} clauses; at most "
            f"{MAX_CLAUSES}): search for fewer words or fields.")
    wildcards = {(type(leaf), getattr(leaf, "text", None)) for leaf in leaves
                 if isinstance(leaf, (wq.Prefix, wq.Wildcard))}
    if len(wildcards) > MAX_WILDCARDS:
        raise QueryTooCostlyError(
            f"This query has too many wildcards to answer quickly ({len(wildcards)}; at most "
            f"{MAX_WILDCARDS}).")
    for leaf in leaves:
        if isinstance(leaf, wq.Every) and leaf.fieldname:
            raise QueryTooCostlyError(
                "A * standing alone in a query (or after a field name, as in title:*) would "
                "list every word of a field. To see every document, search for nothing (or "
                f"*); otherwise write at least {MIN_PREFIX} letters before the *.")
        if isinstance(leaf, (wq.Prefix, wq.Wildcard)):
            _check_wildcard(leaf)


def _check_wildcard(leaf: wq.Query) -> None:
    """Refuse a wildcard too broad (too few letters first) or too complex to match quickly."""
    minimum = MIN_PREFIX_CODES if leaf.field() in CODE_FIELDS else MIN_PREFIX
    if len(literal_prefix(leaf)) < minimum:
        raise QueryTooCostlyError(
            f"Wildcards need at least {MIN_PREFIX} letters before the first * or ? "
            "(batter* is fine, b* or ?* is too broad). To see every document, search "
            "for nothing (or *).")
    written = pattern(leaf)
    wild = sum(written.count(c) for c in WILDCARD_CHARS)
    if wild > MAX_WILDCARD_CHARS or len(written) > MAX_PATTERN_LENGTH:
        shown = written if len(written) <= MAX_PATTERN_LENGTH else written[:MAX_PATTERN_LENGTH] + "..."
        raise QueryTooCostlyError(
            f'The wildcard "{shown}" is too complex to answer quickly: a wildcard may hold at '
            f"most {MAX_WILDCARD_CHARS} * or ? and {MAX_PATTERN_LENGTH} characters "
            "(electr*, colo?r and sul?ph*te are fine).")


def check_expansion(q: wq.Query, expand: Expander) -> None:
    """Refuse a query whose wildcards or word ranges stand for too many indexed terms."""
    for leaf in _leaves(q):
        if is_expanding(leaf) and expand(leaf, MAX_EXPANSION) > MAX_EXPANSION:
            shown = getattr(leaf, "text", "") or "range"
            raise QueryTooCostlyError(
                f'"{shown}" matches more than {MAX_EXPANSION:,} different words: add letters '
                "before the wildcard, or narrow the range.")


class Budget:
    """A deadline for answering one query."""

    def __init__(self, seconds: float | None = None) -> None:
        self.seconds = TIME_BUDGET if seconds is None else seconds
        self.deadline = time.monotonic() + self.seconds

    def check(self) -> None:
        """Raise QueryTooCostlyError once the deadline has passed."""
        if time.monotonic() > self.deadline:
            raise QueryTooCostlyError(
                f"This query took too long (over {self.seconds:g} s): search for more "
                "specific words, or add a filter.")
