"""Browse and read applications; watch them."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..community.discussion import application_panel
from ..community.votes import submission_controls
from ..extensions import db
from ..loaders import application_or_404
from ..models import MachineLead
from .forms import BrowseForm
from .services import (
    ALL,
    EXPERTISE,
    VIEWS,
    browse_query,
    claim_counts,
    claim_tree,
    countdown,
    has_expertise,
    is_watching,
    list_facts,
    site_numbers,
    submissions_query,
    unwatch_application,
    watch_application,
)

bp = Blueprint("applications", __name__)
EXPERTISE_PREVIEW = 5


@bp.route("/")
def index():
    """List applications: open ones by closing date, or a named view; filtered by class and tag."""
    form = BrowseForm(request.args)
    form.validate()
    filters = form.filters()
    page = db.paginate(browse_query(**filters, user=current_user),
                       per_page=current_app.config["ITEMS_PER_PAGE"], error_out=False)
    matching = None
    if filters["view"] == ALL and has_expertise(current_user):
        matching = db.paginate(browse_query(EXPERTISE, user=current_user), page=1, per_page=EXPERTISE_PREVIEW)
    facts = list_facts(db.session, page.items + (matching.items if matching else []))
    # First-time visitors (anonymous, on the plain home page) get what the site is and how to help.
    landing = not current_user.is_authenticated and not request.args
    return render_template("applications/index.html", form=form, page=page, matching=matching, facts=facts,
                           views=VIEWS, view=filters["view"], args=form.args(),
                           expertise=has_expertise(current_user),
                           numbers=site_numbers(db.session) if landing else None,
                           top_n=current_app.config["FORWARDED_TOP_N"],
                           window_days=current_app.config["REVIEW_WINDOW_DAYS"])


@bp.route("/applications/<number>")
def detail(number: str):
    """Show one application: its text, claims as a tree, window, submissions and discussion."""
    application = application_or_404(number)
    submissions = db.paginate(submissions_query(application), per_page=current_app.config["ITEMS_PER_PAGE"],
                              error_out=False)
    panel = application_panel(db.session, application, current_user)
    controls = submission_controls(db.session, submissions.items, current_user)
    # The panel and the controls already hold the tags and the vote counts: no second query.
    votes = {sid: c.up - c.down for sid, c in controls.items() if c.up != c.down}
    return render_template(
        "applications/detail.html", application=application, tree=claim_tree(application.document.claims, claim_counts(db.session, application)),
        submissions=submissions, votes=votes,
        countdown=countdown(application), watching=is_watching(db.session, application, current_user),
        tags=panel.tags, community_panel=panel, community_controls=controls,
        # Stored by the rescoring job, never searched here; shown to signed-in reviewers of
        # open applications.
        leads=MachineLead.ranked_for(db.session, application.id)
        if application.is_open() and current_user.is_authenticated else [],
    )


@bp.route("/applications/<number>/watch", methods=["POST"])
@login_required
def watch(number: str):
    """Follow an application."""
    application = application_or_404(number)
    watch_application(db.session, application, current_user)
    flash("You are watching this application.", "success")
    return redirect(url_for("applications.detail", number=application.number))


@bp.route("/applications/<number>/unwatch", methods=["POST"])
@login_required
def unwatch(number: str):
    """Stop following an application."""
    application = application_or_404(number)
    unwatch_application(db.session, application, current_user)
    flash("You are no longer watching this application.", "success")
    return redirect(url_for("applications.detail", number=application.number))
