"""The indexed document: what callers pass in, and the Whoosh fields it becomes.

A document is a plain dict (extra keys are ignored, missing ones take the default):

============== =========================== ==================================================
key            type                        meaning
============== =========================== ==================================================
id             str (required)              publication number, unique: "US20180000016A1",
                                           "US8926509B2"; an NPL item uses the app's own key
doc_type       str                         "application" | "grant" | "npl"
kind           str                         kind code: "A1", "B2", "S1"... ("" for NPL)
title          str                         title of the invention
abstract       str                         abstract text
claims         str                         every claim's text, joined (blank lines between)
description    str                         full description (indexed, not stored)
cpc            list[str]                   CPC codes, "H04L 9/32" style, main first
ipc            list[str]                   IPC codes, same style
uspc           list[str]                   US classes, "713/168" style
applicants     list[str]                   applicant names
inventors      list[str]                   inventor names
tags           list[str]                   community tags
status         str                         "pending" | "open" | "closed" | "library"
publication_date datetime.date | None      date of publication (prior art needs it)
priority_date  datetime.date | None        earliest priority date
stamp          str                         changes whenever the source row changes
============== =========================== ==================================================

Class levels are derived here, at index time: "H04L 9/32" gives section "H", class "H04",
subclass "H04L", group "H04L 9/00" (and the subgroup itself for the ``cpc:`` query field).
A document without CPC codes (grants before 2013 mostly) is classed by its IPC codes, which
share CPC's hierarchy down to the main group, so class facets and filters still find it.

Query fields users may name: title, abstract, claims, description, cpc, ipc, uspc,
applicants, inventors, tags, kind, doc_type, status, year, id.
Facet (and filter) names: see ``FACETS``; ``tags`` is also accepted as a filter.
"""
from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pickle import dumps
from typing import Any, Self, cast

from whoosh.analysis import Analyzer, LowercaseFilter, RegexTokenizer
from whoosh.fields import DATETIME, ID, KEYWORD, STORED, TEXT, Schema
from whoosh.formats import Positions
from whoosh.system import pack_uint

from .analysis import PatentAnalyzer, class_code_analyzer, normalize_code, patent_analyzer

CLASS_LEVELS = ("cpc_section", "cpc_class", "cpc_subclass", "cpc_group")
FACETS = (*CLASS_LEVELS, "status", "year", "kind", "doc_type")
FILTERS = (*FACETS, "tags")

# Title words are chosen to describe the invention; claims define it; the abstract
# summarises; the description is long and discursive, so a match there says least.
FIELD_BOOSTS = {"title": 3.0, "claims": 2.0, "abstract": 1.5, "description": 1.0}
DEFAULT_FIELDS = tuple(FIELD_BOOSTS)

# "H04L9/32" -> section H, class 04, subclass L, main group 9, subgroup 32.
_HIERARCHICAL = re.compile(r"^([A-HY])(?:(\d\d)(?:([A-Z])(?:(\d{1,4})(?:/(\d{1,6}))?)?)?)?$")


@dataclass(frozen=True, slots=True)
class ClassLevels:
    """The levels of one hierarchical (CPC or IPC) code, in display form."""

    section: str
    cls: str = ""
    subclass: str = ""
    group: str = ""
    subgroup: str = ""

    def facet_values(self) -> dict[str, str]:
        """Return facet name -> value for the levels this code has."""
        values = (self.section, self.cls, self.subclass, self.group)
        return {name: value for name, value in zip(CLASS_LEVELS, values) if value}

    def tokens(self) -> list[str]:
        """Return every level as a search token ("H04L 9/32" -> "H04L9/32")."""
        levels = (self.section, self.cls, self.subclass, self.group, self.subgroup)
        return [normalize_code(level) for level in levels if level]


def class_levels(code: str) -> ClassLevels | None:
    """Split a CPC/IPC code into its levels; None when it is not hierarchical."""
    match = _HIERARCHICAL.match(normalize_code(code))
    if not match:
        return None
    section, digits, letter, group, subgroup = match.groups()
    cls = section + digits if digits else ""
    subclass = cls + letter if cls and letter else ""
    main = f"{subclass} {group}/00" if subclass and group else ""
    full = f"{subclass} {group}/{subgroup}" if main and subgroup else ""
    return ClassLevels(section, cls, subclass, main, full)


def canonical_class_value(facet: str, value: str) -> str:
    """Return a filter value for a class facet in the indexed display form."""
    levels = class_levels(value)
    if levels is None:
        return value
    return levels.facet_values().get(facet, value)


def uspc_tokens(code: str) -> list[str]:
    """Return "713/168" as ["713", "713/168"] so ``uspc:713`` finds the whole class."""
    norm = normalize_code(code)
    main = norm.split("/", 1)[0]
    return [main, norm] if main != norm else [norm]


class PatentText(TEXT):
    """A TEXT field whose indexing skips Whoosh's token-object pipeline.

    Indexing time goes mostly to analysing long descriptions; computing postings straight
    from the analyzer's term list is several times faster and writes identical postings.
    """

    def fast(self, value: Any) -> bool:
        """Return True when ``term_postings`` gives what Whoosh's own indexing would."""
        return (isinstance(value, str) and isinstance(self.analyzer, PatentAnalyzer)
                and type(self.format) is Positions)

    def term_postings(self, value: str) -> dict[str, tuple[int, bytes]]:
        """Return term -> (frequency, encoded positions) for a fast() value."""
        if isinstance(value, AnalysedText):
            return value.postings
        positions: defaultdict[str, list[int]] = defaultdict(list)
        for pos, term in enumerate(self.analyzer.terms(value)):
            positions[term].append(pos)
        return {term: (len(poslist), encode_positions(poslist))
                for term, poslist in positions.items()}

    def index(self, value: Any, **kwargs: Any) -> list[tuple[bytes, int, float, bytes]]:
        """Return (term bytes, frequency, weight, encoded positions) per distinct term."""
        if not (self.fast(value) and kwargs.get("mode", "index") == "index"):
            indexed: list[tuple[bytes, int, float, bytes]] = super().index(value, **kwargs)
            return indexed
        boost = self.format.field_boost
        return [(term.encode("utf-8"), freq, freq * boost, encoded)
                for term, (freq, encoded) in self.term_postings(value).items()]


class AnalysedText(str):
    """A prose field's text with its postings, computed ahead (in another process).

    The postings are what Whoosh writes (frequency, encoded positions): a fifth of the memory
    of lists of positions, and nothing left to compute when the writer takes them.
    """

    postings: dict[str, tuple[int, bytes]]

    def __new__(cls, text: str, postings: dict[str, tuple[int, bytes]]) -> Self:
        self = super().__new__(cls, text)
        self.postings = postings
        return self

    def __reduce__(self) -> tuple[type[AnalysedText], tuple[str, dict[str, tuple[int, bytes]]]]:
        # Pickled as the plain text and the postings, nothing else.
        return AnalysedText, (str(self), self.postings)


def encode_positions(poslist: list[int]) -> bytes:
    """Return the bytes Whoosh's Positions format would write for these positions."""
    if len(poslist) == 1:  # most terms of a document: a table lookup
        encoded = _SINGLE_POSITIONS.get(poslist[0])
        if encoded is None:
            encoded = _SINGLE_POSITIONS[poslist[0]] = cast(bytes, pack_uint(1) + dumps(poslist, 2))
        return encoded
    deltas = [b - a for a, b in zip([0, *poslist], poslist)]
    return cast(bytes, pack_uint(len(poslist)) + dumps(deltas, 2))


_SINGLE_POSITIONS: dict[int, bytes] = {}


def _names_analyzer() -> Analyzer:
    """Return the analyzer for names: words, lowercased, no stemming or stop words."""
    return RegexTokenizer() | LowercaseFilter()


def build_schema() -> Schema:
    """Return the Whoosh schema of the index."""
    text = patent_analyzer()
    codes = class_code_analyzer()
    names = _names_analyzer()
    return Schema(
        id=ID(stored=True, unique=True, sortable=True),
        stamp=ID(stored=True, sortable=True),
        doc_type=ID(stored=True),
        kind=ID(stored=True),
        status=ID(stored=True),
        year=ID(),
        title=PatentText(analyzer=text, stored=True),
        abstract=PatentText(analyzer=text, stored=True),
        # Stored for snippets and for query-by-claim of an indexed document.
        claims=PatentText(analyzer=text, stored=True),
        # The bulk of the text: indexed with positions (phrases) but not stored.
        description=PatentText(analyzer=text),
        cpc=TEXT(analyzer=codes, phrase=False),
        ipc=TEXT(analyzer=codes, phrase=False),
        uspc=TEXT(analyzer=codes, phrase=False),
        applicants=TEXT(analyzer=names),
        inventors=TEXT(analyzer=names),
        tags=KEYWORD(commas=True, lowercase=True),
        cpc_section=KEYWORD(commas=True),
        cpc_class=KEYWORD(commas=True),
        cpc_subclass=KEYWORD(commas=True),
        cpc_group=KEYWORD(commas=True),
        cpc_codes=STORED(),
        publication_date=DATETIME(stored=True, sortable=True),
        priority_date=DATETIME(stored=True),
    )


def _as_datetime(value: dt.date | None) -> dt.datetime | None:
    """Return a date as midnight of that day (Whoosh's DATETIME wants datetimes)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value
    return dt.datetime.combine(value, dt.time())


def _hierarchy(doc: Mapping[str, Any]) -> tuple[list[str], list[ClassLevels]]:
    """Return the codes that class the document (CPC, else IPC) and their levels."""
    codes = list(doc.get("cpc") or []) or list(doc.get("ipc") or [])
    levels = [lv for lv in map(class_levels, codes) if lv is not None]
    return codes, levels


def _class_fields(doc: Mapping[str, Any]) -> dict[str, str]:
    """Return the class facet fields and the cpc/ipc/uspc query fields."""
    _, levels = _hierarchy(doc)
    facets: dict[str, dict[str, None]] = {name: {} for name in CLASS_LEVELS}
    for lv in levels:
        for name, value in lv.facet_values().items():
            facets[name][value] = None
    fields = {name: ",".join(values) for name, values in facets.items() if values}
    fields["cpc"] = " ".join(_unique(t for lv in levels for t in lv.tokens()))
    ipc = [lv for lv in map(class_levels, doc.get("ipc") or []) if lv is not None]
    fields["ipc"] = " ".join(_unique(t for lv in ipc for t in lv.tokens()))
    fields["uspc"] = " ".join(_unique(t for c in doc.get("uspc") or [] for t in uspc_tokens(c)))
    return {key: value for key, value in fields.items() if value}


def _unique(items: Iterable[str]) -> list[str]:
    """Return items without repeats, first occurrence order."""
    return list(dict.fromkeys(items))


def to_fields(doc: Mapping[str, Any]) -> dict[str, Any]:
    """Convert a document dict into keyword arguments for ``writer.update_document``."""
    doc_id = str(doc.get("id") or "").strip()
    if not doc_id:
        raise ValueError(f"document without an id: {doc.get('title', '')[:60]!r}")
    published = doc.get("publication_date")
    fields: dict[str, Any] = {
        "id": doc_id,
        "stamp": str(doc.get("stamp") or ""),
        "doc_type": doc.get("doc_type") or "",
        "kind": doc.get("kind") or "",
        "status": doc.get("status") or "",
        "title": doc.get("title") or "",
        "abstract": doc.get("abstract") or "",
        "claims": doc.get("claims") or "",
        "description": doc.get("description") or "",
        "applicants": "\n".join(doc.get("applicants") or []),
        "inventors": "\n".join(doc.get("inventors") or []),
        "tags": ",".join(doc.get("tags") or []),
        "cpc_codes": list(doc.get("cpc") or []),
        "publication_date": _as_datetime(published),
        "priority_date": _as_datetime(doc.get("priority_date")),
        "year": str(published.year) if published else "",
        **_class_fields(doc),
    }
    # Whoosh indexes "" as a term and stores None; leave empty values out instead.
    return {key: value for key, value in fields.items() if value not in ("", None, [])}
