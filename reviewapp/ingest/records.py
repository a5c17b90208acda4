"""Plain records produced by the USPTO parser: no database, no Flask."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from operator import attrgetter
from typing import Any, Literal, TypeGuard, TypeVar, get_args

DocType = Literal["application", "grant"]
T = TypeVar("T")
C = TypeVar("C", bound=type)


def pickled_as_fields(cls: C) -> C:
    """Pickle a dataclass's instances as its constructor called with the field values.

    Records cross from the parser processes to the importing one by the ten thousand: a tuple
    of values, read in C by attrgetter, loads in two thirds of the time of the slots' state.
    """
    values = attrgetter(*(f.name for f in fields(cls)))

    def __reduce__(self: object) -> tuple[type, tuple[Any, ...]]:
        return cls, values(self)

    cls.__reduce__ = __reduce__  # type: ignore[assignment]
    return cls


def is_doc_type(value: str) -> TypeGuard[DocType]:
    """Return whether value is one of the DocType literals."""
    return value in get_args(DocType)


Category = Literal["cited by examiner", "cited by applicant", "cited by other", "cited by third party", ""]


@pickled_as_fields
@dataclass(slots=True)
class ClaimRecord:
    """One claim as printed: its number, readable text and the claims it refers to."""

    number: int
    text: str
    depends_on: list[int] = field(default_factory=list)

    @property
    def independent(self) -> bool:
        return not self.depends_on


@pickled_as_fields
@dataclass(slots=True)
class ReferenceRecord:
    """One cited reference of a grant (a patent document or non-patent literature)."""

    kind: Literal["patent", "npl"]
    # Patent references: country code, document number and kind code as printed.
    country: str = ""
    number: str = ""
    kind_code: str = ""
    date: dt.date | None = None
    name: str = ""  # first named patentee or applicant
    us_class: str = ""  # e.g. "713/168" when the reference carries it
    text: str = ""  # citation text for NPL; empty for patents
    # The label: who cited it. Never a feature (see scoring/).
    category: Category = ""
    sequence: int = 0  # order in the document, for stable storage only


@pickled_as_fields
@dataclass(slots=True)
class PatentRecord:
    """One patent document (published application or grant) read from USPTO XML."""

    doc_type: DocType
    country: str  # "US"
    doc_number: str  # as in the XML, zero-padded for applications: "20180000016", "08926509"
    kind: str  # "A1", "B2", "S1", ...
    publication_number: str  # canonical: "US20180000016A1", "US8926509B2"
    publication_date: dt.date | None
    title: str
    application_number: str = ""
    filing_date: dt.date | None = None
    priority_date: dt.date | None = None  # earliest of filing date, priority claims, provisionals
    abstract: str = ""
    description: str = ""
    claims: list[ClaimRecord] = field(default_factory=list)
    cpc: list[str] = field(default_factory=list)  # "H04L 9/32" style, main first
    ipc: list[str] = field(default_factory=list)
    uspc: list[str] = field(default_factory=list)  # "713/168" style, main first
    applicants: list[str] = field(default_factory=list)
    inventors: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)  # of the parties' addresses: "US", "JP"
    references: list[ReferenceRecord] = field(default_factory=list)
    schema: str = ""  # "us-patent-grant v4.5", "PAP v1.6", ...
    # Where it was read: the file (or "archive.zip:member.xml") and 1-based document index.
    source: str = ""
    position: int = 0


@dataclass(slots=True)
class ParseError:
    """A document that could not be read, with where it stood."""

    file: str
    document: int  # 1-based position of the document in its file
    error: str
    line: int = 0  # line of the file where the document starts


@dataclass(slots=True)
class SkippedDocument:
    """A document deliberately not imported (a sequence listing, say)."""

    file: str
    document: int
    reason: str
    label: str = ""  # what summaries count it as: "sequence listing"


def unique_by(items: Iterable[T], key: Callable[[T], Any]) -> list[T]:
    """Return `items` without later duplicates of the same key (XML sometimes repeats them)."""
    seen: set[Any] = set()
    kept = []
    for item in items:
        k = key(item)
        if k not in seen:
            seen.add(k)
            kept.append(item)
    return kept


def class_symbols(record: PatentRecord, scheme: str) -> list[str]:
    """Return a record's class symbols of one scheme as stored: each once, cut to 64 characters."""
    return [symbol[:64] for symbol in unique_by(getattr(record, scheme), lambda s: s[:64])]
