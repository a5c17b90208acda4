"""Make one document safe to parse: drop its DOCTYPE, refuse entity declarations, resolve names.

USPTO files name external DTDs that are not shipped and use named entities (`&deg;`) those DTDs
define. Rather than let a parser near any DTD, the DOCTYPE is cut out here and the names are
replaced by numeric character references (HTML5 names, plus ISO 8879 Greek); an unknown name
stays visible as the text "&name;". A DOCTYPE declaring parsed entities (the vehicle of
billion-laughs and external-entity attacks) is refused outright; unparsed NDATA entities, which
old applications declare for their TIFF drawings and which are never expanded, are allowed.
"""
from __future__ import annotations

import html.entities
import re
from dataclasses import dataclass

from .fields import DocumentError

XML_ENTITIES = frozenset({"amp", "lt", "gt", "quot", "apos"})

# Prolog tokens up to the root element; anything else leaves the verdict to the XML parser.
_PROLOG = re.compile(
    rb"""\s+
    | <\?.*?\?>
    | <!--.*?-->
    | (?P<doctype><!DOCTYPE\s+(?P<name>[^\s\[>]+))
    | <(?P<root>[^\s/>!?]+)""",
    re.DOTALL | re.VERBOSE,
)
_DOCTYPE_TOKEN = re.compile(
    rb""""[^"]*"|'[^']*'|<!--.*?-->|<\?.*?\?>|[\[\]>]|[^"'<\[\]>]+|.""", re.DOTALL)
_ENTITY_DECL = re.compile(
    rb"""<!ENTITY\s+(?P<parameter>%\s+)?(?P<name>[^\s>]+)\s*
         (?P<body>(?:"[^"]*"|'[^']*'|[^>"'])*)>?""",
    re.DOTALL | re.VERBOSE,
)
_SYSTEM_ID = re.compile(rb"""(?:SYSTEM|PUBLIC\s+(?:"[^"]*"|'[^']*'))\s+(?:"([^"]*)"|'([^']*)')""")
_UNPARSED = re.compile(rb"\sNDATA\s+\S+\s*$")
_NAMED_REFERENCE = re.compile(
    rb"&(?!(?:%s);)([A-Za-z_:][\w.:-]*);" % "|".join(sorted(XML_ENTITIES)).encode())

# ISO 8879 Greek (ISOgrk1: "&lgr;" is lambda) is common in pre-2005 USPTO text, but HTML never
# adopted it: map its abbreviations onto the HTML5 Greek names instead of onto code points.
_ISO_GREEK = {
    "a": "alpha", "b": "beta", "g": "gamma", "d": "delta", "e": "epsilon", "z": "zeta",
    "ee": "eta", "th": "theta", "i": "iota", "k": "kappa", "l": "lambda", "m": "mu", "n": "nu",
    "x": "xi", "o": "omicron", "p": "pi", "r": "rho", "s": "sigma", "sf": "sigmaf", "t": "tau",
    "u": "upsilon", "ph": "phi", "kh": "chi", "ps": "psi", "oh": "omega",
}


@dataclass(frozen=True, slots=True)
class Prolog:
    """What the prolog says: the root element's name and the DOCTYPE's system identifier."""

    root: str
    system_id: str = ""


def entity_text(name: str) -> str | None:
    """Return the characters a named entity stands for, or None if the name is unknown."""
    text = html.entities.html5.get(name + ";")
    if text is None and name.endswith("gr"):
        abbreviation = name[:-2]
        greek = _ISO_GREEK.get(abbreviation.lower())
        if greek:
            greek = greek.capitalize() if abbreviation[0].isupper() else greek
            text = html.entities.html5.get(greek + ";")
    return text


def _character_reference(match: re.Match[bytes]) -> bytes:
    """Return numeric references for a named entity; an unknown one stays visible as "&name;"."""
    text = entity_text(match[1].decode("ascii"))
    if text is None:
        return b"&amp;" + match[1] + b";"
    return "".join(f"&#x{ord(char):X};" for char in text).encode("ascii")


def replace_named_entities(data: bytes) -> bytes:
    """Replace named entity references, except the five XML ones, by character references."""
    if b"&" not in data:
        return data
    return _NAMED_REFERENCE.sub(_character_reference, data)


def _check_entities(subset: bytes) -> None:
    """Raise DocumentError for any entity declaration a parser would expand."""
    for match in _ENTITY_DECL.finditer(subset):
        name = match["name"].decode("utf-8", "replace")
        body = match["body"].strip()
        if match["parameter"]:
            raise DocumentError(f"DOCTYPE declares parameter entity %{name}: refused")
        if body[:1] in (b'"', b"'"):
            raise DocumentError(
                f"DOCTYPE declares entity &{name}; with replacement text: refused "
                "(declared entities are never expanded, this guards against entity bombs)")
        # An unparsed entity (NDATA: an image file named by an attribute) is never expanded.
        if not _UNPARSED.search(body):
            target = body.decode("utf-8", "replace")
            raise DocumentError(
                f"DOCTYPE declares external entity &{name}; ({target}): refused "
                "(external entities are never fetched)")


def _doctype_end(data: bytes, start: int) -> tuple[int, bytes]:
    """Return where the DOCTYPE starting at start ends, and its internal subset sans comments."""
    depth = 0
    subset: list[bytes] = []
    pos = start + len(b"<!DOCTYPE")
    while pos < len(data):
        token = _DOCTYPE_TOKEN.match(data, pos)
        assert token is not None  # the last alternative matches any byte
        text = token[0]
        pos = token.end()
        if text == b"[":
            depth += 1
        elif text == b"]":
            depth -= 1
        elif text == b">" and depth <= 0:
            return pos, b"".join(subset)
        elif depth > 0 and not text.startswith(b"<!--"):
            subset.append(text)
    raise DocumentError("unterminated DOCTYPE declaration")


def strip_doctype(data: bytes) -> tuple[bytes, Prolog | None]:
    """Return the document without its DOCTYPE (newlines kept, so lines still count) and its prolog.

    The prolog is None when no root element start can be found; the XML parser then reports why.
    """
    pos = 0
    system_id = ""
    while True:
        token = _PROLOG.match(data, pos)
        if token is None:
            return data, None
        if token["root"]:
            return data, Prolog(token["root"].decode("utf-8", "replace"), system_id)
        if not token["doctype"]:
            pos = token.end()
            continue
        end, subset = _doctype_end(data, token.start())
        _check_entities(subset)
        header = data[token.start():end]
        found = _SYSTEM_ID.search(header.split(b"[", 1)[0])
        if found:
            system_id = (found[1] or found[2] or b"").decode("utf-8", "replace")
        data = data[:token.start()] + b"\n" * header.count(b"\n") + data[end:]
        pos = token.start()
