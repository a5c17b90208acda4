"""Field helpers shared by the ICE and PAP readers, and the error they raise."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from functools import lru_cache

from lxml import etree

from .records import Category, ClaimRecord
from .xmltext import block_text, inline_text


class DocumentError(ValueError):
    """A document that cannot be read; line and column count from the document's first line."""

    def __init__(self, message: str, line: int = 0, column: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column

    def located(self, start_line: int) -> str:
        """Return the message with line numbers counted in the file (document at start_line)."""
        shift = start_line - 1
        message = re.sub(r"\bline (\d+)", lambda m: f"line {int(m[1]) + shift}", self.message)
        if not self.line:
            return message
        return f"line {self.line + shift}, column {self.column}: {message}"


# --- dates and numbers -------------------------------------------------------------------

_DATE = re.compile(r"\d{8}")


def parse_date(text: str | None) -> dt.date | None:
    """Return the date of a YYYYMMDD string; a 00 month or day (old citations) counts as 01."""
    digits = (text or "").strip()
    if not _DATE.fullmatch(digits):
        return None
    year, month, day = int(digits[:4]), int(digits[4:6]) or 1, int(digits[6:]) or 1
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def dates(elements: Iterable[etree._Element]) -> list[dt.date | None]:
    """Return the dates of elements holding YYYYMMDD text."""
    return [parse_date(el.text) for el in elements]


def earliest(dates: Iterable[dt.date | None]) -> dt.date | None:
    """Return the earliest of the known dates."""
    return min((d for d in dates if d is not None), default=None)


def publication_number(country: str, doc_number: str, kind: str, doc_type: str) -> str:
    """Return the canonical number: US20180000016A1, US8926509B2, USD512345S1, USRE12345E."""
    if doc_type == "grant":
        # Grants are zero-padded to 8 characters after any series prefix (D, PP, RE, H, T).
        match = re.fullmatch(r"([A-Z]*)0*(\d+)", doc_number)
        if match:
            doc_number = match[1] + match[2]
    return f"{country}{doc_number}{kind}"


def schema_version(*candidates: str | None) -> str:
    """Return "v4.5" from the first of dtd-version ("v4.5 2014-04-03", "v40 ...") or DTD name."""
    for text in candidates:
        match = re.search(r"v(\d)\.?(\d+)", text or "")
        if match:
            return f"v{match[1]}.{match[2]}"
    return ""


# --- classifications ---------------------------------------------------------------------

def unique(items: Iterable[str]) -> list[str]:
    """Return the non-empty items once each, first occurrence first."""
    return list(dict.fromkeys(item for item in items if item))


def symbol(el: etree._Element) -> str:
    """Return "H04L 9/32" from a classification-cpc or classification-ipcr element."""
    part = {name: (el.findtext(name) or "").strip() for name in
            ("section", "class", "subclass", "main-group", "subgroup")}
    if not all(part.values()):
        return ""
    return (f"{part['section']}{part['class']}{part['subclass']} "
            f"{part['main-group']}/{part['subgroup']}")


def ipc_text(text: str | None) -> str:
    """Return "G06F 17/30" from an old-style IPC string ("G06F017/30", "B05D  136", "A43B 2300")."""
    raw = (text or "").strip()
    start = re.search(r"[A-H]\d\d[A-Z]", raw)
    if start is None:
        return raw
    raw = raw[start.start():]  # some strings lead with the IPC edition ("7G06F 17/30")
    if "/" in raw:
        head, subgroup = raw.split("/", 1)
    else:
        # Fixed width: subclass (4), main group right-aligned in 3, then the subgroup.
        head, subgroup = raw[:7], raw[7:]
    group = head[4:].strip().lstrip("0") or "0"
    return f"{head[:4]} {group}/{subgroup.strip()}"


@lru_cache(maxsize=4096)  # a weekly file repeats its cited classes: a few thousand distinct
def uspc_text(text: str | None) -> str:
    """Return "24/30.5S" from a fixed-width USPC string: class (3), subclass (3), extension."""
    raw = (text or "").rstrip()
    if not raw.strip() or raw.strip().lower() == "none":
        return ""
    if len(raw) < 6:
        # Newer files squeeze the blanks: "37434" is 37/434, "220 6" is 220/6.
        head, *rest = raw.split()
        raw = head.rjust(3) + "".join(rest).rjust(3) if rest else raw.strip().rjust(6)
    main_class = raw[:3].replace(" ", "")  # "D 2" is design class D2
    subclass = raw[3:6].strip()
    extension = raw[6:].replace(" ", "")
    if main_class.isdigit():
        main_class = main_class.lstrip("0") or "0"
    if subclass.isdigit():
        subclass = subclass.lstrip("0") or "0"
    digits = re.match(r"\d*", extension)
    assert digits is not None  # \d* matches at least the empty string
    suffix = extension[digits.end():]
    decimals = digits[0].rstrip("0")
    return f"{main_class}/{subclass}{'.' + decimals if decimals else ''}{suffix}"


# --- people ------------------------------------------------------------------------------

def person_name(el: etree._Element | None) -> str:
    """Return "First Last" (with middle names and suffix) or the organisation name."""
    if el is None:
        return ""
    org = inline_text(el.find("orgname")) or inline_text(el.find("organization-name"))
    if org:
        return org
    parts = ("first-name", "given-name", "middle-name", "last-name", "family-name", "suffix",
             "name-suffix")
    return " ".join(text for text in (inline_text(el.find(name)) for name in parts) if text)


# --- claims ------------------------------------------------------------------------------

_DIGITS = re.compile(r"\d+")


def _number(*texts: str | None) -> int:
    """Return the first integer found in the texts, or 0."""
    for text in texts:
        match = _DIGITS.search(text or "")
        if match:
            return int(match[0])
    return 0


def read_claims(container: etree._Element | None) -> list[ClaimRecord]:
    """Return the claims of a claims / subdoc-claims element with their dependencies."""
    if container is None:
        return []
    elements = container.findall("claim")
    numbers = [_number(el.get("num"), el.get("id")) or pos for pos, el in enumerate(elements, 1)]
    by_id = {el.get("id"): number for el, number in zip(elements, numbers) if el.get("id")}
    claims = []
    for el, number in zip(elements, numbers):
        targets = []
        # ICE: <claim-ref idref="CLM-00001">; PAP: <dependent-claim-reference depends_on=...>.
        for ref in el.iter("claim-ref", "dependent-claim-reference"):
            for target in (ref.get("idref") or ref.get("depends_on") or "").split():
                targets.append(by_id.get(target) or _number(target))
        depends_on = [n for n in dict.fromkeys(targets) if n and n != number]
        claims.append(ClaimRecord(number=number, text=block_text(el), depends_on=depends_on))
    return claims


# --- citations ---------------------------------------------------------------------------

_CATEGORIES: tuple[tuple[str, Category], ...] = (
    ("examiner", "cited by examiner"),
    ("applicant", "cited by applicant"),
    ("third party", "cited by third party"),
    ("other", "cited by other"),
)


@lru_cache(maxsize=256)  # a handful of spellings, met 25 times per grant
def category(text: str | None) -> Category:
    """Return the citation category in its canonical spelling, or "" when unknown."""
    words = " ".join((text or "").lower().replace("-", " ").split())
    return next((label for key, label in _CATEGORIES if key in words), "")
