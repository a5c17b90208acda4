"""Web security: headers and CSP (Talisman), rate limits (Flask-Limiter), cookies."""
from __future__ import annotations

from flask import Flask

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
    "priorart.submit": "20 per minute; 200 per hour",
    "community.vote": "60 per minute",
    "community.mark_claim": "60 per minute",
    "community.add_comment": "10 per minute; 100 per hour",
}


def register_security(app: Flask) -> None:
    """Set security headers, the CSP and the rate limits on `app`."""
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
    limiter.init_app(app)
    for endpoint, rule in app.config.get("RATE_LIMITS", RATE_LIMITS).items():
        view = app.view_functions.get(endpoint)
        if view is not None:
            app.view_functions[endpoint] = limiter.limit(rule, methods=["POST"])(view)
