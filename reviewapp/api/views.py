"""The read-only JSON API (`/api/v1`) and the page where examiners manage their tokens."""
from __future__ import annotations

from functools import cache
from importlib.resources import files

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, default_exceptions

from ..auth.decorators import role_required
from ..confirm import confirm_page, confirmed
from ..extensions import db
from ..models.user import EXAMINER
from ..security import RETRY_AFTER_UNAVAILABLE
from . import API_PREFIX, is_api_request
from .auth import TokenError, authenticate_header
from .forms import TokenForm
from .services import (
    ApiError,
    Paging,
    application_detail,
    create_token,
    find_application,
    list_applications,
    list_prior_art,
    list_tokens,
    own_token,
    parse_filters,
    parse_paging,
    revoke_token,
    submission_detail,
)

bp = Blueprint("api", __name__, url_prefix=API_PREFIX)
tokens_bp = Blueprint("api_tokens", __name__, url_prefix="/api")


@cache
def openapi_document() -> str:
    """Return the OpenAPI 3 description of the API, as shipped beside this module."""
    return files(__package__).joinpath("openapi.json").read_text(encoding="utf-8")


def error_response(message: str, status: int, headers: dict | None = None) -> Response:
    """Return the API's error object `{"error": message}` with its status."""
    response = jsonify(error=message)
    response.status_code = status
    response.headers.update(headers or {})
    return response


def page_response(items: list, total: int, paging: Paging, endpoint: str, **params) -> Response:
    """Return one page of items in the API's envelope, with the URL of the next page."""
    more = paging.offset + len(items) < total
    params = {key: value for key, value in params.items() if value}
    next_url = url_for(endpoint, page=paging.page + 1, per_page=paging.per_page, _external=True,
                       **params) if items and more else None
    return jsonify(items=items, page=paging.page, per_page=paging.per_page, total=total,
                   next=next_url)


@bp.before_app_request
def answer_api_routing_errors():
    """Answer unknown API paths and wrong methods in JSON, before any HTML error page."""
    error = request.routing_exception
    if isinstance(error, HTTPException) and (error.code or 500) >= 400 and is_api_request():
        allow = getattr(error, "valid_methods", None)
        return error_response(error.description or error.name, error.code or 500,
                              {"Allow": ", ".join(allow)} if allow else None)
    return None


# App-wide hooks, not this blueprint's: other packages serve paths under /api/v1 too (the
# search package serves /api/v1/search), and every one of them must refuse a bad token.
@bp.before_app_request
def authenticate():
    """Know the examiner behind a bearer token on any API path; anonymous callers see public data."""
    g.api_user = None
    if is_api_request():
        g.api_user = authenticate_header(db.session, request.headers.get("Authorization"))


@bp.after_app_request
def mark_private(response: Response) -> Response:
    """Vary every API answer on the token, and keep examiner-level answers out of shared caches."""
    if is_api_request():
        response.vary.add("Authorization")
        if g.get("api_user") is not None:
            response.cache_control.private = True
            response.cache_control.no_store = True
    return response


@bp.errorhandler(ApiError)
def api_error(error: ApiError):
    """Answer a refused request in JSON."""
    return error_response(error.message, error.status)


@bp.app_errorhandler(TokenError)  # raised by the app-wide `authenticate`
def token_error(error: TokenError):
    """Answer a refused token in JSON, with a Bearer challenge for 401."""
    challenge = {"WWW-Authenticate": 'Bearer error="invalid_token"'} if error.status == 401 else None
    return error_response(error.message, error.status, challenge)


def http_error(error: HTTPException):
    """Answer an HTTP error in JSON rather than as an HTML page."""
    return error_response(error.description or error.name, error.code or 500)


# By status code: the app's HTML handlers are registered by code, and a code beats a class.
for _code in default_exceptions:
    bp.register_error_handler(_code, http_error)


@bp.errorhandler(OperationalError)
def database_unavailable(error: OperationalError):
    """Answer 503 in JSON when the database is down."""
    db.session.rollback()
    return error_response("The database is unavailable; try again shortly.", 503,
                          {"Retry-After": RETRY_AFTER_UNAVAILABLE})


@bp.get("/applications")
def applications():
    """List applications under review, newest publication first."""
    paging, filters = parse_paging(request.args), parse_filters(request.args)
    items, total = list_applications(db.session, paging=paging, **filters)
    return page_response(items, total, paging, "api.applications", **filters)


@bp.get("/applications/<number>")
def application(number: str):
    """Show an application's bibliographic data and claims."""
    record = application_detail(db.session, number)
    if record is None:
        abort(404, description=f"No application {number[:40]!r}.")
    return jsonify(record)


@bp.get("/applications/<number>/prior-art")
def prior_art(number: str):
    """List an application's active prior art, best ranked first."""
    found = find_application(db.session, number)
    if found is None:
        abort(404, description=f"No application {number[:40]!r}.")
    paging = parse_paging(request.args)
    items, total = list_prior_art(db.session, found, paging=paging, examiner=g.api_user is not None)
    return page_response(items, total, paging, "api.prior_art", number=found.number)


@bp.get("/submissions/<int:submission_id>")
def submission(submission_id: int):
    """Show one submission, if the caller may see it (`Submission.can_view`): a hidden one is a 404."""
    record = submission_detail(db.session, submission_id, g.api_user)
    if record is None:
        abort(404, description=f"No submission {submission_id}.")
    return jsonify(record)


@bp.get("/openapi.json")
def openapi():
    """Serve the OpenAPI 3 description of this API."""
    return Response(openapi_document(), mimetype="application/json")


@tokens_bp.route("/tokens", methods=["GET", "POST"])
@role_required(EXAMINER)
def tokens():
    """List the examiner's API tokens and create one, showing its secret this once."""
    form, secret = TokenForm(), None
    if form.validate_on_submit():
        try:
            _token, secret = create_token(db.session, current_user, form.name.data)
            form.name.data = ""
        except ApiError as error:
            form.name.errors.append(error.message)
    page = render_template("api/tokens.html", form=form, secret=secret,
                           tokens=list_tokens(db.session, current_user))
    response = make_response(page)
    response.headers["Cache-Control"] = "no-store"  # the secret must not linger in a cache
    return response


@tokens_bp.route("/tokens/<int:token_id>/revoke", methods=["GET", "POST"])
@role_required(EXAMINER)
def revoke(token_id: int):
    """Revoke one of the examiner's tokens, once confirmed."""
    token = own_token(db.session, current_user, token_id) or abort(404)
    if not confirmed():
        return confirm_page(
            title=f"Revoke the token \u201c{token.name}\u201d?",
            message="Scripts that use it lose access to the API at once. This cannot be undone: "
                    "they will need a new token.",
            button="Revoke it", cancel_url=url_for(".tokens"))
    revoke_token(db.session, current_user, token.id)
    flash("Token revoked: it no longer opens the API.", "success")
    return redirect(url_for(".tokens"))
