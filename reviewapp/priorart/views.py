"""Prior-art submissions: submit, read, edit, withdraw."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from ..community.votes import submission_controls
from ..confirm import confirm_page, confirmed
from ..extensions import db
from ..loaders import application_or_404, submission_or_404
from ..models import Submission, SubmissionRevision
from ..models.submission import MAX_EXPLANATION
from .checks import SubmissionError, earliest_priority, submission_problems
from .conflicts import needs_conflict_declaration
from .editing import edit_submission, withdraw_submission
from .forms import EditSubmissionForm, SubmitPriorArtForm
from .queries import revisions_query
from .submitting import submit_prior_art

bp = Blueprint("priorart", __name__)


def show_error(form: FlaskForm, error: SubmissionError) -> None:
    """Put a refusal next to the field it concerns, else above the form."""
    if error.field and error.field in form:
        form[error.field].errors.append(error.message)
    else:
        form.form_errors.append(error.message)


def own_submission_or_abort(submission_id: int) -> Submission:
    """Return the submission when the current user may change it; 404 or 403 otherwise."""
    submission = submission_or_404(submission_id)
    refusal = submission.edit_refusal(current_user)
    if refusal:
        abort(403, description=refusal)
    return submission


@dataclass
class HistoryEntry:
    """An earlier version as the history shows it: the revision, its content, its safe link."""

    revision: SubmissionRevision
    content: dict[str, Any]
    link: str | None  # the URL, only when a browser may follow it (http or https)


def history_entries(revisions: list[SubmissionRevision]) -> list[HistoryEntry]:
    """Return the history rows of `revisions`, with the document each version was about."""
    entries = []
    for revision in revisions:
        content = dict(revision.data or {})
        url = content.get("url") or ""
        # As on the rest of the page: any other scheme (javascript:, data:) stays plain text.
        link = url if url.lower().startswith(("http://", "https://")) else None
        entries.append(HistoryEntry(revision, content, link))
    return entries


@bp.route("/applications/<number>/submit", methods=["GET", "POST"])
@login_required
def submit(number: str):
    """Put a prior-art document forward on an application."""
    application = application_or_404(number)
    first = needs_conflict_declaration(db.session, application, current_user)
    # A lead's "confirm as prior art" link names the document: start the form from it.
    lead = {k: request.args[k] for k in ("kind", "identifier") if request.args.get(k)}
    form = SubmitPriorArtForm(claims=application.document.claims, needs_conflict=first,
                              data=lead or None)
    if form.is_submitted():
        valid = form.validate()
        # Every refusal at once: the identifier and date checks run beside the form's own.
        problems = [p for p in submission_problems(application, form.to_data())
                    if not (p.field in form and form[p.field].errors)]
        for problem in problems:
            show_error(form, problem)
        if valid and not problems:
            try:
                outcome = submit_prior_art(db.session, application, current_user, form.to_data())
            except SubmissionError as error:
                show_error(form, error)
            else:
                flash(outcome.message, "success")
                return redirect(url_for("priorart.detail", submission_id=outcome.submission.id))
    elif refusal := application.submit_refusal(current_user):
        flash(refusal, "error")
        return redirect(url_for("applications.detail", number=application.number))
    return render_template("priorart/submit.html", form=form, application=application,
                           priority=earliest_priority(application), max_explanation=MAX_EXPLANATION)


@bp.route("/submissions/<int:submission_id>")
def detail(submission_id: int):
    """Show a submission, its endorsements and its history."""
    submission = submission_or_404(submission_id)
    history = db.paginate(revisions_query(submission), per_page=current_app.config["ITEMS_PER_PAGE"],
                          error_out=False)
    return render_template("priorart/detail.html", submission=submission, history=history,
                           history_entries=history_entries(history.items),
                           community_controls=submission_controls(db.session, [submission],
                                                                  current_user))


@bp.route("/submissions/<int:submission_id>/edit", methods=["GET", "POST"])
@login_required
def edit(submission_id: int):
    """Change one's own submission while the window is open."""
    submission = own_submission_or_abort(submission_id)
    form = EditSubmissionForm.for_submission(submission)
    if form.validate_on_submit():
        try:
            changed = edit_submission(db.session, submission, current_user, form.to_details())
        except SubmissionError as error:
            show_error(form, error)
        else:
            flash("Your submission was updated." if changed else "Nothing changed.", "success")
            return redirect(url_for("priorart.detail", submission_id=submission.id))
    return render_template("priorart/edit.html", form=form, submission=submission,
                           priority=earliest_priority(submission.application),
                           max_explanation=MAX_EXPLANATION)


@bp.route("/submissions/<int:submission_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw(submission_id: int):
    """Withdraw one's own submission while the window is open, once confirmed."""
    submission = own_submission_or_abort(submission_id)
    if not confirmed():
        return confirm_page(
            title="Withdraw this submission?",
            message=f"{submission.identifier_raw or submission.identifier} will no longer be put before "
                    f"the examiner of {submission.application.number}.",
            button="Withdraw it", cancel_url=url_for("priorart.detail", submission_id=submission.id))
    try:
        successor = withdraw_submission(db.session, submission, current_user)
    except SubmissionError as error:
        # Read again under the lock: a double click's second request finds it withdrawn or handed over.
        flash(error.message, "error")
        return redirect(url_for("priorart.detail", submission_id=submission.id))
    if successor is None:
        flash("Your submission was withdrawn; its history is kept.", "success")
    else:
        flash(f"You withdrew. {successor.display_name}, who endorsed this document, now puts it "
              "forward; the endorsements, votes and history stay with it.", "success")
    return redirect(url_for("priorart.detail", submission_id=submission.id))
