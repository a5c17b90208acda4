"""Turn USPTO XML elements into text that reads like the printed patent.

Paragraphs and headings are separated by blank lines, nested claim elements and list items
start indented lines, table rows become lines with cells joined by " | ", MathML becomes a
linear formula. Subscripts and superscripts use Unicode digits and signs when every character
has one (H₂O, m², 10⁻³) and `_{...}` / `^{...}` otherwise. Images keep a placeholder such as
"[chem image]"; unknown elements keep their text, so nothing of substance is dropped.
"""
from __future__ import annotations

import re
from collections.abc import Callable

from lxml import etree

_INVISIBLE_OPERATORS = re.compile("[\u2061-\u2064]")
_SUPERSCRIPTS = str.maketrans("0123456789+-\u2212=()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾")
_SUBSCRIPTS = str.maketrans("0123456789+-\u2212=()", "₀₁₂₃₄₅₆₇₈₉₊₋₋₌₍₎")


def localname(el: etree._Element) -> str:
    """Return the tag without namespace (MathML may carry one)."""
    tag = el.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def script(text: str, superscript: bool) -> str:
    """Return text as a subscript or superscript, keeping its surrounding blanks outside."""
    core = text.strip()
    if not core:
        return text
    table = _SUPERSCRIPTS if superscript else _SUBSCRIPTS
    if all(ord(char) in table for char in core):
        shaped = core.translate(table)
    else:
        shaped = ("^{" if superscript else "_{") + core + "}"
    lead = " " if text[0].isspace() else ""
    trail = " " if text[-1].isspace() else ""
    return lead + shaped + trail


class _Builder:
    """Collect inline text into lines; a single-line builder turns every break into a space."""

    def __init__(self, single_line: bool = False, numbered: bool = False) -> None:
        self.single_line = single_line
        self.numbered = numbered  # print paragraph numbers ("[0012]") as applications do
        self.last_number = 0
        self.lines: list[str] = []
        self.parts: list[str] = []
        self.indent = 0
        self.gap = False

    def add(self, text: str | None) -> None:
        """Append inline text to the current line."""
        if text:
            self.parts.append(text)

    def end_line(self, gap: bool = False) -> None:
        """End the current line; with gap, leave a blank line before the next one."""
        if self.single_line:
            self.parts.append(" ")
            return
        if not self.parts:  # nothing on the line (every paragraph starts so): no text to join
            self.gap = self.gap or gap
            return
        self._finish(" ".join("".join(self.parts).split()), gap)

    def end_line_with(self, normalized: str, gap: bool = False) -> None:
        """End the current line with text whose blanks are already collapsed (see _plain_text).

        The same as add(normalized) then end_line(gap) while the line holds at most a
        paragraph number, without splitting the text again.
        """
        self._finish(("".join(self.parts) + normalized).strip(), gap)

    def _finish(self, text: str, gap: bool) -> None:
        self.parts.clear()
        if text:
            if self.gap and self.lines:
                self.lines.append("")
            self.gap = False
            self.lines.append("  " * self.indent + text)
        self.gap = self.gap or gap

    def text(self) -> str:
        """Return everything collected."""
        if self.single_line:
            return " ".join("".join(self.parts).split())
        self.end_line()
        return "\n".join(self.lines)


Handler = Callable[[etree._Element, _Builder], None]


def _children(el: etree._Element, out: _Builder) -> None:
    """Render the element's text, children and their tails."""
    parts = out.parts  # hot loop: millions of calls on a weekly file
    if el.text:
        parts.append(el.text)
    for child in el:
        tag = child.tag
        if isinstance(tag, str):
            handler = _HANDLERS.get(tag)
            if handler is None:
                handler = _HANDLERS.get(localname(child), _children) if tag[0] == "{" else _children
            handler(child, out)
        elif isinstance(child, etree._Entity):
            parts.append(child.text)  # an unresolved reference stays visible as "&name;"
        if child.tail:
            parts.append(child.tail)


def _print_number(out: _Builder, number: str) -> None:
    """Print a paragraph number as applications do: "[0012] "."""
    # Wrappers of tables or formulas repeat a stale number ("00002" after "00166"): only
    # numbers that move forward are printed.
    if out.numbered and number.isdigit() and int(number) > out.last_number:
        out.last_number = int(number)
        out.add(f"[{out.last_number:04d}] ")


def _paragraph(el: etree._Element, out: _Builder) -> None:
    """Render a paragraph or heading between blank lines."""
    out.end_line(gap=True)
    if localname(el) == "p":
        _print_number(out, el.get("num", ""))
    if out.single_line or not _is_plain(el):
        _children(el, out)
        out.end_line(gap=True)
    else:
        # Only plain inline markup (<b>, <figref>...) below: its text in document order, as
        # _children would collect it, gathered by lxml in C (most of a description).
        out.end_line_with(_plain_text(el), gap=True)


def _paragraph_number(el: etree._Element, out: _Builder) -> None:
    """Render a PAP paragraph's <number>1.</number> the way ICE prints it: "[0001]"."""
    digits = (el.text or "").strip().rstrip(".")
    parent = el.getparent()
    in_paragraph = parent is not None and localname(parent) == "paragraph"
    if in_paragraph and digits.isdigit() and len(el) == 0:
        _print_number(out, digits)
    else:
        _children(el, out)


def _line(el: etree._Element, out: _Builder) -> None:
    """Render the element on lines of its own."""
    out.end_line()
    _children(el, out)
    out.end_line()


def _indented(el: etree._Element, out: _Builder) -> None:
    """Render the element on lines of its own, one level deeper."""
    out.end_line()
    out.indent += 1
    _children(el, out)
    out.end_line()
    out.indent -= 1


def _claim_text(el: etree._Element, out: _Builder) -> None:
    """Render a claim element: nested <claim-text> are indented below their parent."""
    parent = el.getparent()
    nested = parent is not None and localname(parent) == "claim-text"
    (_indented if nested else _line)(el, out)


def _list(el: etree._Element, out: _Builder) -> None:
    """Render a list; a list inside a list item is indented."""
    parent = el.getparent()
    nested = parent is not None and localname(parent) == "li"
    (_indented if nested else _line)(el, out)


def _list_item(el: etree._Element, out: _Builder) -> None:
    """Render a list item on its own line with the marker its list asks for."""
    parent = el.getparent()
    out.end_line()
    if parent is not None and localname(parent) == "ol":
        out.add(f"{parent.index(el) + 1}. ")
    elif parent is not None and parent.get("list-style") == "bullet":
        out.add("• ")
    elif parent is not None and parent.get("list-style") == "dash":
        out.add("– ")
    _print_number(out, el.get("num", ""))  # items of application lists are numbered paragraphs
    _children(el, out)
    out.end_line()


def _table(el: etree._Element, out: _Builder) -> None:
    """Render a table between blank lines."""
    out.end_line(gap=True)
    _children(el, out)
    out.end_line(gap=True)


def _row(el: etree._Element, out: _Builder) -> None:
    """Render a CALS row as one line of cells separated by " | "; rows of rules are dropped."""
    cells = [inline_text(cell) for cell in el if localname(cell) in ("entry", "entrytbl")]
    while cells and not cells[-1]:
        cells.pop()
    if cells:
        out.end_line()
        out.add(" | ".join(cells))
        out.end_line()


def _inline(el: etree._Element, out: _Builder) -> None:
    """Render the element as inline text, whatever blocks it holds (a claim reference, say)."""
    out.add(inline_text(el))


def _subscript(el: etree._Element, out: _Builder) -> None:
    """Render a subscript."""
    out.add(script(_raw_inline(el), superscript=False))


def _superscript(el: etree._Element, out: _Builder) -> None:
    """Render a superscript."""
    out.add(script(_raw_inline(el), superscript=True))


def _image(el: etree._Element, out: _Builder) -> None:
    """Render an image as a placeholder naming what it shows ("[chem image]")."""
    content = (el.get("img-content") or "").strip()
    out.add(f" [{content} image] " if content and content != "undefined" else " [image] ")


def _maths(el: etree._Element, out: _Builder) -> None:
    """Render a formula on lines of its own: its MathML as text, else its image placeholder."""
    math = next((node for node in el.iter() if localname(node) == "math"), None)
    if math is None:
        _line(el, out)
        return
    out.end_line()
    for line in mathml_text(math).split("\n"):
        out.add(line)
        out.end_line()


def _preformatted(el: etree._Element, out: _Builder) -> None:
    """Render preformatted text (program listings) keeping its line breaks."""
    out.end_line()
    for line in "".join(el.itertext()).splitlines():
        out.add(line)
        out.end_line()


def _nothing(el: etree._Element, out: _Builder) -> None:
    """Render nothing: the element carries layout only."""


_HANDLERS: dict[str, Handler] = {
    **dict.fromkeys(("p", "paragraph", "heading", "title"), _paragraph),
    **dict.fromkeys(("dt", "chemistry", "chemistry-cwu", "math-cwu", "figure", "table-cwu",
                     "tables"), _line),
    **dict.fromkeys(("ul", "ol", "dl"), _list),
    **dict.fromkeys(("sub", "sub2", "subscript"), _subscript),
    **dict.fromkeys(("sup", "sup2", "superscript"), _superscript),
    **dict.fromkeys(("img", "image", "emi"), _image),
    **dict.fromkeys(("maths", "math"), _maths),
    **dict.fromkeys(("colspec", "spanspec"), _nothing),
    "br": lambda el, out: out.end_line(),
    "dd": _indented,
    "claim-text": _claim_text,
    "dependent-claim-reference": _inline,  # PAP wraps "claim 2" in a <claim-text>
    "li": _list_item,
    "table": _table,
    "row": _row,
    "pre": _preformatted,
    "number": _paragraph_number,
}


_STRING_VALUE = etree.XPath("normalize-space()", smart_strings=False)
# Elements that _children renders as a line of their own, and only that, when directly below
# the element rendered (a claim-text below a claim-text would be indented instead).
_SINGLE_LINES = frozenset({tag for tag, handler in _HANDLERS.items() if handler is _line}
                          | {"claim-text"})


def _is_plain(el: etree._Element) -> bool:
    """Return whether _children would render el as its bare text: no element below has a
    handler, none is namespaced (MathML), no entity reference is left unresolved."""
    for node in el.iterdescendants():  # a plain Python loop: 6x faster than a 40-tag filter
        tag = node.tag
        if not isinstance(tag, str) or tag in _HANDLERS or tag[0] == "{":
            return False
    return True


def _plain_text(el: etree._Element) -> str:
    """Return a plain element's text with its blanks collapsed, as _Builder.end_line would."""
    text = _STRING_VALUE(el)
    # XPath collapses the four XML blanks, Python's split() every Unicode one (no-break
    # spaces...); on ASCII text, where nothing else can occur in XML 1.0, they agree. Else
    # the words are the same either way: split what XPath left.
    return text if text.isascii() else " ".join(text.split())


def _raw_inline(el: etree._Element) -> str:
    """Return the element's content on one line, keeping its outer blanks."""
    if len(el):
        out = _Builder(single_line=True)
        _children(el, out)
        text = "".join(out.parts)
    else:
        text = el.text or ""
    if not text or text.isspace():
        return " " if text else ""
    lead = " " if text[0].isspace() else ""
    trail = " " if text[-1].isspace() else ""
    return lead + " ".join(text.split()) + trail


def inline_text(el: etree._Element | None) -> str:
    """Return the element's content as one line of text ("" for None)."""
    return "" if el is None else _raw_inline(el).strip()


def block_text(el: etree._Element | None, numbered: bool = False) -> str:
    """Return the element's content as lines and blank-line separated paragraphs ("" for None).

    With numbered, paragraphs start with their number as printed in applications: "[0012] ".
    """
    if el is None:
        return ""
    if len(el) == 1 and not numbered and el.tag != "claim-text":
        # One line only (most dependent claims: <claim><claim-text>... claim 1, wherein ...):
        # what _line would collect, taken in C. Blanks around the child make no line; below
        # a claim-text the child would be indented, so that one takes the long way.
        child = el[0]
        if (child.tag in _SINGLE_LINES and not (el.text or "").strip()
                and not (child.tail or "").strip() and _is_plain(child)):
            return _plain_text(child)
    out = _Builder(numbered=numbered)
    _children(el, out)
    return out.text()


# --- MathML ------------------------------------------------------------------------------

def _group(text: str) -> str:
    """Return text fit to be a numerator, denominator or radicand: parenthesised unless atomic."""
    text = text.strip()
    return text if len(text) <= 1 or text.isalnum() else f"({text})"


def _token(el: etree._Element) -> str:
    """Return the text of a MathML token element without invisible operators."""
    return _INVISIBLE_OPERATORS.sub("", "".join(el.itertext())).strip()


def _scripted(parts: list[str], sub: int | None, sup: int | None) -> str:
    """Return base with the parts at positions sub and sup attached as scripts."""
    text = parts[0] if parts else ""
    if sub is not None and len(parts) > sub:
        text += script(parts[sub], superscript=False)
    if sup is not None and len(parts) > sup:
        text += script(parts[sup], superscript=True)
    return text


def mathml_text(el: etree._Element) -> str:
    """Return a MathML element as linear text; table rows are separated by newlines."""
    name = localname(el)
    if name in ("mi", "mn", "mo", "mtext", "ms"):
        return _token(el)
    if name == "mspace":
        return " "
    if name in ("annotation", "annotation-xml", "mphantom", "none"):
        return ""
    parts = [mathml_text(child) for child in el if isinstance(child.tag, str)]
    if name in ("msub", "munder"):
        return _scripted(parts, 1, None)
    if name in ("msup", "mover"):
        return _scripted(parts, None, 1)
    if name in ("msubsup", "munderover"):
        return _scripted(parts, 1, 2)
    if name == "mfrac" and len(parts) == 2:
        return f"{_group(parts[0])}/{_group(parts[1])}"
    if name == "msqrt":
        return "√" + _group("".join(parts))
    if name == "mroot" and len(parts) == 2:
        return script(parts[1], superscript=True) + "√" + _group(parts[0])
    if name == "mfenced":
        separator = (el.get("separators") or ",").strip()[:1]
        return el.get("open", "(") + separator.join(parts) + el.get("close", ")")
    if name == "mtable":
        return "\n".join(part for part in parts if part.strip())
    if name in ("mtr", "mlabeledtr"):
        return "  ".join(part for part in parts if part.strip())
    return "".join(parts)
