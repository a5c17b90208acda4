"""A confirmation step before destructive actions: a page with the form, no script needed."""
from __future__ import annotations

from flask import render_template, request

CONFIRMED = "yes"


def confirmed() -> bool:
    """Tell whether this request is a POST whose `confirm` field says yes."""
    return request.method == "POST" and request.form.get("confirm") == CONFIRMED


def confirm_page(*, title: str, message: str, button: str, cancel_url: str,
                 keep: dict[str, str] | None = None, reason: str | None = None):
    """Render the confirmation of the current URL's action; posting it again with confirm=yes acts.

    `keep` holds fields posted back as they are; `reason`, when not None, is an editable reason.
    """
    action = request.full_path if request.query_string else request.path
    return render_template("confirm.html", title=title, message=message, button=button,
                           cancel_url=cancel_url, action=action, keep=keep or {}, reason=reason)
