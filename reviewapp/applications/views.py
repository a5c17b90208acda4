"""Browse and read applications."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request

from ..extensions import db
from .services import applications_query, claim_tree, get_application

bp = Blueprint("applications", __name__)


@bp.route("/")
def index():
    """List applications, open ones first by closing date."""
    status = request.args.get("status", "open")
    cpc = request.args.get("cpc", "").strip() or None
    stmt = applications_query(status=status or None, cpc=cpc, sort=request.args.get("sort", "closing"))
    page = db.paginate(stmt, per_page=current_app.config["ITEMS_PER_PAGE"], error_out=False)
    return render_template("applications/index.html", page=page, status=status, cpc=cpc or "")


@bp.route("/applications/<number>")
def detail(number: str):
    """Show one application with its claims as a tree."""
    application = get_application(db.session, number)
    if application is None:
        abort(404)
    tree = claim_tree(application.document.claims)
    return render_template("applications/detail.html", application=application, tree=tree)
