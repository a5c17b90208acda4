"""CPC symbols and prefixes: the one home of how the site reads, compacts and matches them.

Three rules, three names:
- a CPC *symbol* as stored and shown, "H04L 9/32" (a volunteer's expertise): `CPC_SYMBOL`,
  `normalise_cpc_symbol`;
- a CPC *prefix* at any level, compacted without spaces, "H04L9/" (the class filters of the
  browse page, the examiner's queue, the export and the API): `CPC_PREFIX_SHAPE`,
  `normalise_cpc_prefix`, matched against stored symbols with their spaces removed by
  `cpc_symbol_starts_with`;
- what a class filter typed into a URL may hold at all, checked before anything is echoed back:
  `CPC_FILTER_TEXT`.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import ColumnElement, and_, func, or_

from .models import Classification, Document

MAX_CPC_FILTER = 32  # characters of a class filter
# A stored symbol: section, class, subclass, then optionally "main group/subgroup":
# H, H04, H04L, H04L 9/32.
CPC_SYMBOL = re.compile(
    r"(?P<section>[A-HY])(?:(?P<cls>\d{2})(?:(?P<subclass>[A-Z])"
    r"(?:\s*(?P<group>\d{1,4})\s*/\s*(?P<subgroup>\d{2,6}))?)?)?"
)
# A compacted prefix at any level: section H, class H04, subclass H04L, group H04L9/,
# subgroup H04L9/32.
CPC_PREFIX_SHAPE = re.compile(r"[A-HY](\d\d([A-Z](\d{1,4}(/\d{0,6})?)?)?)?")
# What a class filter may contain at all: letters, digits, spaces and "/", up to 32.
CPC_FILTER_TEXT = re.compile(rf"[A-Za-z0-9 /]{{0,{MAX_CPC_FILTER}}}")
_BARE_MAIN_GROUP = re.compile(r"[A-HY]\d\d[A-Z]\d+")


def compact_cpc(text: str) -> str:
    """Return `text` without spaces, in capitals: how prefixes and symbols are compared."""
    return re.sub(r"\s+", "", text or "").upper()


def normalise_cpc_prefix(text: str) -> str:
    """Return a CPC prefix compacted ("H04L 9" -> "H04L9/"); raise ValueError when it is not one."""
    compacted = compact_cpc(text)
    if not CPC_PREFIX_SHAPE.fullmatch(compacted):
        raise ValueError(f"\"{(text or '').strip()}\" is not a CPC class: give a prefix such as "
                         "H04, H04L, H04L 9/ or H04L 9/32.")
    # A bare main group ("H04L 9") means that group, not every group starting with 9 (H04L 93/...).
    if _BARE_MAIN_GROUP.fullmatch(compacted):
        compacted += "/"
    return compacted


def cpc_prefix_or_literal(text: str) -> str:
    """Return a CPC prefix compacted, or, when it is not one, the text compacted to match as typed."""
    # Forms refuse bad prefixes with a message; queries called with one match it literally.
    try:
        return normalise_cpc_prefix(text)
    except ValueError:
        return compact_cpc(text)


def normalise_cpc_symbol(symbol: str) -> str:
    """Return a CPC symbol as stored ("h04l9/32" -> "H04L 9/32"); raise ValueError if malformed."""
    match = CPC_SYMBOL.fullmatch(symbol.strip().upper())
    if match is None:
        raise ValueError(f"\u201c{symbol.strip()}\u201d is not a CPC symbol")
    head = "".join(part or "" for part in match.group("section", "cls", "subclass"))
    if match["group"]:
        return f"{head} {int(match['group'])}/{match['subgroup']}"
    return head


def expertise_prefixes(expertise: Iterable[str] | None) -> list[str]:
    """Return the CPC prefixes a volunteer's expertise covers: each entry widened to its main group."""
    prefixes = []
    for entry in expertise or ():
        try:
            prefix = normalise_cpc_prefix(entry)
        except ValueError:
            continue  # free-text expertise ("batteries") matches no class
        prefixes.append(prefix.split("/", 1)[0] + "/" if "/" in prefix else prefix)
    return list(dict.fromkeys(prefixes))


def cpc_symbol_starts_with(prefix: str) -> ColumnElement[bool]:
    """Return a condition: the classification's symbol, spaces removed, starts with `prefix`."""
    symbol = func.replace(Classification.symbol, " ", "")
    return symbol.startswith(prefix, autoescape=True)


def cpc_matches(prefixes: list[str]) -> ColumnElement[bool]:
    """Return a condition: the document has a CPC symbol starting with one of `prefixes`."""
    return Document.classifications.any(
        and_(Classification.scheme == "cpc",
             or_(*(cpc_symbol_starts_with(prefix) for prefix in prefixes)))
    )
