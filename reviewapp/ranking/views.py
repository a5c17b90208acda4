"""The ranker's admin page: what serves, how it was trained, and a button to retrain."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from ..audit import record_action
from ..auth.decorators import role_required
from ..extensions import db
from ..models.user import ADMIN
from .forms import RetrainForm
from .model_store import describe_model
from .status import ranker_status
from .training import start_training

bp = Blueprint("ranking", __name__)


@bp.app_template_filter("model_card")
def model_card_filter(version: str | None) -> str:
    """Format a stored score's model version as its name, training data and date."""
    return describe_model(version)


@bp.before_request
@role_required(ADMIN)
def require_admin() -> None:
    """Keep the ranker's pages for administrators: 403 for others, anonymous users log in."""


@bp.get("/admin/ranker")
def admin():
    """Show the serving model, its metadata and cross-validated metrics."""
    return render_template("ranking/admin.html", status=ranker_status(db.session),
                           form=RetrainForm())


@bp.post("/admin/ranker/retrain")
def retrain():
    """Queue a training run; the page never waits for it."""
    if not RetrainForm().validate_on_submit():
        flash("The form expired: reload the page and try again.", "error")
    else:
        record_action(db.session, current_user, "retrain", "ranker", 0)
        start_training()
        flash("Retraining started. Scores are replaced application by application once the "
              "new model is saved.", "success")
    return redirect(url_for("ranking.admin"))
