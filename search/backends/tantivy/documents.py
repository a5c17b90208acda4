"""The tantivy schema, and documents analysed for it in Python.

Text is analysed by the same analyzers as Whoosh's fields (``search.analysis``: English stems,
patent boilerplate dropped, class codes normalised) and handed to tantivy as the resulting
terms joined by spaces, which tantivy's ``whitespace`` tokenizer splits again. So both
backends hold the same terms at the same positions, and the query parser (shared, see
``search.parsing``) analyses a query once for either. Filters and facets are ``raw`` fast
fields; dates are day numbers (``date.toordinal``) in unsigned fast fields, because tantivy
sorts only by those. What a hit shows is stored once, as JSON, in ``stored``.
"""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from functools import cache
from typing import Any

import tantivy
from whoosh.fields import Schema

from ...analysis import PatentAnalyzer
from ...schema import CLASS_LEVELS, DEFAULT_FIELDS, build_schema, to_fields

# Fields searched by words. The prose and the names have positions (phrases), as in Whoosh;
# a class code is one word, and Whoosh keeps no positions for them either (phrase=False).
PROSE_FIELDS = DEFAULT_FIELDS  # title, claims, abstract, description
NAME_FIELDS = ("applicants", "inventors")
CODE_FIELDS = ("cpc", "ipc", "uspc")
WORD_FIELDS = (*CODE_FIELDS, *NAME_FIELDS)
PHRASE_FIELDS = frozenset((*PROSE_FIELDS, *NAME_FIELDS))
# Exact-value fields: filters, facets and the id.
RAW_FIELDS = ("id", "doc_type", "kind", "status", "year", "tags", *CLASS_LEVELS)
FAST_FIELDS = frozenset(("doc_type", "kind", "status", "year", *CLASS_LEVELS))
DATE_FIELDS = {"publication_date": "pubday", "priority_date": "prioday"}
STORED = "stored"
# Stored for the hit list, snippets and the index check.
STORED_KEYS = ("id", "stamp", "title", "abstract", "claims", "doc_type", "kind", "status",
               "cpc_codes", "publication_date", "priority_date")
MULTI_VALUED = frozenset(("tags", *CLASS_LEVELS))


@cache
def schema() -> tantivy.Schema:
    """Return the tantivy schema of the index."""
    builder = tantivy.SchemaBuilder()
    for name in (*PROSE_FIELDS, *WORD_FIELDS):
        builder.add_text_field(name, tokenizer_name="whitespace",
                               index_option="position" if name in PHRASE_FIELDS else "freq")
    for name in RAW_FIELDS:
        builder.add_text_field(name, tokenizer_name="raw", index_option="basic",
                               fast=name in FAST_FIELDS)
    for name in DATE_FIELDS.values():
        builder.add_unsigned_field(name, indexed=True, fast=True)
    builder.add_bytes_field(STORED, stored=True)
    return builder.build()


@cache
def _whoosh_schema() -> Schema:
    """Return the Whoosh schema: its field analyzers are the ones the query parser uses."""
    return build_schema()


def analysed(field: str, value: str) -> str:
    """Return a field's text as the space-separated terms the Whoosh field would index."""
    analyzer = _whoosh_schema()[field].analyzer
    if isinstance(analyzer, PatentAnalyzer):
        return analyzer.joined_terms(value)
    return " ".join(token.text for token in analyzer(value))


def day_number(value: dt.date | dt.datetime | None) -> int | None:
    """Return a date as its proleptic ordinal (the unit of the date fields)."""
    if value is None:
        return None
    return (value.date() if isinstance(value, dt.datetime) else value).toordinal()


def prepare(doc: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """Return (id, field -> value or list of values) for a document; runs in worker processes.

    Everything CPU-heavy (analysis, JSON) happens here, so a rebuild can spread it over cores;
    ``to_document`` then only copies values into a tantivy Document.
    """
    fields = to_fields(doc)
    values: dict[str, Any] = {}
    for name in (*PROSE_FIELDS, *WORD_FIELDS):
        if fields.get(name):
            values[name] = analysed(name, fields[name])
    for name in RAW_FIELDS:
        if name not in fields:
            continue
        if name in MULTI_VALUED:
            values[name] = [v.strip().lower() if name == "tags" else v.strip()
                            for v in fields[name].split(",") if v.strip()]
        else:
            values[name] = fields[name]
    for name, day_field in DATE_FIELDS.items():
        if fields.get(name):
            values[day_field] = day_number(fields[name])
    stored = {key: fields.get(key) for key in STORED_KEYS if fields.get(key) is not None}
    values[STORED] = json.dumps(stored, default=_iso).encode("utf-8")
    return fields["id"], values


def _iso(value: Any) -> str:
    """Return a date or datetime as an ISO date string (JSON cannot hold dates)."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__}")


def to_document(values: Mapping[str, Any]) -> tantivy.Document:
    """Return the tantivy Document of prepared values."""
    document = tantivy.Document()
    for name, value in values.items():
        if name == STORED:
            document.add_bytes(name, value)
        elif name in ("pubday", "prioday"):
            document.add_unsigned(name, value)
        elif isinstance(value, list):
            for item in value:
                document.add_text(name, item)
        else:
            document.add_text(name, value)
    return document


def stored_fields(document: tantivy.Document) -> dict[str, Any]:
    """Return the stored dict of a document read back, dates as dates."""
    stored: dict[str, Any] = json.loads(document[STORED][0])
    for key in ("publication_date", "priority_date"):
        if stored.get(key):
            stored[key] = dt.date.fromisoformat(stored[key])
    return stored
