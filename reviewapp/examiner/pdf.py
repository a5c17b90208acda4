"""The forwarded report as a PDF laid out like a third-party preissuance submission (fpdf2)."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple, cast

from fpdf import FPDF
from fpdf.enums import MethodReturnValue, XPos, YPos

from ..models.submission import FOREIGN, NPL, US
from .report import ELLIPSIS, Section

# Debian's fonts-dejavu-core; matplotlib ships the same face. Without one, core Helvetica (latin-1).
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
)
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


def latin1(text: str) -> str:
    """Transliterate `text` for a core PDF font: quotes and dashes to ASCII, others to '?'."""
    text = "".join(ASCII_FOR.get(c, c) for c in text)
    out = []
    for char in text:
        try:
            char.encode("latin-1")
            out.append(char)
        except UnicodeEncodeError:
            base = unicodedata.normalize("NFKD", char).encode("latin-1", "ignore").decode("latin-1")
            out.append(base or "?")
    return "".join(out)


class ReportPDF(FPDF):
    """Pages with a running footer (the application number and the page), in one body font."""

    footer_text = ""
    body_font = "Helvetica"
    unicode = False  # core fonts print latin-1 only

    def clean(self, text: str) -> str:
        """Return `text` as the body font can print it."""
        return text if self.unicode else latin1(text)

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


def report_pdf(*, number: str, title: str, site: str, sections: Sequence[Section], frozen_at: str,
               model_version: str, font_path: Path | None) -> bytes:
    """Return the PDF of a forwarded report: header, then the three numbered document lists."""
    pdf = ReportPDF(format="letter")
    pdf.footer_text = f"{number} - third-party preissuance submission"
    if font_path is not None:
        pdf.add_font("Body", "", str(font_path))
        bold = font_path.with_name(font_path.stem + "-Bold" + font_path.suffix)
        pdf.add_font("Body", "B", str(bold if bold.is_file() else font_path))
        pdf.body_font, pdf.unicode = "Body", True
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
    return bytes(pdf.output())
