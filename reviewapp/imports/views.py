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
from ..models.import_run import FOLDER, UPLOAD
from ..models.user import ADMIN, is_moderator
from .forms import FolderImportForm, UploadImportForm
from .runs import (
    ImportRequestError,
    folder_files,
    folder_path,
    import_folder,
    refuse_while_importing,
    remove_stale_uploads,
    runs_query,
    save_upload,
    start_import,
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


def forms() -> tuple[UploadImportForm, FolderImportForm]:
    """Return the page's two forms, the folder's files as choices."""
    folder = FolderImportForm(prefix="folder")
    folder.name.choices = [(f.name, f"{f.name} ({f.size / 1e6:,.1f} MB)") for f in folder_files()]
    return UploadImportForm(prefix="upload"), folder


def render_index(upload: UploadImportForm, folder: FolderImportForm, status: int = 200):
    """Render the page with these forms."""
    page = db.paginate(runs_query(), per_page=current_app.config["ITEMS_PER_PAGE"], error_out=False)
    return render_template("imports/index.html", upload=upload, folder=folder, page=page,
                           has_folder=import_folder() is not None,
                           limit_mb=current_app.config["IMPORT_MAX_UPLOAD_MB"]), status


@bp.route("/")
def index():
    """Show the forms and the history of imports."""
    return render_index(*forms())


@bp.post("/upload")
def upload():
    """Start importing an uploaded file."""
    upload_form, folder_form = forms()
    if not upload_form.validate_on_submit():
        return render_index(upload_form, folder_form, 400)
    remove_stale_uploads(db.session)  # room on the disk before this one is stored
    try:
        refuse_while_importing(db.session)
        source, path = save_upload(upload_form.file.data)
    except ImportRequestError as error:
        upload_form.file.errors.append(str(error))
        return render_index(upload_form, folder_form, 400)
    run = start_import(db.session, current_user, UPLOAD, source, path)
    flash(f"Import of {source} started.")
    return redirect(url_for("imports.detail", run_id=run.id))


@bp.post("/folder")
def folder():
    """Start importing a file of the server's import folder."""
    upload_form, folder_form = forms()
    try:
        if not folder_form.validate_on_submit():
            raise ImportRequestError("The form expired: try again.")
        path = folder_path(folder_form.name.data or "")
        refuse_while_importing(db.session)
    except ImportRequestError as error:
        folder_form.name.errors = [str(error)]
        return render_index(upload_form, folder_form, 400)
    run = start_import(db.session, current_user, FOLDER, folder_form.name.data, path)
    flash(f"Import of {folder_form.name.data} started.")
    return redirect(url_for("imports.detail", run_id=run.id))


@bp.route("/<int:run_id>")
def detail(run_id: int):
    """Show one import: its progress while it runs, then its summary and every error."""
    run = db.get_or_404(ImportRun, run_id)
    return render_template("imports/detail.html", run=run)


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
