"""Bulk CSV downloads for examiners and administrators."""
from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request, stream_with_context
from flask_login import current_user

from ..auth.decorators import role_required
from ..extensions import db
from ..models.base import utcnow
from ..models.user import EXAMINER
from .csvstream import FORMULA_TRIGGER_LIST, INVISIBLE_TRIGGER_NAMES, csv_chunks
from .services import KINDS, ExportError, ExportFilters, iter_export, parse_cpc, parse_since

bp = Blueprint("export", __name__, url_prefix="/export")


def filters_from(args) -> ExportFilters:
    """Return the `since` and `cpc` filters of a request; ExportError when malformed."""
    return ExportFilters(since=parse_since(args.get("since")), cpc=parse_cpc(args.get("cpc")))


@bp.get("/")
@role_required(EXAMINER)
def index():
    """Offer the four CSV files, with the date and class filters."""
    since, cpc = request.args.get("since", "").strip(), request.args.get("cpc", "").strip()
    try:
        filters_from(request.args)
        error = None
    except ExportError as exc:
        error = str(exc)
    return render_template("export/index.html", kinds=KINDS, since=since, cpc=cpc, error=error,
                           triggers=FORMULA_TRIGGER_LIST, invisible=INVISIBLE_TRIGGER_NAMES)


@bp.get("/<kind>.csv")
@role_required(EXAMINER)
def download(kind: str):
    """Stream one CSV file, row batch by row batch, never whole in memory."""
    if kind not in KINDS:
        abort(404, description=f"There is no {kind!r} export; choose one of {', '.join(KINDS)}.")
    try:
        # As the account asking may read it: a hidden submission's text is for moderators.
        header, rows = iter_export(db.session, kind, filters_from(request.args), current_user)
    except ExportError as error:
        abort(400, description=str(error))
    chunks = csv_chunks(header, rows, bom=request.args.get("bom") == "1")
    response = Response(stream_with_context(chunks), mimetype="text/csv")
    filename = f"{kind}-{utcnow():%Y-%m-%d}.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"  # examiner data: keep it out of caches
    return response
