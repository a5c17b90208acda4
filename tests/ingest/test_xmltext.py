"""Readable text from USPTO markup."""
from __future__ import annotations

from lxml import etree

from reviewapp.ingest.entities import entity_text, replace_named_entities
from reviewapp.ingest.xmltext import block_text, inline_text, script


def _el(xml: str) -> etree._Element:
    return etree.fromstring(xml)


def test_sub_and_superscripts_prefer_unicode() -> None:
    assert inline_text(_el("<p>H<sub>2</sub>O and 10<sup>−3</sup> m<sup>2 </sup>per s</p>")) == (
        "H₂O and 10⁻³ m² per s")
    assert inline_text(_el("<p>V<sub>bg</sub> and x<sup>n+1</sup></p>")) == "V_{bg} and x^{n+1}"
    assert script("  ", superscript=True) == "  "


def test_paragraphs_and_headings_are_separated_by_blank_lines() -> None:
    description = _el('<description><heading level="1">FIELD</heading>'
                      '<p num="0001">First   paragraph\n spread over lines.</p>'
                      '<p num="0002">Second, see <figref idref="DRAWINGS">FIG. 1</figref>.</p>'
                      '</description>')
    assert block_text(description) == ("FIELD\n\nFirst paragraph spread over lines.\n\n"
                                       "Second, see FIG. 1.")
    assert block_text(description, numbered=True).endswith("\n\n[0002] Second, see FIG. 1.")


def test_claim_elements_become_indented_lines() -> None:
    claim = _el('<claim id="CLM-00002" num="00002"><claim-text>2. The device of '
                '<claim-ref idref="CLM-00001">claim 1</claim-ref>, comprising:'
                '<claim-text>a frame; and</claim-text>'
                '<claim-text>a wheel having:<claim-text>a hub.</claim-text></claim-text>'
                '</claim-text></claim>')
    assert block_text(claim) == ("2. The device of claim 1, comprising:\n  a frame; and\n"
                                 "  a wheel having:\n    a hub.")


def test_tables_become_rows_of_cells() -> None:
    table = _el('<tables><table><tgroup cols="3"><colspec colname="1"/><thead><row>'
                '<entry>Example</entry><entry>T (°C)</entry><entry/></row></thead><tbody>'
                '<row><entry>1</entry><entry>25</entry><entry/></row>'
                '<row><entry namest="1" nameend="3"/></row></tbody></tgroup></table></tables>')
    assert block_text(table) == "Example | T (°C)\n1 | 25"


def test_mathml_becomes_a_linear_formula() -> None:
    maths = _el('<p><maths num="1"><math xmlns="http://www.w3.org/1998/Math/MathML"><mrow>'
                '<msup><mi>x</mi><mn>2</mn></msup><mo>+</mo>'
                '<mfrac><mrow><mi>a</mi><mo>+</mo><mi>b</mi></mrow><mn>2</mn></mfrac>'
                '<mo>&#x2062;</mo><msqrt><mi>y</mi></msqrt><mo>=</mo><msub><mi>z</mi><mi>ij</mi>'
                '</msub></mrow></math><img id="EMI-M00001" img-content="math"/></maths></p>')
    assert block_text(maths) == "x²+(a+b)/2√y=z_{ij}"  # the fallback image is not repeated


def test_images_and_chemistry_keep_a_placeholder() -> None:
    chemistry = _el('<p>Formula:<chemistry num="1"><img file="c.TIF" img-content="chem"/>'
                    '</chemistry>where R is H.</p>')
    assert block_text(chemistry) == "Formula:\n[chem image]\nwhere R is H."


def test_lists_keep_items_on_their_own_lines() -> None:
    items = _el('<p>Steps:<ul list-style="bullet"><li>mix;</li><li>heat.</li></ul></p>')
    assert block_text(items) == "Steps:\n• mix;\n• heat."


def test_pap_markup() -> None:
    paragraph = _el('<subdoc-description><paragraph id="P-00003" lvl="0"><number>3.</number> '
                    'About 0.5 g/m<highlight><superscript>2 </superscript></highlight>per minute.'
                    '</paragraph></subdoc-description>')
    assert block_text(paragraph, numbered=True) == "[0003] About 0.5 g/m² per minute."


def test_named_entities_become_characters_except_the_xml_five() -> None:
    data = b"<p>25&deg;C &plusmn;1 &lsquo;x&rsquo; &amp; &lt; &lgr;&Dgr; &bogus;</p>"
    assert replace_named_entities(data) == (
        b"<p>25&#xB0;C &#xB1;1 &#x2018;x&#x2019; &amp; &lt; &#x3BB;&#x394; &amp;bogus;</p>")
    assert inline_text(_el(replace_named_entities(data).decode())) == "25°C ±1 ‘x’ & < λΔ &bogus;"
    assert entity_text("OHgr") == "Ω" and entity_text("sfgr") == "ς" and entity_text("nogr") is None


def test_plain_and_marked_up_paragraphs_render_alike() -> None:
    """A paragraph of plain inline markup takes lxml's text; one with a subscript, a nested
    formula goes element by element: the same rules either way; an entity stays visible."""
    plain = _el('<description><p num="0003">The <b>valve</b> of <figref idref="f1">FIG. 1</figref>'
                ' has a <i>bent <u>stem</u></i>\n   and a seat.</p></description>')
    assert block_text(plain, numbered=True) == "[0003] The valve of FIG. 1 has a bent stem and a seat."
    marked = _el('<description><p>Water is H<sub>2</sub>O, <b>about 10<sup>-3</sup></b> m'
                 '<i><sub>x</sub></i>.</p></description>')
    assert block_text(marked) == "Water is H₂O, about 10⁻³ m_{x}."
    parser = etree.XMLParser(resolve_entities=False)
    entity = etree.fromstring('<!DOCTYPE d [<!ENTITY odd "x">]><d><p>an &odd; one</p></d>', parser)
    assert block_text(entity) == "an &odd; one"


def test_plain_paragraphs_collapse_blanks_as_python_does() -> None:
    """A plain paragraph's blanks are collapsed in C (XPath) on ASCII text; with a no-break or
    thin space, or an empty paragraph, the text is what the element-by-element path gives."""
    cases = ["<p num='0001'>  a\n\tb  c  </p>", "<p num='0002'>a\u00a0 b\u2009c \u3000</p>",
             "<p num='0003'> </p>", "<p>x <b> y </b>\r\n z</p>", "<p>caf\u00e9  <i>au</i>  lait</p>"]
    for xml in cases:
        paragraph = _el(f"<description>{xml}</description>")
        # An empty <sub> (it renders as nothing) sends the same text element by element.
        marked = _el(f"<description>{xml.replace('</p>', '<sub></sub></p>')}</description>")
        assert block_text(paragraph, numbered=True) == block_text(marked, numbered=True)
    assert block_text(_el("<d><p num='0007'>a\u00a0\u00a0b</p></d>"), numbered=True) == "[0007] a b"
    assert block_text(_el("<d><p num='0008'> </p><p>next</p></d>"), numbered=True) == "[0008]\n\nnext"
