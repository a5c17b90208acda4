"""Comment Markdown: rendered by markdown-it-py, then sanitised by nh3."""
from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

ALLOWED_TAGS = {"p", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li", "a", "br"}
ALLOWED_ATTRIBUTES = {"a": {"href"}}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow noopener ugc"

# Raw HTML passes through markdown-it so that nh3, the one place deciding what is safe, strips
# it: escaping it instead would print `<script>` tags back to readers as text.
_parser = MarkdownIt("commonmark", {"html": True})
_cleaner = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    clean_content_tags={"script", "style"},
    attributes=ALLOWED_ATTRIBUTES,
    url_schemes=URL_SCHEMES,
    url_relative="deny",
    link_rel=LINK_REL,
)


def render_markdown(text: str | None) -> Markup:
    """Render Markdown to HTML keeping only a small safe set of tags and links."""
    if not text:
        return Markup("")
    return Markup(_cleaner.clean(_parser.render(text)).strip())
