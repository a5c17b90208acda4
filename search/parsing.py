"""The user query language: Whoosh's syntax, checked first so mistakes get a clear answer.

Whoosh's parser never fails: an unclosed quote or parenthesis, or an unknown field name, is
silently read as something else, and the user gets results for a query they did not write.
``parse`` rejects those with ``QuerySyntaxError`` instead.

Two parts of the tree are rewritten once, here, so that every backend answers them alike: a
wildcard on a stemmed field also matches its word's stem (``_with_stem``), and a year range
becomes the years it spans (``year_terms``). ``-word`` and ``+word`` are operators of the
parser (``_SIGNS``): NOT word, and word required.
"""
from __future__ import annotations

import datetime as dt
import operator
import re
from collections.abc import Callable
from typing import Any

from whoosh import query as wq
from whoosh.qparser import AndGroup, MultifieldPlugin, OperatorsPlugin, QueryParser, syntax
from whoosh.qparser.plugins import Plugin
from whoosh.util.times import long_to_datetime

from . import cost
from .analysis import PatentAnalyzer
from .phrases import PatentPhrase
from .results import QuerySyntaxError
from .schema import CLASS_LEVELS, DEFAULT_FIELDS, FIELD_BOOSTS, build_schema

QUERY_FIELDS = frozenset((
    "id", "title", "abstract", "claims", "description", "cpc", "ipc", "uspc", "applicants",
    "inventors", "tags", "kind", "doc_type", "status", "year", "publication_date",
    "priority_date", *CLASS_LEVELS,
))

_QUOTED = re.compile(r'"[^"]*"')
# Whoosh reads "name:" as a field name; ours start with a letter (so "10:30" stays text).
_FIELD_NAME = re.compile(r"(?<![\w.])([A-Za-z_]\w*):")

_DATE_FIELD = re.compile(r"(?<![\w.])(\w+_date):")
DATE_FIELDS = frozenset(name for name in QUERY_FIELDS if name.endswith("_date"))

_SCHEMA = build_schema()
# The fields whose words are indexed as English stems.
STEMMED_FIELDS = frozenset(name for name, field in _SCHEMA.items()
                           if isinstance(getattr(field, "analyzer", None), PatentAnalyzer))
_ANALYZER: PatentAnalyzer = _SCHEMA["claims"].analyzer

# The years a year range can reach: a range is answered as these years' terms (see year_terms).
# The form's year filter takes the same span; the first US patents date from 1790.
FIRST_YEAR = 1790
LAST_YEAR = 2200
# A year range selects documents, as a date range does, and should not reorder them (a rare
# year's term would outscore the words). Not zero: Whoosh's top-N collector skips postings
# that cannot score above zero, so its pages would miss what its total counts.
YEAR_BOOST = 1e-6


def _check_quotes(text: str) -> None:
    """Reject an unclosed phrase."""
    if text.count('"') % 2:
        raise QuerySyntaxError('A quotation mark is not closed: phrases go between two ".')


def _check_parentheses(unquoted: str) -> None:
    """Reject parentheses that do not pair up."""
    depth = 0
    for char in unquoted:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            raise QuerySyntaxError('There is a ")" without a matching "(".')
    if depth:
        raise QuerySyntaxError('A "(" is not closed: add the missing ")".')


def _check_fields(unquoted: str) -> None:
    """Reject unknown field names instead of searching for them as words."""
    for name in _FIELD_NAME.findall(unquoted):
        if name not in QUERY_FIELDS:
            known = ", ".join(sorted(QUERY_FIELDS - set(CLASS_LEVELS)))
            raise QuerySyntaxError(
                f'Unknown field "{name}:". Search one of: {known}; '
                'or put the text in quotes to search for it literally.'
            )


def _first_error(q: wq.Query) -> wq.Query | None:
    """Return the first part Whoosh could not parse (it marks it with ``error``)."""
    if getattr(q, "error", None):
        return q
    return next(filter(None, map(_first_error, q.children())), None)


def _error_message(text: str, part: wq.Query) -> str:
    """Return what to tell the user about a part Whoosh could not parse."""
    # Whoosh's own messages ("invalid literal for int()") mean nothing to users; the only
    # fields that fail this way are the dates, so name the date field and its format.
    dates = _DATE_FIELD.findall(_QUOTED.sub(" ", text))
    if dates:
        return (f"Could not read the date in {dates[0]}:. Write dates as 2012, 201203 or "
                "20120315, and ranges as [2010 TO 2012].")
    return f"Could not read part of the query: {part.error}."


class _Parser(QueryParser):
    """Whoosh's parser, leaving a wildcard's letters on a stemmed field as typed."""

    def term_query(self, fieldname: str, text: str, termclass: Any, boost: float = 1.0,
                   tokenize: bool = True, removestops: bool = True) -> Any:
        """Return the query of one word; a wildcard on a stemmed field is lowercased only."""
        # Whoosh stems a wildcard's text as if it were a whole word: "gas*" became ga*
        # (broader, and refused as too short), "gas?s" became gas?. _with_stem adds the stem.
        if termclass in (wq.Prefix, wq.Wildcard) and fieldname in STEMMED_FIELDS:
            return termclass(fieldname, text.lower(), boost=boost)
        return super().term_query(fieldname, text, termclass, boost, tokenize, removestops)


class _Required(syntax.Wrapper):
    """A part written +word: it must match (as every part joined by AND must)."""

    def query(self, parser: QueryParser) -> Any:
        """Return the part's own query: "required" is where it stands, see _required_in_or."""
        return self.nodes[0].query(parser)


# A - or + before a word, a phrase, a field or a group excludes or requires it; only at the
# start of a word, so "lithium-ion" and "CO2-free" stay words (joined by AND, as before), and
# a - or + standing alone ("coil - motor") is no operator.
_SIGN = r"(?<![^\s(]){}(?=[^\s)+\-])"
_SIGNS = [
    # -word is NOT word: the same node, so the same answers (alone: everything except word).
    (OperatorsPlugin.OpTagger(_SIGN.format("-"), syntax.NotGroup, syntax.PrefixOperator,
                              memo="minus"), 0),
    (OperatorsPlugin.OpTagger(_SIGN.format(r"\+"), _Required, syntax.PrefixOperator,
                              memo="plus"), 0),
]


def _required_in_or(parser: QueryParser, group: Any) -> Any:
    """Return the syntax tree with each OR list holding a +word made "+word, others maybe".

    Between words joined by AND, + changes nothing. In an OR list (a OR +b) it means what it
    means in Lucene: b must match, a only ranks the documents that have it higher.
    """
    for i, node in enumerate(group):
        if isinstance(node, syntax.GroupNode):
            group[i] = _required_in_or(parser, node)
    if not isinstance(group, syntax.OrGroup):
        return group
    required = [node for node in group if isinstance(node, _Required)]
    rest = [node for node in group if not isinstance(node, _Required)]
    if not required:
        return group
    if not rest:
        return syntax.AndGroup(required, boost=group.boost)
    return syntax.AndMaybeGroup([syntax.AndGroup(required, boost=group.boost),
                                 syntax.OrGroup(rest, boost=group.boost)])


class _RequiredPlugin(Plugin):
    """Apply +word in OR lists, once the operators have made their groups."""

    def filters(self, parser: QueryParser) -> list[tuple[Any, int]]:
        """Return the filter, run after OperatorsPlugin's (600)."""
        return [(_required_in_or, 610)]


def _parser() -> QueryParser:
    """Return a parser over the default fields, AND between words, -word and +word."""
    # What whoosh.qparser.MultifieldParser does, with our parser class.
    parser = _Parser(None, _SCHEMA, group=AndGroup, phraseclass=PatentPhrase)
    parser.add_plugin(MultifieldPlugin(list(DEFAULT_FIELDS), fieldboosts=FIELD_BOOSTS))
    # Not Whoosh's PlusMinusPlugin: it reads "lithium-ion" as lithium ANDNOT ion, fails on a
    # -word inside parentheses, makes the other words optional beside a +word (ours are
    # ANDed), and answers a lone -word with nothing where NOT word is everything else.
    parser.replace_plugin(OperatorsPlugin(ops=_SIGNS))
    parser.add_plugin(_RequiredPlugin())
    return parser


def _with_stem(leaf: wq.Query) -> wq.Query:
    """Return a wildcard on a stemmed field, made to match the stem of its word too.

    The index holds stems ("gas" is "ga", "batteries" "batteri", "gases" "gase"), the
    wildcard the letters typed. A longer word keeps those letters in its stem ("gas*":
    "gasket"), but the word the pattern makes with its final stars matching nothing is
    indexed as that word's stem: so the pattern matches as typed, or, stars dropped, as the
    stem ("gas*": gas* or "ga"; "batteries*": batteries* or "batteri"; "gas?s": gas?s or
    gas?, which holds "gase"). The typed letters are never cut, so the bounds of
    ``search.cost`` measure what was typed.
    """
    written = cost.pattern(leaf)
    word = written.rstrip("*")
    stem = _ANALYZER.stem(word)
    if not stem or stem == word or (word != written and stem.startswith(word)):
        return leaf  # nothing a stem adds: a stop word, or the pattern already covers it
    if any(c in stem for c in cost.WILDCARD_CHARS):
        alternative = wq.Wildcard(leaf.fieldname, stem, boost=leaf.boost)
        if cost.literal_prefix(alternative) != cost.literal_prefix(leaf):
            return leaf
    else:
        alternative = wq.Term(leaf.fieldname, stem, boost=leaf.boost)
    return wq.Or([leaf, alternative])


def _year(text: str | None) -> int | None:
    """Return one end of a year range; None for an open end (nothing, or "*")."""
    if text is None or text.strip() in ("", "*"):
        return None
    try:
        return int(text)
    except ValueError as error:
        raise QuerySyntaxError(
            f'"{text}" is not a year: write a range of years as year:[2010 TO 2012] (or '
            "year:[2010 TO *] for 2010 and later).") from error


def year_terms(q: wq.TermRange) -> wq.Query:
    """Return a year range as the years it spans, compared as numbers.

    Years are exact-value terms ("2015"). Whoosh compared a range's ends as text ("3" sorts
    after "2015", so year:[1 TO 3] matched everything) and tantivy listed the years from the
    low end: the same range had two answers. Here the ends are numbers, clamped to
    FIRST_YEAR..LAST_YEAR, and both backends get the same few hundred terms at most. An open
    end ([TO 2000], {* TO 2000}) reaches its end of the span, whatever its bracket.
    """
    start, end = _year(q.start), _year(q.end)
    if start is not None and end is not None and start > end:
        raise QuerySyntaxError(
            f"The range year:[{q.start} TO {q.end}] runs backwards: write the earlier year "
            "first.")
    low = FIRST_YEAR if start is None else max(start + q.startexcl, FIRST_YEAR)
    high = LAST_YEAR if end is None else min(end - q.endexcl, LAST_YEAR)
    return wq.Or([wq.Term("year", str(year), boost=YEAR_BOOST)
                  for year in range(low, high + 1)])


# What to write instead of a phrase in a field without positions.
_ONE_AT_A_TIME = {"cpc": 'cpc:"H04L 9/32"', "ipc": 'ipc:"H01M 2/34"', "uspc": "uspc:429/50"}


def check_phrase(q: wq.Phrase) -> None:
    """Refuse a phrase of several words in a field kept without word positions (codes, tags).

    Such a field matches its codes one at a time: a phrase has no meaning there, and Whoosh,
    asked for one anyway, fails reading the index (UnpicklingError: "index damaged").
    """
    words = list(q.words)
    field = _SCHEMA[q.fieldname] if q.fieldname in _SCHEMA.names() else None
    if len(words) < 2 or field is None or field.supports("positions"):
        return
    example = _ONE_AT_A_TIME.get(q.fieldname, f"{q.fieldname}:{words[0]}")
    raise QuerySyntaxError(
        f'A phrase of several words ("{" ".join(words)}") cannot be searched in '
        f"{q.fieldname}:, whose codes and tags are matched one at a time: write one "
        f"({example}), or join several with AND or OR. Phrases work in the text fields, "
        "applicants and inventors.")


class _YearRange(wq.TermRange):
    """A year range as written, until ``_rewritten_leaf`` lists its years.

    Whoosh's normalising would make an open one ([TO], {TO}) "any year term", which the cost
    bounds refuse as year:* is, and [* TO *] a term "*"; this one stays a range.
    """

    def normalize(self) -> wq.Query:
        """Return the range itself."""
        return self


def _year_range(leaf: wq.Query) -> wq.Query:
    """Return a range on year: as a _YearRange, any other leaf as it is; refuse [TO] on dates."""
    if isinstance(leaf, wq.TermRange) and leaf.fieldname == "year":
        return _YearRange("year", leaf.start, leaf.end, leaf.startexcl, leaf.endexcl,
                          boost=leaf.boost)
    if isinstance(leaf, wq.Every) and leaf.fieldname in DATE_FIELDS:  # Whoosh's [TO] there
        raise QuerySyntaxError(
            f"The range {leaf.fieldname}:[TO] has no ends: write a date at one end at least, "
            f"as in {leaf.fieldname}:[2010 TO] or {leaf.fieldname}:[TO 20120315].")
    return leaf


def _day(number: int) -> str:
    """Return one end of a date range (Whoosh's datetime number) as the day it falls on."""
    day: dt.date = long_to_datetime(number).date()
    return day.isoformat()


def check_date_range(q: wq.NumericRange) -> None:
    """Refuse a date range written backwards, as year_terms refuses a year range."""
    if q.start is not None and q.end is not None and q.start > q.end:
        raise QuerySyntaxError(
            f"The range {q.fieldname}:[{_day(q.start)} TO {_day(q.end)}] runs backwards: "
            "write the earlier date first.")


def _rewritten_leaf(q: wq.Query) -> wq.Query:
    """Return a leaf with its wildcard's stem added or its year range listed; check the rest."""
    if isinstance(q, wq.Phrase):
        check_phrase(q)
    if isinstance(q, wq.NumericRange):  # the date fields' ranges
        check_date_range(q)
    if isinstance(q, (wq.Prefix, wq.Wildcard)) and q.fieldname in STEMMED_FIELDS:
        return _with_stem(q)
    if isinstance(q, wq.TermRange) and q.fieldname == "year":
        return year_terms(q)
    return q


def _leaves_replaced(q: wq.Query, change: Callable[[wq.Query], wq.Query]) -> wq.Query:
    """Return the tree with each leaf replaced by ``change(leaf)``, unchanged parts kept."""
    if q.is_leaf():
        return change(q)
    children = list(q.children())
    rewritten = [_leaves_replaced(child, change) for child in children]
    if all(map(operator.is_, rewritten, children)):
        return q  # unchanged: apply() would drop what it does not copy (an AndNot's boost)
    replacements = iter(rewritten)
    return q.apply(lambda _child: next(replacements))


# Queries meaning "everything": nothing but stars (and parentheses), or "*:*". Whoosh would
# read "*" as "has any title, or any claims, or..." and walk every term of every text field.
MATCH_ALL = re.compile(r"^[\s*()]*$|^\s*\*:\*\s*$")


def parse(text: str) -> wq.Query:
    """Parse a user query within the cost bounds; an empty one (or "*") matches everything.

    Raises ``QuerySyntaxError`` for anything malformed, ``QueryTooCostlyError`` (a subclass)
    for a query over the bounds of ``search.cost``.
    """
    _check_quotes(text)
    unquoted = _QUOTED.sub(" ", text)
    _check_parentheses(unquoted)  # before MATCH_ALL: "(" alone is a mistake, not "everything"
    if MATCH_ALL.match(text):
        return wq.Every()
    _check_fields(unquoted)
    try:
        q = _leaves_replaced(_parser().parse(text, normalize=False), _year_range).normalize()
    except QuerySyntaxError:
        raise
    except Exception as error:  # Whoosh's parser fails on odd input ("NOT NOT NOT") with
        # IndexError and friends; whatever it is, the query is what the user must change.
        raise QuerySyntaxError(_parse_failure(text, error)) from error
    bad = _first_error(q)
    if bad is not None:
        raise QuerySyntaxError(_error_message(text, bad))
    # The bounds measure the query as written; the rewriting only adds each wildcard's stem
    # (no broader than the wildcard) and a year range's years (exact terms, a few hundred).
    cost.check_shape(q)
    return _leaves_replaced(q, _rewritten_leaf)


def _parse_failure(text: str, error: Exception) -> str:
    """Return what to tell the user about a query the parser could not read at all."""
    if _DATE_FIELD.search(_QUOTED.sub(" ", text)):
        return ("Could not read a date in the query. Write dates as 2012, 201203 or "
                "20120315, and ranges as [2010 TO 2012].")
    return ("Could not read this query: check the operators (AND, OR, NOT each need a word "
            "or group after them) and the ranges ([2010 TO 2012]).")
