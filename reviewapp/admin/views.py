"""Administration: accounts and roles, review windows, the audit log."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..applications.services import WindowError
from ..auth.decorators import role_required
from ..auth.services import AccountError, ban_user, unban_user
from ..confirm import confirm_page, confirmed
from ..extensions import db
from ..inputs import page_number
from ..models import Application, User
from ..models.application import STATUSES
from ..models.user import ADMIN, ROLES
from .forms import BanForm, OpenWindowForm, RoleForm
from .services import (
    admin_applications_query,
    audit_actions,
    audit_labels,
    audit_query,
    change_role,
    close_review,
    dashboard_counts,
    open_review,
    users_query,
    window_statuses,
)

bp = Blueprint("admin", __name__, url_prefix="/admin")
ROLE_POWERS = {
    "volunteer": "can submit, vote and discuss, and nothing more",
    "examiner": "see the ranked review, judge submissions, export data and use the API",
    "admin": "manage accounts, roles, bans, review windows and moderation",
}
# The pages that show the administration's navigation with its counts.
ADMIN_PAGES = {"admin", "ranking", "imports"}


@bp.app_context_processor
def admin_navigation() -> dict:
    """Give the administration's pages (and the moderation queue) the navigation's counts."""
    on_admin_page = request.blueprint in ADMIN_PAGES or request.endpoint == "community.moderation"
    if on_admin_page and current_user.is_authenticated and current_user.is_admin:
        return {"admin_counts": dashboard_counts(db.session)}
    return {}


@bp.before_request
@role_required(ADMIN)
def require_admin() -> None:
    """Keep every page here for administrators: 403 for others, anonymous users log in first."""


def per_page() -> int:
    """Return the configured list length."""
    return current_app.config["ITEMS_PER_PAGE"]


def list_page() -> int | None:
    """Return the list page the request names, bounded; None when it names none."""
    return page_number() if "page" in request.args else None


def users_url() -> str:
    """Return the users list as it was (search and page)."""
    return url_for("admin.users", q=request.args.get("q") or None, page=list_page())


def applications_url() -> str:
    """Return the applications list as it was (status filter, search and page)."""
    return url_for("admin.applications", status=request.args.get("status") or None,
                   q=request.args.get("q") or None, page=list_page())


def back_to_users():
    """Redirect to the users list as it was, after a POST."""
    return redirect(users_url())


def back_to_applications():
    """Redirect to the applications list as it was, after a POST."""
    return redirect(applications_url())


@bp.route("/")
def index():
    """Show the dashboard (its counts come with the navigation's)."""
    return render_template("admin/index.html")


@bp.route("/users")
def users():
    """List accounts, searchable by email or display name."""
    q = request.args.get("q", "").strip()
    page = db.paginate(users_query(q), per_page=per_page(), error_out=False)
    return render_template("admin/users.html", page=page, q=q, roles=ROLES)


@bp.route("/users/<int:user_id>/role", methods=["POST"])
def user_role(user_id: int):
    """Give an account another role."""
    user = db.get_or_404(User, user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        flash("Choose one of the roles: " + ", ".join(ROLES) + ".", "error")
        return back_to_users()
    if not confirmed():
        return confirm_page(
            title=f"Make {user.display_name} {form.role.data}?",
            message=f"{user.email} is {user.role} now; as {form.role.data} they "
                    f"{ROLE_POWERS.get(form.role.data, 'get other rights')}.",
            button=f"Make them {form.role.data}", cancel_url=users_url(), keep={"role": form.role.data})
    try:
        change_role(db.session, current_user, user, form.role.data)
    except AccountError as error:
        flash(f"{user.email}: {error}", "error")
    else:
        flash(f"{user.email} is now {form.role.data}.", "success")
    return back_to_users()


@bp.route("/users/<int:user_id>/ban", methods=["GET", "POST"])
def user_ban(user_id: int):
    """Ban an account, once confirmed."""
    user = db.get_or_404(User, user_id)
    form = BanForm()
    if request.method == "POST" and not form.validate_on_submit():
        flash("Keep the reason under 200 characters.", "error")
        return back_to_users()
    if not confirmed():
        return confirm_page(
            title=f"Ban {user.display_name}?",
            message=f"{user.email} is logged out at their next request and cannot log in until unbanned.",
            button="Ban this account", cancel_url=users_url(), reason=form.reason.data or "")
    try:
        ban_user(db.session, current_user, user, form.reason.data or "")
    except AccountError as error:
        flash(f"{user.email}: {error}", "error")
    else:
        flash(f"{user.email} is banned.", "success")
    return back_to_users()


@bp.route("/users/<int:user_id>/unban", methods=["POST"])
def user_unban(user_id: int):
    """Lift a ban."""
    user = db.get_or_404(User, user_id)
    try:
        unban_user(db.session, current_user, user)
    except AccountError as error:
        flash(f"{user.email}: {error}", "error")
    else:
        flash(f"{user.email} may log in again.", "success")
    return back_to_users()


@bp.route("/applications")
def applications():
    """List applications by status or publication number, with their review windows."""
    status, q = request.args.get("status", ""), request.args.get("q", "").strip()
    page = db.paginate(admin_applications_query(status, q), per_page=per_page(), error_out=False)
    return render_template("admin/applications.html", page=page, status=status, statuses=STATUSES, q=q,
                           window_statuses=window_statuses(page.items))


@bp.route("/applications/<int:application_id>")
def application(application_id: int):
    """Show one application's review window with the forms to open or close it."""
    application = db.get_or_404(Application, application_id)
    form = OpenWindowForm(days=current_app.config["REVIEW_WINDOW_DAYS"])
    return render_template("admin/application.html", application=application, form=form,
                           window_status=application.window_status())


@bp.route("/applications/<int:application_id>/open", methods=["POST"])
def application_open(application_id: int):
    """Open (or reopen) a review window."""
    application = db.get_or_404(Application, application_id)
    form = OpenWindowForm()
    if form.validate_on_submit():
        try:
            open_review(db.session, current_user, application, form.days.data)
        except WindowError as error:  # the window, not the days: the form checked those
            flash(f"{application.number}: {error}", "error")
        else:
            flash(f"The review of {application.number} is open for {form.days.data} days.",
                  "success")
        return back_to_applications()
    return render_template("admin/application.html", application=application, form=form,
                           window_status=application.window_status())


@bp.route("/applications/<int:application_id>/close", methods=["GET", "POST"])
def application_close(application_id: int):
    """Close a review window now, once confirmed."""
    application = db.get_or_404(Application, application_id)
    if not confirmed():
        return confirm_page(
            title=f"Close the review of {application.number} now?",
            message="Volunteers can no longer submit prior art, and the top submissions are frozen as "
                    "the report forwarded to the examiner.",
            button="Close the review window", cancel_url=applications_url())
    try:
        close_review(db.session, current_user, application)
    except WindowError as error:
        flash(f"{application.number}: {error}", "error")
    else:
        flash(f"The review of {application.number} is closed.", "success")
    return back_to_applications()


@bp.route("/audit")
def audit():
    """List the audit log, newest first."""
    action = request.args.get("action", "")
    page = db.paginate(audit_query(action), per_page=per_page(), error_out=False)
    return render_template("admin/audit.html", page=page, action=action,
                           actions=audit_actions(db.session),
                           labels=audit_labels(db.session, page.items))
