"""The forwarded report as a PDF laid out like a third-party preissuance submission (fpdf2)."""
from __future__ import annotations

import functools
import logging
import os
import re
import unicodedata
from collections.abc import Iterable, Sequence
from fnmatch import fnmatch
from pathlib import Path
from typing import Any, NamedTuple, cast

from fpdf import FPDF
from fpdf.enums import MethodReturnValue, XPos, YPos

from ..models.submission import FOREIGN, NPL, US
from .report import ELLIPSIS, Section

logger = logging.getLogger(__name__)

# Debian's fonts-dejavu-core; matplotlib ships the same face. Without one, core Helvetica (latin-1).
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
)
# Fonts with the Chinese, Japanese and Korean characters DejaVu Sans lacks (everyday prior art),
# found under SYSTEM_FONTS: the first file of each family, in this order (Debian's
# fonts-noto-cjk, fonts-droid-fallback, fonts-wqy-microhei or -zenhei).
SYSTEM_FONTS = Path("/usr/share/fonts")
CJK_FONTS = (
    ("NotoSansCJK*-Regular.ttc", "NotoSansCJK*-Regular.otf", "NotoSansCJK*-Regular.ttf"),
    ("DroidSansFallbackFull.ttf", "DroidSansFallback*.ttf"),
    ("wqy-microhei.ttc", "wqy-zenhei.ttc", "wqy-*.ttf"),
)
# What a reader of the PDF is told when some characters are drawn as a substitute.
UNDRAWN_NOTE = ("Some characters could not be drawn with the fonts of this site: each is shown "
                "as a plain equivalent or as its Unicode code point in brackets ([U+XXXX]). "
                "The HTML report shows the text as submitted")
# Column titles and widths in mm (0: the rest of the line), as on form PTO/SB/429.
COLUMNS = {
    US: (("Cite", 10), ("Number", 32), ("Kind", 12), ("Date", 22), ("First named inventor", 0)),
    FOREIGN: (("Cite", 10), ("Country", 19), ("Number", 32), ("Kind", 12), ("Date", 22),
              ("Applicant or inventor", 0)),
    NPL: (("Cite", 10), ("Author", 34), ("Title", 0), ("Date", 22), ("Pages or URL", 44)),
}
LINE_HEIGHT = 5  # mm, of the document tables
# fpdf2 cannot draw a table row taller than a page, and a frozen report never changes: a cell
# holds at most this many lines, and what it cannot hold is printed in full in the row below.
CELL_LINES = 8
NAMED_AUTHORS = 3  # more authors print as the first "et al." in the narrow Author column
URL_SHOWN = 60  # characters of a URL in its column, as the HTML report's truncate(60)
WRAP_SLACK = 0.5  # mm: measured lines stay narrower than the drawn cell despite rounding
ASCII_FOR = {"\u2014": "-", "\u2013": "-", "\u2018": "'", "\u2019": "'", "\u201c": '"',
             "\u201d": '"', "\u2026": "...", "\u2212": "-", "\u00a0": " "}


def find_font(configured: str | None = None) -> Path | None:
    """Return a Unicode TrueType font: the configured one, DejaVu Sans if installed, else None."""
    candidates = [configured] if configured else []
    try:
        import matplotlib

        bundled = Path(matplotlib.__file__).parent / "mpl-data" / "fonts" / "ttf" / "DejaVuSans.ttf"
        candidates.append(str(bundled))
    except ImportError:
        pass
    for candidate in [*candidates, *FONT_CANDIDATES]:
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


@functools.cache  # one walk of the font folders per process, not one per PDF
def system_fallback_fonts(root: Path = SYSTEM_FONTS) -> tuple[Path, ...]:
    """Return the CJK fonts installed under `root`: the first file found of each family."""
    files = sorted(Path(folder) / name for folder, _, names in os.walk(root) for name in names)
    found = []
    for patterns in CJK_FONTS:
        match = next((path for pattern in patterns for path in files if fnmatch(path.name, pattern)),
                     None)
        if match is not None:
            found.append(match)
    return tuple(found)


def fallback_fonts(configured: Iterable[str] | None = None,
                   root: Path = SYSTEM_FONTS) -> list[Path]:
    """Return the fonts that draw what the body font lacks: the configured files, then the system's."""
    paths = [Path(name) for name in configured or () if name and Path(name).is_file()]
    return list(dict.fromkeys([*paths, *system_fallback_fonts(root)]))


def code_point(char: str) -> str:
    """Return the visible stand-in of a character no font draws: its code point, [U+738B]."""
    return f"[U+{ord(char):04X}]"


def invisible(char: str) -> bool:
    """Tell whether `char` draws nothing by itself (a format character or a variation selector)."""
    return unicodedata.category(char) == "Cf" or unicodedata.name(char, "").startswith(
        "VARIATION SELECTOR")


def latin1(text: str, undrawn: set[str] | None = None) -> str:
    """Transliterate `text` for a core PDF font: quotes and dashes to ASCII, accents dropped.

    A character with no latin-1 form shows as its code point; it and those that lost their
    accents are added to `undrawn`.
    """
    text = "".join(ASCII_FOR.get(c, c) for c in text)
    out = []
    for char in text:
        try:
            char.encode("latin-1")
            out.append(char)
        except UnicodeEncodeError:
            base = unicodedata.normalize("NFKD", char).encode("latin-1", "ignore").decode("latin-1")
            if undrawn is not None and not invisible(char):
                undrawn.add(char)
            out.append(base or ("" if invisible(char) else code_point(char)))
    return "".join(out)


class ReportPDF(FPDF):
    """Pages with a running footer (the application number and the page), in one body font.

    Fallback fonts draw the characters the body font lacks; `clean` replaces those that no
    font has with a visible substitute, and remembers them in `undrawn`.
    """

    footer_text = ""
    body_font = "Helvetica"
    unicode = False  # core fonts print latin-1 only

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fallbacks: list[Any] = []  # the fallback fonts registered (fpdf2 TTFFont)
        self.undrawn: set[str] = set()  # characters shown as a substitute

    def covered(self, char: str) -> bool:
        """Tell whether the current font, or a fallback font, draws `char`."""
        fonts = [self.current_font, *self.fallbacks] if self.current_font else self.fallbacks
        return any(ord(char) in getattr(font, "cmap", {}) for font in fonts)

    def drawable(self, char: str) -> str:
        """Return `char`, or what stands in for it when no font draws it (never nothing visible)."""
        if unicodedata.category(char) == "Cc" or self.covered(char):
            return char  # control characters (line breaks) are fpdf2's to handle, as always
        if char.isspace():
            return " "
        if invisible(char):
            return ""
        self.undrawn.add(char)
        plain = unicodedata.normalize("NFKC", char)  # a math letter as the letter, a ligature as letters
        if plain != char and all(self.covered(c) for c in plain):
            return plain
        return code_point(char)

    def clean(self, text: str) -> str:
        """Return `text` as the body font (with its fallbacks) can print it."""
        if not self.unicode:
            return latin1(text, self.undrawn)
        return "".join(self.drawable(char) for char in text)

    def footer(self) -> None:
        """Print the running footer."""
        self.set_y(-12)
        self.set_font(self.body_font, "", 8)
        self.cell(0, 6, self.clean(f"{self.footer_text} - page {self.page_no()}/{{nb}}"), align="C")


class Cell(NamedTuple):
    """A table cell: the text shown, and the full text printed below the row if shortened."""

    shown: str
    full: str = ""  # "" when `shown` is the whole value
    tail: str = ""  # its last line(s), kept whatever `shown` loses: a URL under a long pinpoint


def one_line(text: str) -> str:
    """Return `text` with each run of white space, line breaks too, as one space (as in HTML)."""
    return " ".join((text or "").split())


def cited_authors(authors: str, first_author: str) -> Cell:
    """Return the Author cell: up to NAMED_AUTHORS names, else the first "et al.", all below."""
    names = [one_line(name) for name in re.split(r"[;\n]", authors or first_author or "")
             if name.strip()]
    if len(names) <= NAMED_AUTHORS:
        return Cell("; ".join(names))
    return Cell(f"{names[0]} et al.", "; ".join(names))


def cited_where(pinpoint: str, url: str) -> Cell:
    """Return the Pages or URL cell: a long URL cut with an ellipsis, in full below the row."""
    pinpoint, url = one_line(pinpoint), one_line(url)
    shown_url = url if len(url) <= URL_SHOWN else url[:URL_SHOWN - 1] + ELLIPSIS
    if shown_url == url:
        return Cell(pinpoint, tail=url)
    return Cell(pinpoint, " ".join(part for part in (pinpoint, url) if part), shown_url)


def row_values(kind: str, number: int, item: dict) -> list[Cell]:
    """Return the table cells of one cited document, by section kind."""
    if kind == US:
        values = [str(number), item["number"] or item["identifier"], item["kind_code"],
                  item["date"], item["first_author"]]
        return [Cell(one_line(value)) for value in values]
    if kind == FOREIGN:
        values = [str(number), item["country"], item["number"] or item["identifier"],
                  item["kind_code"], item["date"], item["first_author"]]
        return [Cell(one_line(value)) for value in values]
    return [Cell(str(number)), cited_authors(item["authors"], item["first_author"]),
            Cell(one_line(item["title"] or item["identifier"])), Cell(one_line(item["date"])),
            cited_where(item["pinpoint"], item["url"])]


def wrapped(pdf: FPDF, text: str, width: float) -> list[str]:
    """Return the lines `text` takes in a table cell `width` mm wide, in the current font."""
    lines = pdf.multi_cell(width - WRAP_SLACK, LINE_HEIGHT, text, dry_run=True,
                           output=MethodReturnValue.LINES)
    return cast(list[str], lines)


def fit_cell(pdf: ReportPDF, text: str, width: float, max_lines: int) -> tuple[str, bool]:
    """Return `text` cut to `max_lines` lines of a cell `width` mm wide, and whether it was cut."""
    lines = wrapped(pdf, text, width)
    if len(lines) <= max_lines:
        return text, False
    last, ellipsis = lines[max_lines - 1], pdf.clean(ELLIPSIS)
    room = width - WRAP_SLACK - 2 * pdf.c_margin
    while last and pdf.get_string_width(last + ellipsis) > room:
        last = last[:-1]
    return "\n".join([*lines[:max_lines - 1], last.rstrip() + ellipsis]), True


def cell_text(pdf: ReportPDF, cell: Cell, width: float) -> tuple[str, bool]:
    """Return the text of `cell` in CELL_LINES lines `width` mm wide, and whether it was cut."""
    tail = pdf.clean(cell.tail)
    room = max(1, CELL_LINES - len(wrapped(pdf, tail, width))) if tail else CELL_LINES
    shown, cut = fit_cell(pdf, pdf.clean(cell.shown), width, room)
    return "\n".join(part for part in (shown, tail) if part), cut


def row_texts(pdf: FPDF, text: str, width: float, max_lines: int) -> list[str]:
    """Return `text` split into the texts of successive rows `width` mm wide, `max_lines` each."""
    lines = wrapped(pdf, text, width)
    if len(lines) <= max_lines:
        return [text]  # the table wraps it itself, as it always did
    return ["\n".join(lines[start:start + max_lines]) for start in range(0, len(lines), max_lines)]


def description(kind: str, item: dict) -> str:
    """Return the text under a cited document: its title (patents) and concise description."""
    claims = ", ".join(map(str, item.get("claims") or []))
    label = "Concise description of relevance" + (f" (claims {claims})" if claims else "")
    if kind != NPL and item.get("pinpoint"):  # literature has its pinpoint in its own column
        label += f", at {one_line(item['pinpoint'])}"
    title = f"{one_line(item['title'])}\n" if kind != NPL and item.get("title") else ""
    return f"{title}{label}: {item['description']}"


def use_fonts(pdf: ReportPDF, font_path: Path | None, fallback_paths: Sequence[Path]) -> list[Path]:
    """Make `font_path` the body font, with fallback fonts for what it lacks; return those used.

    Without a body font the core Helvetica prints (latin-1): fpdf2 has fallbacks for TrueType
    fonts only. A fallback that cannot be read is left out (logged): the PDF is still drawn.
    """
    if font_path is None:
        return []
    pdf.add_font("Body", "", str(font_path))
    bold = font_path.with_name(font_path.stem + "-Bold" + font_path.suffix)
    pdf.add_font("Body", "B", str(bold if bold.is_file() else font_path))
    pdf.body_font, pdf.unicode = "Body", True
    used: dict[str, Path] = {}
    for path in fallback_paths:
        family = f"fallback{len(used)}"
        try:
            pdf.add_font(family, "", str(path))
        except Exception as error:  # noqa: BLE001 - any unreadable or unsupported font file
            logger.warning("PDF fallback font %s left out: %s", path, error)
            continue
        used[family] = path
    if used:
        # Regular faces only: bold text falls back to them too.
        pdf.set_fallback_fonts(list(used), exact_match=False)
        pdf.fallbacks = [pdf.fonts[family] for family in used]
    return list(used.values())


def report_pdf(*, number: str, title: str, site: str, sections: Sequence[Section], frozen_at: str,
               model_version: str, font_path: Path | None, fallback_paths: Sequence[Path] = (),
               html_url: str = "") -> bytes:
    """Return the PDF of a forwarded report: header, then the three numbered document lists.

    When some characters had to be drawn as substitutes, it is drawn again with a note under
    the header saying so, which points to the HTML report (`html_url`).
    """
    fields: dict[str, Any] = {
        "number": number, "title": title, "site": site, "sections": sections,
        "frozen_at": frozen_at, "model_version": model_version, "font_path": font_path,
        "fallback_paths": fallback_paths}
    pdf = draw_report(**fields, note="")
    body = bytes(pdf.output())  # the footers too are drawn by now
    if not pdf.undrawn:
        return body
    note = f"{UNDRAWN_NOTE}: {html_url}" if html_url else f"{UNDRAWN_NOTE}."
    return bytes(draw_report(**fields, note=note).output())


def draw_report(*, number: str, title: str, site: str, sections: Sequence[Section],
                frozen_at: str, model_version: str, font_path: Path | None,
                fallback_paths: Sequence[Path], note: str) -> ReportPDF:
    """Draw the report's pages (see `report_pdf`), with `note` under the header if given."""
    pdf = ReportPDF(format="letter")
    pdf.footer_text = f"{number} - third-party preissuance submission"
    use_fonts(pdf, font_path, fallback_paths)
    pdf.set_title(f"Third-party preissuance submission {number}")
    pdf.set_subject(f"Prior art on {number} under 35 U.S.C. 122(e)")
    pdf.set_creator(site)
    pdf.set_auto_page_break(True, margin=16)
    pdf.add_page()
    # A row must fit on a page under the headings the table repeats there (one line).
    page_lines = int(pdf.eph // LINE_HEIGHT) - 2
    line: dict[str, Any] = {"new_x": XPos.LMARGIN, "new_y": YPos.NEXT}
    pdf.set_font(pdf.body_font, "B", 14)
    pdf.multi_cell(0, 7, pdf.clean(f"Application {number}"), **line)
    pdf.set_font(pdf.body_font, "", 11)
    pdf.multi_cell(0, 6, pdf.clean(title), **line)
    pdf.set_font(pdf.body_font, "B", 11)
    basis = f"Third-party preissuance submission under 35 U.S.C. 122(e) \u2014 compiled by {site}"
    pdf.multi_cell(0, 6, pdf.clean(basis), **line)
    pdf.set_font(pdf.body_font, "", 9)
    # model_version arrives described (name, training data, date): see ranking.describe_model.
    ranked = f"{frozen_at}. Ranked by {model_version or 'no stored scores'}."
    pdf.multi_cell(0, 5, pdf.clean(ranked), **line)
    if note:
        pdf.set_font(pdf.body_font, "B", 9)
        pdf.multi_cell(0, 5, pdf.clean(note), **line)
    for section in sections:
        pdf.ln(4)
        pdf.set_font(pdf.body_font, "B", 12)
        pdf.multi_cell(0, 7, pdf.clean(section.heading), **line)
        pdf.set_font(pdf.body_font, "", 9)
        if not section.documents:
            pdf.multi_cell(0, 5, "None.", **line)
            continue
        columns = COLUMNS.get(section.kind, COLUMNS[NPL])
        fixed = sum(width for _, width in columns)
        widths = [width or (pdf.epw - fixed) for _, width in columns]
        with pdf.table(col_widths=widths, width=pdf.epw, line_height=LINE_HEIGHT,
                       text_align="LEFT", first_row_as_headings=True) as table:
            heading = table.row()
            for name, _ in columns:
                heading.cell(pdf.clean(name))
            for cited in section.documents:
                row, in_full = table.row(), []
                cells = row_values(section.kind, cited.number, cited.item)
                for (name, _), width, cell in zip(columns, widths, cells, strict=True):
                    text, cut = cell_text(pdf, cell, width)
                    row.cell(text)
                    if cell.full or cut:
                        in_full.append(f"{name}: {cell.full or one_line(cell.shown)}")
                below = pdf.clean("\n".join([*in_full, description(section.kind, cited.item)]))
                for text in row_texts(pdf, below, pdf.epw, page_lines):
                    table.row().cell(text, colspan=len(columns))
    return pdf
