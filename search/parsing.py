"""The user query language: Whoosh's syntax, checked first so mistakes get a clear answer.

Whoosh's parser never fails: an unclosed quote or parenthesis, or an unknown field name, is
silently read as something else, and the user gets results for a query they did not write.
``parse`` rejects those with ``QuerySyntaxError`` instead.
"""
from __future__ import annotations

import re

from whoosh import query as wq
from whoosh.qparser import AndGroup, MultifieldParser

from . import cost
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

_SCHEMA = build_schema()


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


def _parser() -> MultifieldParser:
    """Return a parser over the default fields, AND between words."""
    return MultifieldParser(list(DEFAULT_FIELDS), _SCHEMA, fieldboosts=FIELD_BOOSTS,
                            group=AndGroup, phraseclass=PatentPhrase)


# Queries meaning "everything": nothing but stars (and parentheses), or "*:*". Whoosh would
# read "*" as "has any title, or any claims, or..." and walk every term of every text field.
MATCH_ALL = re.compile(r"^[\s*()]*$|^\s*\*:\*\s*$")


def parse(text: str) -> wq.Query:
    """Parse a user query within the cost bounds; an empty one (or "*") matches everything.

    Raises ``QuerySyntaxError`` for anything malformed, ``QueryTooCostlyError`` (a subclass)
    for a query over the bounds of ``search.cost``.
    """
    if MATCH_ALL.match(text):
        return wq.Every()
    _check_quotes(text)
    unquoted = _QUOTED.sub(" ", text)
    _check_parentheses(unquoted)
    _check_fields(unquoted)
    try:
        q = _parser().parse(text)
    except Exception as error:  # Whoosh's parser fails on odd input ("NOT NOT NOT") with
        # IndexError and friends; whatever it is, the query is what the user must change.
        raise QuerySyntaxError(_parse_failure(text, error)) from error
    bad = _first_error(q)
    if bad is not None:
        raise QuerySyntaxError(_error_message(text, bad))
    cost.check_shape(q)
    return q


def _parse_failure(text: str, error: Exception) -> str:
    """Return what to tell the user about a query the parser could not read at all."""
    if _DATE_FIELD.search(_QUOTED.sub(" ", text)):
        return ("Could not read a date in the query. Write dates as 2012, 201203 or "
                "20120315, and ranges as [2010 TO 2012].")
    return ("Could not read this query: check the operators (AND, OR, NOT each need a word "
            "or group after them) and the ranges ([2010 TO 2012]).")
