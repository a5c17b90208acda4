"""The PDF's fonts: fallback fonts for what DejaVu Sans lacks, and never a character dropped.

Chinese, Japanese and Korean documents are everyday prior art. A character no registered font
draws is shown as its code point, and a note under the header says so and points to the HTML
report.
"""
from __future__ import annotations

import gc
import re
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from reviewapp.config import build_config
from reviewapp.examiner.forwarding import close_and_freeze
from reviewapp.examiner.pdf import (
    ReportPDF,
    fallback_fonts,
    find_font,
    latin1,
    report_pdf,
    system_fallback_fonts,
    use_fonts,
)
from reviewapp.examiner.report import report_item, sections
from reviewapp.models.submission import FOREIGN, NPL
from tests.examiner.test_report import pdf_text, submission
from tests.factories import make_application, make_submission, make_user

NOTE = "Some characters could not be drawn with the fonts of this site"
HTML_URL = "http://localhost.test/examiner/applications/US20180000016A1/report"


def cjk_sections():
    """Return the lists of a Chinese patent document and a Japanese article, as the audit found."""
    patent = report_item(submission(FOREIGN, "CN101234567A", title="电池冷却系统", authors="王小明; 李华",
                                    explanation="Discloses the coolant loop (冷却回路) of claim 1."), None, 1)
    article = report_item(submission(NPL, "npl:jp", title="電池の冷却", authors="山田太郎",
                                     explanation="The same loop."), None, 2)
    for item in (patent, article):
        item["claims"] = [1]
    return sections([patent, article])


def draw(font_path: Path | None, fallbacks=(), title: str = "Cooling", items=None) -> bytes:
    """Return the PDF of a report (by default the Chinese and Japanese one)."""
    return report_pdf(number="US20180000016A1", title=title, site="Open Prior Art",
                      sections=cjk_sections() if items is None else items, frozen_at="Frozen",
                      model_version="v1", font_path=font_path, fallback_paths=list(fallbacks),
                      html_url=HTML_URL)


def unescaped(string: bytes) -> bytes:
    """Return a PDF string's bytes: its backslash escapes undone."""
    return re.sub(rb"\\(.)", lambda m: b"\r" if m.group(1) == b"r" else m.group(1), string, flags=re.DOTALL)


def unicode_text(body: bytes) -> str:
    """Return what a PDF in embedded fonts prints: glyph ids read through each font's ToUnicode map."""
    objects = dict(re.findall(rb"(\d+) 0 obj\s(.*?)\bendobj", body, re.DOTALL))
    maps = {}
    for name, number in re.findall(rb"/(F\d+) (\d+) 0 R", body):
        to_unicode = re.search(rb"/ToUnicode (\d+) 0 R", objects[number])
        if to_unicode is not None:
            cmap = pdf_text(objects[to_unicode.group(1)])
            maps[name] = {code: bytes.fromhex(text.decode()).decode("utf-16-be")
                          for code, text in re.findall(rb"<([0-9A-F]{4})> <([0-9A-F]+)>", cmap)}
    pages = b"".join(pdf_text(objects[number]) for number in re.findall(rb"/Contents (\d+) 0 R", body))
    out, font = [], {}
    # A font switch, or a string shown (alone by Tj, or in a TJ array when justified).
    for switch, string in re.findall(rb"/(F\d+) [\d.]+ Tf|\(((?:\\.|[^\\)])*)\)", pages, re.DOTALL):
        if switch:
            font = maps.get(switch, {})
            continue
        raw = unescaped(string)
        out.append("".join(font.get(raw[i:i + 2].hex().upper().encode(), "\ufffd")
                           for i in range(0, len(raw), 2)))
    return "".join(out)


def squashed(text: str) -> str:
    """Return `text` without white space: lines broken anywhere still compare."""
    return "".join(text.split())


def closed(pdf: ReportPDF) -> None:
    """Output a PDF that was only set up: fpdf2 closes its font files then."""
    pdf.add_page()
    pdf.output()


@pytest.fixture
def dejavu() -> Path:
    font = find_font()
    if font is None:
        pytest.skip("no DejaVu Sans installed (Debian: fonts-dejavu-core)")
    return font


def test_latin1_shows_what_it_cannot_print_as_a_code_point_and_remembers_it():
    undrawn: set[str] = set()
    assert latin1("“Müller” — α ≤ 5… 王\u200b", undrawn) == '"Müller" - [U+03B1] [U+2264] 5... [U+738B]'
    assert undrawn == {"α", "≤", "王"}  # quotes, dashes and invisible characters are no loss


def test_a_character_no_font_draws_shows_as_its_code_point_with_a_note(dejavu):
    body = draw(dejavu)
    text = squashed(unicode_text(body))
    assert "CN101234567A" in text  # the decoding works
    for name in ("[U+738B][U+5C0F][U+660E]",  # 王小明, the inventor
                 "[U+7535][U+6C60][U+51B7][U+5374][U+7CFB][U+7EDF]",  # 电池冷却系统, the title
                 "[U+5C71][U+7530][U+592A][U+90CE]",  # 山田太郎, the author
                 "coolantloop([U+51B7][U+5374][U+56DE][U+8DEF])ofclaim1"):
        assert name in text, name
    assert squashed(f"{NOTE}") in text and squashed(HTML_URL) in text
    assert text.index(squashed(NOTE)) < text.index("U.S.patents")  # under the header


def test_a_math_letter_prints_as_the_letter_it_stands_for(dejavu):
    text = unicode_text(draw(dejavu, title="The 𝔘𝔫𝔦 loop", items=[]))
    assert "The Uni loop" in text and squashed(NOTE) in squashed(text)


def test_a_report_every_character_of_which_prints_has_no_note(dejavu):
    text = unicode_text(draw(dejavu, title="Cooling αβγ — “loops”", items=[]))
    assert "Cooling αβγ — “loops”" in text and squashed(NOTE) not in squashed(text)


def test_the_core_font_shows_code_points_and_the_note_too():
    text = pdf_text(draw(None))
    assert b"[U+738B][U+5C0F][U+660E]" in text and NOTE.encode() in text


def font_covering_what_dejavu_lacks(dejavu: Path) -> tuple[Path, str] | None:
    """Return a TrueType font under /usr/share/fonts and a letter it has that DejaVu Sans lacks."""
    with TTFont(dejavu) as font:
        drawn = set(font.getBestCmap())
    for path in sorted(Path("/usr/share/fonts").rglob("*.ttf")):
        try:
            with TTFont(path, lazy=True) as font:
                cmap = font.getBestCmap() or {}
        except Exception:  # noqa: BLE001, S112 - any unreadable file: look at the next
            continue
        for code in sorted(set(cmap) - drawn):
            if chr(code).isalpha():
                return path, chr(code)
    return None


def test_a_configured_fallback_font_is_registered_and_draws_what_dejavu_lacks(dejavu):
    found = font_covering_what_dejavu_lacks(dejavu)
    if found is None:  # no such font here: the registration, with DejaVu itself as the fallback
        pdf = ReportPDF()
        assert use_fonts(pdf, dejavu, [dejavu]) == [dejavu]
        assert [font.fontkey for font in pdf.fallbacks] == ["fallback0"]
        closed(pdf)
        return
    font, letter = found
    pdf = ReportPDF()
    assert use_fonts(pdf, dejavu, [font]) == [font] and pdf.fallbacks
    pdf.add_page()
    pdf.set_font(pdf.body_font, "", 9)
    assert pdf.clean(f"x{letter}") == f"x{letter}" and not pdf.undrawn
    closed(pdf)
    text = unicode_text(draw(dejavu, [font], title=f"Cooling {letter} loops", items=[]))
    assert f"Cooling {letter} loops" in text and squashed(NOTE) not in squashed(text)


# fontTools leaves the file of a font it cannot read open (closed by the garbage collector).
@pytest.mark.filterwarnings("ignore:Exception ignored in. <_io.FileIO name=.*Broken.ttf")
def test_an_unreadable_fallback_font_is_left_out(dejavu, tmp_path, caplog):
    broken = tmp_path / "Broken.ttf"
    broken.write_bytes(b"not a font")
    pdf = ReportPDF()
    assert use_fonts(pdf, dejavu, [broken]) == [] and not pdf.fallbacks
    closed(pdf)
    assert "Broken.ttf left out" in caplog.text
    assert draw(dejavu, [broken]).startswith(b"%PDF")
    caplog.clear()  # its records hold the error, which holds the file
    gc.collect()  # the warning, if any, comes now


def test_the_fallbacks_are_the_configured_files_then_the_systems_cjk_fonts(tmp_path):
    root = tmp_path / "fonts"
    for name in ("truetype/wqy/wqy-microhei.ttc", "truetype/droid/DroidSansFallbackFull.ttf",
                 "opentype/noto/NotoSansCJK-Regular.ttc", "opentype/noto/NotoSansCJK-Bold.ttc",
                 "truetype/dejavu/DejaVuSans.ttf"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(b"")
    noto, droid, wqy = (root / "opentype/noto/NotoSansCJK-Regular.ttc",
                        root / "truetype/droid/DroidSansFallbackFull.ttf",
                        root / "truetype/wqy/wqy-microhei.ttc")
    assert system_fallback_fonts(root) == (noto, droid, wqy)
    mine = tmp_path / "Mine.otf"
    mine.write_bytes(b"")
    configured = [str(mine), str(tmp_path / "missing.ttf"), str(droid)]
    assert fallback_fonts(configured, root) == [mine, droid, noto, wqy]
    assert system_fallback_fonts(tmp_path / "none") == ()


def test_the_fallback_fonts_setting_reads_a_list_or_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("REVIEWAPP_PDF_FALLBACK_FONTS", "/fonts/a.ttf: /fonts/b.otf:")
    assert build_config(str(tmp_path), {})["PDF_FALLBACK_FONTS"] == ["/fonts/a.ttf", "/fonts/b.otf"]
    monkeypatch.delenv("REVIEWAPP_PDF_FALLBACK_FONTS")
    assert build_config(str(tmp_path), {})["PDF_FALLBACK_FONTS"] == []
    overrides = {"PDF_FALLBACK_FONTS": ["/fonts/c.ttf"]}
    assert build_config(str(tmp_path), overrides)["PDF_FALLBACK_FONTS"] == ["/fonts/c.ttf"]


def test_the_report_pdf_view_uses_the_configured_fallbacks_and_notes_what_it_could_not_draw(
        app, client, auth, db, dejavu, monkeypatch):
    registered = []

    def spy(pdf, font_path, fallback_paths):
        registered.append(list(fallback_paths))
        return use_fonts(pdf, font_path, fallback_paths)

    monkeypatch.setattr("reviewapp.examiner.pdf.use_fonts", spy)
    monkeypatch.setattr("reviewapp.examiner.views.fallback_fonts",
                        lambda configured: fallback_fonts(configured, Path("/nonexistent")))
    app.config["PDF_FALLBACK_FONTS"] = [str(dejavu)]
    application, volunteer = make_application(), make_user()
    make_submission(application, volunteer, kind="foreign", identifier="CN101234567A",
                    identifier_raw="CN 101234567 A", title="电池冷却系统", authors="王小明; 李华")
    close_and_freeze(db.session, application)
    db.session.commit()
    auth.login(make_user("examiner"))
    response = client.get(f"/examiner/applications/{application.number}/report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert registered and registered[0] == [dejavu]
    text = squashed(unicode_text(response.get_data()))
    assert "[U+738B][U+5C0F][U+660E]" in text and squashed(NOTE) in text
    assert f"/examiner/applications/{application.number}/report" in text
