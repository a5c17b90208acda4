"""Small hand-built USPTO documents for tests that need hostile or unusual input."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

GRANT_DOCTYPE = '<!DOCTYPE us-patent-grant SYSTEM "us-patent-grant-v42-2006-08-23.dtd" [ ]>'


def grant(number: str = "07000001", title: str = "Widget", body: str = "A widget.",
          doctype: str = GRANT_DOCTYPE, claims: str | None = None) -> str:
    """Return a minimal ICE v4.2 grant document (its own declaration and DOCTYPE)."""
    if claims is None:
        claims = ('<claim id="CLM-00001" num="00001"><claim-text>1. A widget.</claim-text>'
                  '</claim>\n<claim id="CLM-00002" num="00002"><claim-text>2. The widget of '
                  '<claim-ref idref="CLM-00001">claim 1</claim-ref>.</claim-text></claim>')
    return f"""<?xml version="1.0" encoding="UTF-8"?>
{doctype}
<us-patent-grant lang="EN" dtd-version="v4.2 2006-08-23" id="us-patent-grant" country="US">
<us-bibliographic-data-grant>
<publication-reference><document-id><country>US</country><doc-number>{number}</doc-number>
<kind>B2</kind><date>20070102</date></document-id></publication-reference>
<application-reference appl-type="utility"><document-id><country>US</country>
<doc-number>10123456</doc-number><date>20040115</date></document-id></application-reference>
<invention-title id="d0e1">{title}</invention-title>
</us-bibliographic-data-grant>
<abstract id="abstract"><p id="p-0001" num="0000">An abstract.</p></abstract>
<description id="description">
<p id="p-0002" num="0001">{body}</p>
</description>
<claims id="claims">
{claims}
</claims>
</us-patent-grant>
"""


def write(path: Path, *documents: str) -> Path:
    """Write the documents concatenated, as in a weekly bulk file."""
    path.write_text("".join(documents), encoding="utf-8")
    return path


def zip_bytes(members: dict[str, str | bytes]) -> bytes:
    """Return a deflated zip archive holding the members."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def line_of(text: str, needle: str) -> int:
    """Return the 1-based line of the first occurrence of needle in text."""
    return text[:text.index(needle)].count("\n") + 1
