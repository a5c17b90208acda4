"""The examiner's pages: the queue, the ranked review with verdicts, the forwarded report."""
from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from ..applications.services import active_submission_counts
from ..auth.decorators import role_required
from ..extensions import db
from ..loaders import application_or_404, submission_or_404
from ..models import Application, MachineLead, Submission
from ..models.feedback import VERDICTS
from ..models.user import EXAMINER
from ..ranking.model_store import describe_model
from .forms import FeedbackForm, QueueForm
from .forwarding import ReportError, can_read_report, freeze_closed_report, report_view
from .pdf import fallback_fonts, find_font, report_pdf
from .queue import frozen_report_ids, queue_query, verdict_counts
from .review import ReviewItem, ranked_position, ranked_query, review_page
from .verdicts import FeedbackError, record_feedback

bp = Blueprint("examiner", __name__, url_prefix="/examiner")


def site_name() -> str:
    """Return the name the report is compiled by."""
    return current_app.config.get("SITE_NAME", "Open Prior Art")


@bp.route("/")
@role_required(EXAMINER)
def queue():
    """List applications under review or closed, filtered by class, window and submissions."""
    form = QueueForm(request.args)
    form.validate()
    page = db.paginate(queue_query(**form.filters()), per_page=current_app.config["ITEMS_PER_PAGE"],
                       error_out=False)
    ids = [application.id for application in page.items]
    return render_template("examiner/queue.html", form=form, page=page, args=form.args(),
                           counts=active_submission_counts(db.session, ids),
                           verdicts=verdict_counts(db.session, ids),
                           frozen=frozen_report_ids(db.session, ids))


@bp.route("/applications/<number>")
@role_required(EXAMINER)
def application(number: str):
    """Show the submissions by stored rank, the forwarded top, the claim chart and the charts."""
    application = application_or_404(number)
    page = db.paginate(ranked_query(application), per_page=current_app.config["ITEMS_PER_PAGE"],
                       error_out=False)
    machine = MachineLead.ranked_for(db.session, application.id)  # stored by the rescoring job
    review = review_page(db.session, application, page.items, examiner=current_user,
                         offset=(page.page - 1) * page.per_page,
                         top_n=current_app.config["FORWARDED_TOP_N"])
    return render_template("examiner/application.html", review=review, page=page,
                           application=application, verdict_labels=VERDICTS,
                           forms=feedback_forms(review.items),
                           column_urls=chart_column_urls(review.chart.columns, application, page.page),
                           machine=machine,
                           machine_model=machine[0].model_version if machine else None)


def feedback_forms(items: list[ReviewItem]) -> dict[int, FeedbackForm]:
    """Return each item's verdict form, filled with the current examiner's verdict if any."""
    return {
        item.submission.id: FeedbackForm.for_submission(
            item.submission.id, formdata=None,
            data={"verdict": item.mine.verdict, "note": item.mine.note} if item.mine else None)
        for item in items
    }


@bp.route("/submissions/<int:submission_id>/feedback", methods=["GET", "POST"])
@role_required(EXAMINER)
def feedback(submission_id: int):
    """Record a verdict on a submission: used in a rejection, relevant, known, not relevant."""
    submission = submission_or_404(submission_id)
    form = FeedbackForm.for_submission(submission.id)
    if form.validate_on_submit():
        try:
            record_feedback(db.session, submission, current_user, form.verdict.data, form.note.data)
        except FeedbackError as error:
            (form[error.field].errors if error.field else form.form_errors).append(error.message)
        else:
            name = submission.identifier_raw or submission.identifier
            flash(f"Verdict saved on {name}.", "success")
            return redirect(item_url(submission))
    return render_template("examiner/feedback.html", form=form, submission=submission)


def item_url(submission: Submission) -> str:
    """Return the address of a submission on the ranked review's page that shows it."""
    application = submission.application
    position = ranked_position(db.session, application, submission.id)
    return ranked_url(application, submission.id, ranked_page(position))


def ranked_page(position: int | None) -> int | None:
    """Return the page of the ranked review that shows the item at `position` (1 first)."""
    return (position - 1) // current_app.config["ITEMS_PER_PAGE"] + 1 if position else None


def ranked_url(application: Application, submission_id: int, page: int | None) -> str:
    """Return the address of an item on the given page of the ranked review."""
    return url_for(".application", number=application.number, page=page if page != 1 else None,
                   _anchor=f"submission-{submission_id}")


def chart_column_urls(columns: list[Submission], application: Application,
                      current: int) -> dict[int, str]:
    """Return each claim-chart column's link, by submission id: the page that shows its item.

    The columns are the top of the ranking, which may run past the page shown (every page
    but the first, or a forwarded top longer than a page).
    """
    urls = {}
    for position, submission in enumerate(columns, start=1):  # the columns are in rank order
        page = ranked_page(position)
        urls[submission.id] = (f"#submission-{submission.id}" if page == current
                               else ranked_url(application, submission.id, page))
    return urls


@bp.route("/applications/<number>/freeze", methods=["POST"])
@role_required(EXAMINER)
def freeze(number: str):
    """Freeze the report of a closed review that has none yet."""
    application = application_or_404(number)
    try:
        freeze_closed_report(db.session, application)
        flash("The report is frozen: later votes and edits no longer change it.", "success")
    except ReportError as error:
        flash(str(error), "error")
    return redirect(url_for(".report", number=application.number))


def readable_report(number: str):
    """Return the report of an application when the current user may read it; 403 otherwise."""
    application = application_or_404(number)
    report = report_view(db.session, application, current_user)
    if not can_read_report(current_user, application, report):
        abort(403, description="The report is published when the review window closes.")
    return report


@bp.route("/applications/<number>/report")
@login_required
def report(number: str):
    """Show the forwarded report, printable, laid out like a preissuance submission."""
    return render_template("examiner/report.html", report=readable_report(number), site=site_name())


@bp.route("/applications/<number>/report.pdf")
@login_required
def report_pdf_view(number: str):
    """Return the forwarded report as a PDF."""
    report = readable_report(number)
    stamp = f"Frozen {report.frozen_at:%Y-%m-%d %H:%M} UTC" if report.frozen else "Preview"
    body = report_pdf(number=report.application.number, title=report.application.title,
                      site=site_name(), sections=report.sections, frozen_at=stamp,
                      model_version="; ".join(describe_model(v) for v in
                                              report.model_version.split(", ") if v),
                      font_path=find_font(current_app.config.get("PDF_FONT")),
                      fallback_paths=fallback_fonts(current_app.config.get("PDF_FALLBACK_FONTS")),
                      html_url=url_for(".report", number=report.application.number, _external=True))
    return Response(body, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{report.application.number}-preissuance.pdf"'})
