"""A parsed query (the shared language's tree, see ``search.parsing``) as a tantivy query.

Whoosh's tree is the language's syntax tree; each node becomes the tantivy query with the same
matches: terms and phrases on the same analysed terms, wildcards as regular expressions over
the term dictionary, date ranges on day numbers. Differences, documented in docs/SEARCH.md and
tested in the contract suite: a sloppy phrase ("a b"~3) counts slop as tantivy does (words in
between, order kept), and a word range on a text field (title:[a TO c]) is refused. So is a
phrase of several codes or tags (uspc:"429 50"): those fields have no positions (nor in Whoosh,
whose schema says phrase=False). A query tantivy refuses to build (a wildcard whose automaton
is too large) is a ``QuerySyntaxError``, as any other query the user must change.
"""
from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable

import tantivy
from whoosh import query as wq
from whoosh.util.times import long_to_datetime

from ...parsing import check_phrase, year_terms
from ...results import QuerySyntaxError, QueryTooCostlyError
from .documents import DATE_FIELDS, PHRASE_FIELDS, schema

Occur = tantivy.Occur
Query = tantivy.Query

# Characters with a meaning in tantivy's (Rust) regular expressions.
_REGEX_SPECIAL = set("\\.+*?()|[]{}^$#&-~")


def everything() -> Query:
    """Return the query matching every document."""
    return Query.all_query()


def nothing() -> Query:
    """Return a query matching no document."""
    return Query.boolean_query([])


def term(field: str, text: str) -> Query:
    """Return a term query on an exact indexed term."""
    return Query.term_query(schema(), field, text)


def both(*parts: tuple[Occur, Query]) -> Query:
    """Return a boolean query of (occur, query) parts."""
    return Query.boolean_query(list(parts))


def _escape(text: str) -> str:
    """Return text as a literal inside a regular expression."""
    return "".join("\\" + c if c in _REGEX_SPECIAL else c for c in text)


def glob_regex(pattern: str) -> str:
    """Return a Whoosh wildcard pattern (* any run, ? one character) as a regex."""
    return "".join(".*" if c == "*" else "." if c == "?" else _escape(c) for c in pattern)


def day_range(field: str, first: int | None, last: int | None) -> Query:
    """Return documents whose date field's day number lies in [first, last] (None: open-ended).

    Day numbers (``date.toordinal``), not dates: a bound one day past the first or last date
    Python knows (before=0001-01-01) is an empty range, not an OverflowError.
    """
    lower = dt.date.min.toordinal() if first is None else first
    upper = dt.date.max.toordinal() if last is None else last
    if lower > upper:
        return nothing()
    return Query.range_query(schema(), DATE_FIELDS[field], tantivy.FieldType.Unsigned, lower,
                             upper, True, True)


def _numeric_range(q: wq.NumericRange) -> Query:
    """Return a date range: the days whose midnight lies within Whoosh's datetime bounds."""
    first = last = None
    if q.start is not None:
        start = long_to_datetime(q.start)
        first = start.toordinal() + (start.time() != dt.time() or bool(q.startexcl))
    if q.end is not None:
        end = long_to_datetime(q.end)
        last = end.toordinal() - (end.time() == dt.time() and bool(q.endexcl))
    return day_range(q.fieldname, first, last)


def _boosted(query: Query, boost: float) -> Query:
    """Return the query with its score multiplied by boost (when not 1)."""
    return query if math.isclose(boost, 1.0) else Query.boost_query(query, boost)


def _compound(q: wq.Query, convert: Callable[[wq.Query], Query]) -> Query:
    """Return And/Or/Not and the binary operators as boolean queries."""
    if isinstance(q, wq.Not):
        return both((Occur.Must, everything()), (Occur.MustNot, convert(q.query)))
    if isinstance(q, wq.AndNot):
        return both((Occur.Must, convert(q.a)), (Occur.MustNot, convert(q.b)))
    if isinstance(q, wq.AndMaybe):
        return both((Occur.Must, convert(q.a)), (Occur.Should, convert(q.b)))
    if isinstance(q, wq.Require):  # scored by a, filtered by b
        return both((Occur.Must, convert(q.a)),
                    (Occur.Must, Query.const_score_query(convert(q.b), 0.0)))
    if isinstance(q, wq.And):
        parts = [(Occur.MustNot, convert(sub.query)) if isinstance(sub, wq.Not)
                 else (Occur.Must, convert(sub)) for sub in q.subqueries]
        if all(occur == Occur.MustNot for occur, _ in parts):
            parts.append((Occur.Must, everything()))
        return both(*parts)
    if isinstance(q, wq.Or):
        return both(*((Occur.Should, convert(sub)) for sub in q.subqueries))
    raise QuerySyntaxError(f"This search backend cannot answer {type(q).__name__} queries.")


def _phrase(q: wq.Phrase) -> Query:
    """Return a phrase query; refuse one of several words where there are no positions."""
    words = list(q.words)
    if len(words) < 2:
        return term(q.fieldname, words[0]) if words else nothing()
    check_phrase(q)  # parse refuses these already; a tree built elsewhere gets the same answer
    if q.fieldname not in PHRASE_FIELDS:
        raise QuerySyntaxError(f"Phrases cannot be searched in {q.fieldname}:.")
    return Query.phrase_query(schema(), q.fieldname, words, max(0, q.slop - 1))


def _regex(q: wq.Prefix | wq.Wildcard, pattern: str) -> Query:
    """Return a regex query over the term dictionary; refuse one tantivy cannot compile."""
    try:
        return Query.regex_query(schema(), q.fieldname, pattern)
    except ValueError as error:  # our patterns are escaped: what fails is the automaton's size
        raise QueryTooCostlyError(
            f'The wildcard "{q.text}" is too complex to search for: use fewer * and ? '
            "(more letters and fewer wildcards).") from error


def to_tantivy(q: wq.Query) -> Query:
    """Return the tantivy query of a parsed query; QuerySyntaxError when tantivy refuses it."""
    try:
        return _convert(q)
    except QuerySyntaxError:
        raise
    except ValueError as error:  # tantivy refuses with ValueError; it is the query, not the index
        raise QuerySyntaxError(f"This query cannot be searched ({error}): simplify it.") from error


def _convert(q: wq.Query) -> Query:
    """Return the tantivy query of a parsed query (or part of one)."""
    boost = getattr(q, "boost", 1.0)
    if isinstance(q, wq.Every) and not q.fieldname:
        return everything()
    if type(q) is type(wq.NullQuery):
        return nothing()
    if isinstance(q, wq.Term):
        found = term(q.fieldname, q.text)
    elif isinstance(q, wq.Phrase):
        found = _phrase(q)
    elif isinstance(q, wq.Prefix):
        found = _regex(q, _escape(q.text) + ".*")
    elif isinstance(q, wq.Wildcard):
        found = _regex(q, glob_regex(q.text))
    elif isinstance(q, wq.NumericRange) and q.fieldname in DATE_FIELDS:
        found = _numeric_range(q)
    elif isinstance(q, wq.TermRange) and q.fieldname == "year":
        found = _convert(year_terms(q))  # parse lists them already; one rule for any tree
    elif isinstance(q, wq.TermRange):
        raise QuerySyntaxError(
            "Ranges work on dates and years (publication_date:[2010 TO 2012], year:[2010 TO "
            "2012]), not on words.")
    else:
        found = _compound(q, _convert)
    return _boosted(found, boost)
