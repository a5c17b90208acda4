"""Parse one USPTO XML document into a PatentRecord, safely."""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple

from lxml import etree

from .entities import Prolog, replace_named_entities, strip_doctype
from .fields import DocumentError
from .parse_ice import read_ice
from .parse_pap import read_pap
from .records import PatentRecord

Reader = Callable[[etree._Element, Prolog], PatentRecord]

READERS: dict[str, Reader] = {
    "us-patent-application": read_ice,
    "us-patent-grant": read_ice,
    "patent-application-publication": read_pap,
}
SKIPPED_ROOTS = {"sequence-cwu": "sequence listing (sequence-cwu)"}
# What a summary counts skips by: "5 sequence listings".
SKIPPED_LABELS = {"sequence-cwu": "sequence listing"}
# Part of every source hash: a new version makes the next import re-read unchanged bytes.
PARSER_VERSION = b"reviewapp-ingest 2\n"

_POSITION_SUFFIX = re.compile(r", line \d+, column \d+$")
_FIRST_NUMBER = re.compile(rb"<doc-number>\s*([^<\s]+)")


class Skip(NamedTuple):
    """A document deliberately not read, and why."""

    reason: str
    label: str = ""


def _parser() -> etree.XMLParser:
    """Return a parser that fetches nothing, loads no DTD, expands no entity and caps sizes."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           huge_tree=False, remove_comments=True, remove_pis=True)


def _parse_xml(data: bytes) -> etree._Element:
    """Return the root element, or raise DocumentError with lxml's message and position."""
    try:
        return etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if exc.position else (0, 0)
        message = _POSITION_SUFFIX.sub("", exc.msg or str(exc))
        raise DocumentError(f"malformed XML: {message}", line, column) from None


def _skip(root: str, data: bytes) -> Skip:
    """Return why a document with this root is skipped, naming its patent when it says which."""
    number = _FIRST_NUMBER.search(data[:4096])
    about = f" of US{number[1].decode('ascii', 'replace')}" if number else ""
    return Skip(f"{SKIPPED_ROOTS[root]}{about}, not a patent document", SKIPPED_LABELS[root])


def quick_skip(data: bytes) -> Skip | None:
    """Return Skip for a document of a type not read, judged from its prolog alone; else None."""
    try:
        cleaned, prolog = strip_doctype(data[:1 << 16])
    except DocumentError:
        return None
    if prolog is None or prolog.root not in SKIPPED_ROOTS:
        return None
    return _skip(prolog.root, cleaned)


def parse_or_skip(data: bytes) -> PatentRecord | Skip:
    """Return the document's record, or Skip for a type deliberately not read."""
    cleaned, prolog = strip_doctype(data)
    if prolog is None:
        _parse_xml(replace_named_entities(cleaned))  # raises with the parser's diagnosis
        raise DocumentError("no root element")
    if prolog.root in SKIPPED_ROOTS:
        return _skip(prolog.root, cleaned)
    reader = READERS.get(prolog.root)
    if reader is None:
        raise DocumentError(f"unknown root element <{prolog.root}>")
    root = _parse_xml(replace_named_entities(cleaned))
    if root.tag != prolog.root:
        raise DocumentError(f"unknown root element <{root.tag}>")
    return reader(root, prolog)


def parse_document(data: bytes) -> PatentRecord | None:
    """Return the record of one document, or None for a skipped type such as sequence-cwu.

    Raises DocumentError for a document that cannot be read.
    """
    result = parse_or_skip(data)
    return None if isinstance(result, Skip) else result
