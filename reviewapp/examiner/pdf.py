"""The forwarded report as a PDF laid out like a third-party preissuance submission (fpdf2)."""
from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from ..models.submission import FOREIGN, NPL, US
from .report import Section

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


def row_values(kind: str, number: int, item: dict) -> list[str]:
    """Return the table cells of one cited document, by section kind."""
    if kind == US:
        return [str(number), item["number"] or item["identifier"], item["kind_code"], item["date"],
                item["first_author"]]
    if kind == FOREIGN:
        return [str(number), item["country"], item["number"] or item["identifier"],
                item["kind_code"], item["date"], item["first_author"]]
    where = "\n".join(part for part in (item["pinpoint"], item["url"]) if part)
    return [str(number), item["authors"] or item["first_author"],
            item["title"] or item["identifier"], item["date"], where]


def description(kind: str, item: dict) -> str:
    """Return the text under a cited document: its title (patents) and concise description."""
    claims = ", ".join(map(str, item.get("claims") or []))
    label = "Concise description of relevance" + (f" (claims {claims})" if claims else "")
    if kind != NPL and item.get("pinpoint"):  # literature has its pinpoint in its own column
        label += f", at {item['pinpoint']}"
    title = f"{item['title']}\n" if kind != NPL and item.get("title") else ""
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
        with pdf.table(col_widths=widths, width=pdf.epw, line_height=5, text_align="LEFT",
                       first_row_as_headings=True) as table:
            heading = table.row()
            for name, _ in columns:
                heading.cell(pdf.clean(name))
            for cited in section.documents:
                row = table.row()
                for value in row_values(section.kind, cited.number, cited.item):
                    row.cell(pdf.clean(value))
                table.row().cell(pdf.clean(description(section.kind, cited.item)), colspan=len(columns))
    return bytes(pdf.output())
