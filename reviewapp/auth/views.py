"""Accounts: register, log in and out, reset a forgotten password, edit the profile."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_url, login_user, logout_user
from flask_login.config import COOKIE_NAME
from flask_login.utils import decode_cookie
from flask_wtf import FlaskForm

from ..extensions import db, login_manager
from ..inputs import local_referrer, local_target
from ..models.user import EXAMINER
from .forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    ProfileForm,
    RegisterForm,
    ResetPasswordForm,
)
from .services import (
    LOGIN_REFUSED,
    AccountError,
    authenticate,
    change_password,
    end_sessions,
    register_user,
    request_password_reset,
    reset_password,
    update_profile,
    user_for_reset_token,
)

bp = Blueprint("auth", __name__, url_prefix="/auth")
# Addresses people type: /login and /register lead to the account pages.
shortcuts_bp = Blueprint("shortcuts", __name__)
def forwarded_args() -> dict[str, Any]:
    """Return the query argument the account pages read (next), to pass on."""
    # Only that one: any other key would reach url_for as a keyword (`?_external=1` would
    # build the URL on the request's Host, `?endpoint=x` clash with url_for's own argument).
    return {"next": request.args["next"]} if "next" in request.args else {}


@shortcuts_bp.route("/login")
def login_shortcut():
    """Send /login to the login page, keeping its query (next)."""
    return redirect(url_for("auth.login", **forwarded_args()))


@shortcuts_bp.route("/register")
def register_shortcut():
    """Send /register to the registration page."""
    return redirect(url_for("auth.register", **forwarded_args()))

RESET_SENT = ("If an account exists for that email, we have sent it a link to choose a new "
              "password. The link works once, within an hour.")


def safe_next(target: str | None) -> str:
    """Return `target` when it is a safe local path, else the home page."""
    return local_target(target) or url_for("applications.index")


def send_to_login():
    """Send a visitor who must log in to the login page, to come back to a page they can GET."""
    if login_manager.login_message:
        flash(login_manager.login_message, login_manager.login_message_category)
    # A form posted from a page whose session ended meanwhile (logged out on another device)
    # returns to that page: its action URL answers POSTs only, and a redirect is a GET.
    target = request.url if request.method in ("GET", "HEAD") else local_referrer()
    return redirect(login_url(login_manager.login_view, target))


def remembered(user) -> bool:
    """Tell whether this browser holds a valid "keep me logged in" cookie of `user`."""
    cookie = request.cookies.get(current_app.config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME))
    user_id = decode_cookie(cookie) if cookie else None
    # "<session token>.<login nonce>" (User.get_id): a cookie of an ended session is no longer one.
    return user_id is not None and user_id.partition(".")[0] == user.session_token


def home_for(user) -> str:
    """Return where a user lands after logging in: examiners on their queue, others at home."""
    if user.role == EXAMINER and "examiner.queue" in current_app.view_functions:
        return url_for("examiner.queue")
    return url_for("applications.index")


def external_url(endpoint: str, **values: Any) -> str:
    """Return an absolute URL for a mail: on BASE_URL, never on the request's Host header."""
    base = current_app.config.get("BASE_URL")
    if base:
        return base.rstrip("/") + url_for(endpoint, **values)
    # Development and tests only (production requires BASE_URL), and TRUSTED_HOSTS has
    # already refused any Host but this machine's names.
    return url_for(endpoint, _external=True, **values)


def show_error(form: FlaskForm, error: AccountError) -> None:
    """Put a refused operation's message next to its field, or flash it."""
    if error.field and error.field in form:
        form[error.field].errors.append(str(error))
    else:
        flash(str(error), "error")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log a user in."""
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = authenticate(db.session, form.email.data, form.password.data)
        except AccountError as error:  # banned, right password
            form.email.errors.append(str(error))
        else:
            if user is not None:
                login_user(user, remember=form.remember.data)
                target = request.args.get("next")
                return redirect(safe_next(target) if target else home_for(user))
            form.password.errors.append(LOGIN_REFUSED)
    # Always 200: the request then commits, keeping the failure count that the backoff needs.
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Log the user out: every session and remember cookie of the account ends, on every device."""
    end_sessions(db.session, current_user._get_current_object())
    logout_user()
    flash("You are logged out.", "info")
    return redirect(url_for("applications.index"))


@bp.route("/register", methods=["GET", "POST"])
def register():
    """Create an account and log into it."""
    if current_user.is_authenticated:
        return redirect(url_for("applications.index"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = register_user(db.session, email=form.email.data,
                                 display_name=form.display_name.data, password=form.password.data)
        except AccountError as error:
            show_error(form, error)
        else:
            login_user(user)
            # "Newbie N." gets no second full stop.
            stop = "" if user.display_name.endswith(".") else "."
            flash(f"Welcome, {user.display_name}{stop} Your account is ready.", "success")
            return redirect(safe_next(request.args.get("next")))
    return render_template("auth/register.html", form=form)


@bp.route("/forgot", methods=["GET", "POST"])
def forgot_password():
    """Send a password reset link, saying the same whether or not the account exists."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        request_password_reset(db.session, form.email.data,
                               lambda token: external_url("auth.reset_password", token=token))
        flash(RESET_SENT, "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"], endpoint="reset_password")
def reset_password_view(token: str):
    """Choose a new password from a reset link."""
    try:
        user_for_reset_token(db.session, token)
    except AccountError as error:
        flash(str(error), "error")
        return redirect(url_for("auth.forgot_password"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            reset_password(db.session, token, form.password.data)
        except AccountError as error:  # the link was used meanwhile, in another tab
            flash(str(error), "error")
            return redirect(url_for("auth.forgot_password"))
        flash("Your password is changed. Log in with it.", "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form)


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    """Show and edit one's own profile."""
    user = current_user
    form = ProfileForm(display_name=user.display_name, affiliation=user.affiliation,
                       expertise=", ".join(user.expertise or []), bio=user.bio,
                       mail_notifications=user.mails_notifications)
    if form.validate_on_submit():
        try:
            update_profile(db.session, current_user, display_name=form.display_name.data,
                           affiliation=form.affiliation.data or "",
                           expertise=form.expertise.data or "", bio=form.bio.data or "",
                           mail_notifications=form.mail_notifications.data)
        except AccountError as error:
            show_error(form, error)
        else:
            flash("Your profile is saved.", "success")
            return redirect(url_for("auth.profile"))
    return render_template("auth/profile.html", form=form)


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password():
    """Change one's password."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        remember = remembered(user)  # before the change replaces the session token
        try:
            change_password(db.session, user, form.current_password.data, form.password.data)
        except AccountError as error:
            show_error(form, error)
        else:
            # The other sessions ended with the old password; this one goes on, remembered or not.
            login_user(user, remember=remember)
            flash("Your password is changed.", "success")
            return redirect(url_for("auth.profile"))
    return render_template("auth/password.html", form=form)
