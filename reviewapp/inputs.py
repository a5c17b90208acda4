"""The site's input rules, one place each: text the database can hold, page numbers, `next` targets,
names that show.

Every request passes `check_text` before any view runs; every list reads its page through
`page_number`; every redirect to a user-given target goes through `local_target`; every display
name through `visible_name`.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Any
from urllib.parse import unquote, urlsplit

from flask import Flask, abort, current_app, has_request_context, request
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

# PostgreSQL text cannot hold NUL; SQLite would keep it and truncate it elsewhere. One rule for
# every text that reaches the site: URL path, query, form fields and their names.
UNSTORABLE = re.compile("[\x00]")
TEXT_REFUSED = ("The request holds a NUL character (U+0000), which no text on this site can "
                "contain: remove it and try again. Nothing was saved.")

# Pages beyond this are empty: the offset (page - 1) x per page must fit a database integer.
MAX_PAGE = 1_000_000_000
MAX_PER_PAGE = 100

# Control characters (CR, LF, TAB...) and backslashes never belong in a local redirect target:
# CR/LF would split the Location header, and browsers read "/\\host" as "//host".
UNSAFE_TARGET = re.compile(r"[\x00-\x1f\x7f\\]")

# Characters that show as nothing: controls, format characters (zero-width spaces and joiners,
# direction marks), separators; and a few letters and symbols drawn blank (Hangul fillers, the
# blank Braille pattern) or joining nothing (the combining grapheme joiner).
INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zs", "Zl", "Zp"})
BLANK_CHARACTERS = frozenset("\u034f\u115f\u1160\u3164\uffa0\u2800")


def unix_newlines(value: Any) -> Any:
    """Count a browser's CRLF line ending as one character (a form filter; others unchanged)."""
    return re.sub(r"\r\n?", "\n", value) if isinstance(value, str) else value


def normalise_text(text: str | None) -> str:
    """Return `text` trimmed, with browser line endings (CRLF) counted as one character."""
    return unix_newlines(text or "").strip()


def unstorable(text: str) -> bool:
    """Tell whether `text` holds a character no text column can store."""
    return UNSTORABLE.search(text) is not None


def request_has_unstorable_text() -> bool:
    """Tell whether the path, the query or the form of this request holds unstorable text."""
    if unstorable(request.path):
        return True
    sources = [request.args]
    if request.method in ("POST", "PUT", "PATCH"):
        sources.append(request.form)
    for multidict in sources:
        for key, values in multidict.lists():
            if unstorable(key) or any(unstorable(value) for value in values):
                return True
    return False


def check_text() -> None:
    """Refuse (400) a request carrying text the database cannot store, before any view reads it."""
    if request_has_unstorable_text():
        abort(400, description=TEXT_REFUSED)


def bound_page(page: int | None) -> int:
    """Return `page` within 1..MAX_PAGE (a missing one is the first)."""
    return min(max(page or 1, 1), MAX_PAGE)


def bound_per_page(per_page: int | None, default: int, maximum: int | None = None) -> int:
    """Return a page length within 1..maximum (MAX_PER_PAGE when not given)."""
    return min(max(per_page or default, 1), maximum or MAX_PER_PAGE)


def page_number(name: str = "page") -> int:
    """Return the page number the query string asks for, bounded; 1 when absent or malformed."""
    return bound_page(request.args.get(name, 1, type=_whole_number))


def _whole_number(raw: str) -> int:
    """Parse a page number of at most 12 digits (longer ones count as the last page)."""
    raw = raw.strip()
    if not raw.isascii() or not raw.isdigit():
        raise ValueError(raw)
    return MAX_PAGE if len(raw) > 12 else int(raw)


def local_target(target: str | None) -> str | None:
    """Return `target` when it is a page of this site that is safe to redirect to, else None."""
    if not isinstance(target, str) or not target.startswith("/") or target.startswith("//"):
        return None
    if UNSAFE_TARGET.search(target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    # A redirect is followed with a GET: a POST-only URL (a form's action) would answer 405.
    return target if answers_get(unquote(parts.path)) else None


def answers_get(path: str) -> bool:
    """Tell whether a route of the app answers a GET of `path` (a path under the app's root)."""
    root = request.script_root if has_request_context() else ""
    if root and path.startswith(root + "/"):
        path = path[len(root):]
    adapter = current_app.url_map.bind("", script_name=root or None)
    try:
        adapter.match(path, method="GET")
    except RequestRedirect:  # "/admin" -> "/admin/": the route answers at its own spelling
        return True
    except HTTPException:  # no such route (404) or not for a GET (405)
        return False
    return True


def local_referrer() -> str | None:
    """Return the page of this site the request came from (its Referer), when safe to go back to."""
    # Same host only (browsers send no other under the site's same-origin Referrer-Policy); the
    # scheme is not compared, as behind a proxy the app may see http for an https page.
    referrer = urlsplit(request.referrer or "")
    if not referrer.netloc or referrer.netloc != request.host:
        return None
    return local_target(referrer.path + (f"?{referrer.query}" if referrer.query else ""))


def invisible(char: str) -> bool:
    """Tell whether a character shows as nothing on its own."""
    return unicodedata.category(char) in INVISIBLE_CATEGORIES or char in BLANK_CHARACTERS


def visible_name(name: str) -> str:
    """Return a name in NFC without invisible characters at its ends; "" if nothing of it shows."""
    name = unicodedata.normalize("NFC", name)
    start, end = 0, len(name)
    # A combining mark at the start has no letter to sit on; at the end it belongs to the last one.
    while start < end and (invisible(name[start]) or unicodedata.category(name[start])[0] == "M"):
        start += 1
    while end > start and invisible(name[end - 1]):
        end -= 1
    return name[start:end]


def register_inputs(app: Flask) -> None:
    """Check every request's text before the views (and the CSRF check) read it."""
    app.before_request_funcs.setdefault(None, []).insert(0, check_text)
