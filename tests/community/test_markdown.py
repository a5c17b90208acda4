"""Comment Markdown is rendered and sanitised."""
from __future__ import annotations

from markupsafe import Markup

from reviewapp.community.markdown import render_markdown


def test_bold_italic_code_and_lists_are_kept():
    html = render_markdown("**bold** *it* `x<y`\n\n- one\n- two\n\n> quoted")
    assert isinstance(html, Markup)
    assert "<strong>bold</strong>" in html and "<em>it</em>" in html
    assert "<code>x&lt;y</code>" in html
    assert "<ul>\n<li>one</li>" in html and "<blockquote>" in html


def test_http_links_are_kept_with_rel():
    html = render_markdown("See [the paper](https://example.org/p.pdf) and <mailto:a@example.org>.")
    assert '<a href="https://example.org/p.pdf" rel="nofollow noopener ugc">the paper</a>' in html
    assert 'href="mailto:a@example.org"' in html


def test_script_tags_are_removed_with_their_content():
    html = render_markdown("hello <script>alert('x')</script> world\n\n<script>\nalert(2)\n</script>")
    assert "<script" not in html and "alert" not in html
    assert "hello" in html and "world" in html


def test_javascript_links_are_neutralised():
    for source in ("[click](javascript:alert(1))", "[c](JaVaScRiPt:alert(1))",
                   '<a href="javascript:alert(1)">click</a>', "[x](data:text/html,<b>x</b>)"):
        html = render_markdown(source)
        assert 'href="javascript' not in html.lower() and 'href="data' not in html, source
        assert "<a href=" not in html, source


def test_event_handler_attributes_and_raw_html_are_removed():
    html = render_markdown('<img src="x" onerror="alert(1)"> <div onclick="steal()" style="color:red">text</div>'
                           '<iframe src="https://evil.example"></iframe>')
    for gone in ("onerror", "onclick", "<img", "<div", "style=", "<iframe", "alert"):
        assert gone not in html
    assert "text" in html


def test_relative_and_other_scheme_links_lose_their_href():
    html = render_markdown("[local](/admin) [ftp](ftp://example.org/file)")
    assert "href" not in html
    assert "local" in html and "ftp" in html


def test_empty_text_renders_nothing():
    assert render_markdown("") == Markup("") and render_markdown(None) == Markup("")
