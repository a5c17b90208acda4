"""Web security: headers and CSP (Talisman), rate limits (Flask-Limiter), cookies."""
from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, g

from .extensions import limiter, talisman

# Pages satisfy this policy: no inline script or style anywhere, everything from 'self'.
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

# Endpoint -> limit on its POSTs; shared between workers through the configured store.
RATE_LIMITS = {
    "auth.login": "10 per minute; 100 per hour",
    "auth.register": "5 per minute; 30 per hour",
    "auth.forgot_password": "5 per minute; 20 per hour",
    "auth.reset_password": "10 per minute",
    "auth.password": "10 per minute; 50 per hour",
    "priorart.submit": "20 per minute; 200 per hour",
    "community.vote": "60 per minute",
    "community.mark_claim": "60 per minute",
    "community.add_comment": "10 per minute; 100 per hour",
}

# Endpoint -> limit on its GETs and HEADs (Flask answers a HEAD by running the GET view in full):
# a search costs the server far more than a page, so a client (or a script) cannot occupy the
# workers with them.
SEARCH_RATE_LIMITS = {
    "searchpage.search_page": "30 per minute; 600 per hour",
    "searchpage.search_api": "30 per minute; 600 per hour",
    "searchpage.similar": "20 per minute; 300 per hour",
}

# Seconds a client is asked to wait after a 503: the database or the search index unavailable.
RETRY_AFTER_UNAVAILABLE = "5"

# The limiter sends its Retry-After on every answer of a limited view, raising a 503's own to
# the end of the limit's window; it writes it here instead, and `retry_after_only_when_limited`
# moves it to Retry-After on a 429 alone.
LIMITER_RETRY_AFTER = "X-RateLimit-Retry-After"


# Access logs print request lines and referrers: a reset link's token must not land there.
ACCESS_LOGGERS = ("werkzeug", "gunicorn.access")
RESET_TOKEN_IN_URL = re.compile(r"(/auth/reset/)[^\s?#\"'/]+")
REDACTED = r"\1[redacted]"


def redact(value: object) -> object:
    """Return `value` with any password reset token in a URL replaced; non-strings unchanged."""
    return RESET_TOKEN_IN_URL.sub(REDACTED, value) if isinstance(value, str) else value


class RedactResetTokens(logging.Filter):
    """Blank out reset tokens in a record's message and arguments (tuple or gunicorn's dict)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.msg)
        if isinstance(record.args, dict):
            for key, value in record.args.items():  # in place: gunicorn's atoms are a dict subclass
                record.args[key] = redact(value)
        elif isinstance(record.args, tuple):
            record.args = tuple(redact(arg) for arg in record.args)
        return True


_redact_reset_tokens = RedactResetTokens()


def no_store_private_pages(response: Response) -> Response:
    """Forbid caching a page made for a logged-in user or holding a CSRF token."""
    # Flask-Login keeps the loaded user in g, Flask-WTF the token it put in a form. (The
    # session's own `accessed` flag cannot tell: Flask 3.1 sets it on every read of `session`.)
    user = g.get("_login_user")
    if (user is not None and user.is_authenticated) or g.get("csrf_token") is not None:
        response.cache_control.no_store = True
    return response


def retry_after_only_when_limited(response: Response) -> Response:
    """Send the limiter's Retry-After on a 429 alone, leaving any other answer's own (a 503's)."""
    wait = response.headers.pop(LIMITER_RETRY_AFTER, None)
    if response.status_code == 429 and wait is not None:
        response.headers["Retry-After"] = wait
    return response


def register_security(app: Flask) -> None:
    """Set security headers, the CSP and the rate limits on `app`; keep reset tokens out of logs."""
    https = app.config.get("BASE_URL", "").startswith("https://")
    talisman.init_app(
        app,
        force_https=https,
        strict_transport_security=https,
        session_cookie_secure=https,
        session_cookie_http_only=True,
        session_cookie_samesite="Lax",
        content_security_policy=CONTENT_SECURITY_POLICY,
        frame_options="DENY",
        referrer_policy="same-origin",
    )
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    app.config.setdefault("RATELIMIT_ENABLED", not app.testing)
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    # Sites (or test servers) sharing one Redis database count their limits apart, as their
    # queues are kept apart by QUEUE_NAME.
    app.config.setdefault("RATELIMIT_KEY_PREFIX", app.config.get("QUEUE_NAME") or "")
    app.config["RATELIMIT_HEADER_RETRY_AFTER"] = LIMITER_RETRY_AFTER
    # After-request hooks run last registered first: this one runs after the limiter's.
    app.after_request(retry_after_only_when_limited)
    limiter.init_app(app)
    app.after_request(no_store_private_pages)
    for name in ACCESS_LOGGERS:
        logging.getLogger(name).addFilter(_redact_reset_tokens)  # once: addFilter skips repeats
    for endpoint, rule in app.config.get("RATE_LIMITS", RATE_LIMITS).items():
        _rate_limit(app, endpoint, rule, ("POST",))
    for endpoint, rule in app.config.get("SEARCH_RATE_LIMITS", SEARCH_RATE_LIMITS).items():
        _rate_limit(app, endpoint, rule, ("GET", "HEAD"))


def _rate_limit(app: Flask, endpoint: str, rule: str, methods: tuple[str, ...]) -> None:
    """Limit some methods of an app's view, counted together, when the app has that view."""
    # A plain callable: mypy cannot carry Flask's union of sync and async view types through
    # the limiter's Callable[P, R] decorator, which keeps either kind as it is.
    view: Callable[..., Any] | None = app.view_functions.get(endpoint)
    if view is not None:
        app.view_functions[endpoint] = limiter.limit(rule, methods=list(methods))(view)
