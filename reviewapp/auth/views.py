"""Login and logout."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import db
from .forms import LoginForm
from .services import authenticate

bp = Blueprint("auth", __name__, url_prefix="/auth")


def safe_next(target: str | None) -> str:
    """Return `target` when it is a local path, else the home page."""
    if target and target.startswith("/") and not urlsplit(target).netloc and not target.startswith("//"):
        return target
    return url_for("applications.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log a user in."""
    if current_user.is_authenticated:
        return redirect(url_for("applications.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(db.session, form.email.data, form.password.data)
        if user is not None:
            login_user(user, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next")))
        form.password.errors.append("Wrong email or password.")
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Log the user out."""
    logout_user()
    flash("You are logged out.", "info")
    return redirect(url_for("applications.index"))
