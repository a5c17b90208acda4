"""The admin page of imports: start one (upload or server folder), watch it, read the history."""
from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from ..auth.decorators import role_required
from ..extensions import db
from ..models import ImportRun
from ..models.user import ADMIN, is_moderator
from .forms import CancelImportForm, FolderImportForm, UploadImportForm
from .runs import (
    Folder,
    ImportRequestError,
    cancel_import,
    import_folder,
    import_folder_file,
    import_upload,
    runs_query,
    scan_folder,
    upload_limit,
)

bp = Blueprint("imports", __name__, url_prefix="/admin/imports")


@bp.before_request
@role_required(ADMIN)
def require_admin() -> None:
    """Keep every page here for administrators."""


def allow_upload_size() -> None:
    """Let the upload endpoint take files up to the import limit (others keep the site's 1 MB).

    Runs before CSRF protection reads the form, so the limit applies from the first byte; only
    for an administrator, so nobody else can make the site read a large body.
    """
    if request.endpoint == "imports.upload" and is_moderator(current_user):
        request.max_content_length = upload_limit() + (64 << 10)  # the form's other fields


def forms() -> tuple[UploadImportForm, FolderImportForm, Folder]:
    """Return the page's two forms, the folder's files as choices, and the folder."""
    folder = scan_folder()
    pick = FolderImportForm(prefix="folder")
    pick.name.choices = [(f.name, f"{f.name} ({f.size / 1e6:,.1f} MB)") for f in folder.files]
    return UploadImportForm(prefix="upload"), pick, folder


def render_index(upload: UploadImportForm, pick: FolderImportForm, folder: Folder, status: int = 200):
    """Render the page with these forms."""
    page = db.paginate(runs_query(), per_page=current_app.config["ITEMS_PER_PAGE"], error_out=False)
    return render_template("imports/index.html", upload=upload, folder=pick, import_folder=folder,
                           page=page, limit_mb=current_app.config["IMPORT_MAX_UPLOAD_MB"]), status


@bp.route("/")
def index():
    """Show the forms and the history of imports."""
    return render_index(*forms())


@bp.post("/upload")
def upload():
    """Start importing an uploaded file."""
    upload_form, folder_form, folder = forms()
    if not upload_form.validate_on_submit():
        return render_index(upload_form, folder_form, folder, 400)
    try:
        run = import_upload(db.session, current_user, upload_form.file.data)
    except ImportRequestError as error:
        upload_form.file.errors.append(str(error))
        return render_index(upload_form, folder_form, folder, 400)
    flash(f"Import of {run.source} started.")
    return redirect(url_for("imports.detail", run_id=run.id))


@bp.post("/folder")
def folder():
    """Start importing a file of the server's import folder."""
    upload_form, folder_form, folder = forms()
    try:
        if not folder_form.validate_on_submit():
            raise ImportRequestError("The form expired: try again.")
        run = import_folder_file(db.session, current_user, folder_form.name.data or "")
    except ImportRequestError as error:
        folder_form.name.errors = [str(error)]
        return render_index(upload_form, folder_form, folder, 400)
    flash(f"Import of {run.source} started.")
    return redirect(url_for("imports.detail", run_id=run.id))


@bp.errorhandler(413)
def too_large(error):
    """Answer an upload over the limit with the limit and the way for larger files."""
    if request.endpoint != "imports.upload" or not is_moderator(current_user):
        return render_template("errors/error.html", error=error), 413  # the site's own page
    return render_template("imports/too_large.html", folder=import_folder(),
                           limit_mb=current_app.config["IMPORT_MAX_UPLOAD_MB"]), 413


@bp.route("/<int:run_id>")
def detail(run_id: int):
    """Show one import: its progress while it runs, then its summary and every error."""
    run = db.get_or_404(ImportRun, run_id)
    return render_template("imports/detail.html", run=run, cancel=CancelImportForm())


@bp.post("/<int:run_id>/cancel")
def cancel(run_id: int):
    """Cancel an import that no worker has started."""
    run = db.get_or_404(ImportRun, run_id)
    try:
        if not CancelImportForm().validate_on_submit():
            raise ImportRequestError("The form expired: try again.")
        cancel_import(db.session, run, current_user)
    except ImportRequestError as error:
        flash(str(error), "error")
    else:
        flash(f"Import of {run.source} cancelled.", "success")
    return redirect(url_for("imports.detail", run_id=run.id))


@bp.route("/<int:run_id>/status")
def status(run_id: int):
    """Return one import's progress as JSON (for a poll)."""
    return jsonify(db.get_or_404(ImportRun, run_id).progress_json())


def register(app) -> None:
    """Mount the page and its size rule; add the import job to the queue."""
    from .runs import register_import_task

    app.register_blueprint(bp)
    app.before_request_funcs.setdefault(None, []).insert(0, allow_upload_size)
    register_import_task(app)
