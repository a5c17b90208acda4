"""The review site: `create_app` builds it; nothing here runs at import."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Mapping

from flask import Flask, Response, current_app, jsonify, render_template, request
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from werkzeug.routing import IntegerConverter
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import build_config, instance_path_from_env
from .extensions import csrf, db, login_manager, migrate
from .security import register_security
from .tasks import register_tasks

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application from defaults, the environment and `config`."""
    config = dict(config or {})
    instance_path = config.pop("INSTANCE_PATH", None) or instance_path_from_env()
    app = Flask(
        __name__,
        instance_path=instance_path,
        instance_relative_config=True,
        static_folder=str(PROJECT_ROOT / "static"),
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(build_config(app.instance_path, config))
    if not app.testing:
        # Notices such as mail written to the log (no SMTP configured) are INFO.
        app.logger.setLevel(logging.INFO)  # also gives "reviewapp.*" loggers a handler
    register_extensions(app)
    register_tasks(app)
    register_blueprints(app)
    register_security(app)
    register_transactions(app)
    register_errorhandlers(app)
    register_commands(app)
    register_template_context(app)
    trust_proxies(app)
    check_search_index(app)
    return app


def check_search_index(app: Flask) -> None:
    """Log, never raise, when the search index is missing or unreadable: searches will say so."""
    import search

    index_dir = app.config["INDEX_DIR"]
    try:
        present = search.exists(index_dir, backend=app.config["SEARCH_BACKEND"])
    except Exception as error:  # a damaged table of contents: Whoosh, pickle or OS errors
        logging.getLogger(__name__).error(
            "search index at %s is unreadable (%s: %s): searches are unavailable until "
            "`reviewapp index rebuild`", index_dir, type(error).__name__, error)
        return
    if not present:
        logging.getLogger(__name__).warning(
            "no search index at %s: searches are unavailable until `reviewapp index rebuild`", index_dir)


def trust_proxies(app: Flask) -> None:
    """Behind N reverse proxies, take the client's address and scheme from their headers.

    Without this, every request seems to come from the proxy (127.0.0.1): the per-address
    rate limits would then be shared by all users. Off by default: a client talking to the
    app directly could forge the headers.
    """
    count = int(app.config.get("TRUSTED_PROXIES") or 0)
    if count > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)


def register_extensions(app: Flask) -> None:
    """Bind the unbound extensions to `app`."""
    from . import models  # noqa: F401  (the schema must be known before migrations run)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(user_id: str):
        from .models import User

        user = db.session.get(User, int(user_id))
        return user if user and user.is_active else None


class BoundedIntConverter(IntegerConverter):
    """An `int` URL part that fits a database integer: a larger one is a 404, not a 500."""

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def register_blueprints(app: Flask) -> None:
    """Mount every feature package."""
    app.url_map.converters["int"] = BoundedIntConverter
    from .admin.views import bp as admin_bp
    from .api.views import bp as api_bp
    from .api.views import tokens_bp as api_tokens_bp
    from .applications.views import bp as applications_bp
    from .auth.views import bp as auth_bp
    from .community.views import bp as community_bp
    from .examiner.views import bp as examiner_bp
    from .export.views import bp as export_bp
    from .priorart.views import bp as priorart_bp
    from .ranking.views import bp as ranking_bp
    from .searchpage.views import bp as searchpage_bp

    for blueprint in (applications_bp, auth_bp, priorart_bp, community_bp, admin_bp, searchpage_bp,
                      examiner_bp, export_bp, api_bp, api_tokens_bp, ranking_bp):
        app.register_blueprint(blueprint)
    csrf.exempt(api_bp)  # read-only, token-authenticated JSON


def register_transactions(app: Flask) -> None:
    """Commit once per successful request; roll back on any error."""

    @app.after_request
    def commit_session(response: Response) -> Response:
        if response.status_code < 400:
            try:
                db.session.commit()
            except OperationalError as error:  # the database went away after the view ran
                return database_unavailable_response(error)
        else:
            rollback_quietly()
        return response

    @app.teardown_request
    def rollback_on_error(error: BaseException | None) -> None:
        if error is not None:
            rollback_quietly()


def rollback_quietly() -> None:
    """Roll the session back; on a dead connection there is nothing to undo and no error to add."""
    try:
        db.session.rollback()
    except SQLAlchemyError as error:
        logging.getLogger(__name__).warning("rollback failed: %s", error)


def database_unavailable_response(error: OperationalError) -> Response:
    """Return the 503 page of an unreachable database, without touching the database again."""
    rollback_quietly()
    logging.getLogger(__name__).error("database unavailable: %s", error.orig)
    # Rendered without the context processors: they load the user and count notifications,
    # from the database that is down (and a failure here would become a bare 500).
    page = current_app.jinja_env.get_template("errors/unavailable.html").render()
    return Response(page, 503, {"Retry-After": "5"}, mimetype="text/html")


def register_errorhandlers(app: Flask) -> None:
    """Render friendly pages for HTTP errors and an unreachable database."""

    def render_error(error: HTTPException):
        if request.path.startswith("/api/v1/"):  # API routes outside the api blueprint (search)
            return jsonify(error=error.description or error.name), error.code
        return render_template("errors/error.html", error=error), error.code

    for code in (400, 403, 404, 405, 413, 429):
        app.register_error_handler(code, render_error)

    @app.errorhandler(OperationalError)
    def database_unavailable(error: OperationalError):
        return database_unavailable_response(error)

    @app.errorhandler(500)
    def internal_error(error):
        db.session.rollback()
        if request.path.startswith("/api/v1/"):
            return jsonify(error="Internal server error."), 500
        return render_template("errors/error.html", error=None), 500


def register_template_context(app: Flask) -> None:
    """Give every template the navigation's data."""

    from flask_login import current_user

    from .community.services import unread_count

    @app.context_processor
    def navigation() -> dict:
        unread = unread_count(db.session, current_user) if current_user.is_authenticated else 0
        return {"nav_endpoints": app.view_functions, "unread_notifications": unread}


def register_commands(app: Flask) -> None:
    """Attach the `reviewapp` command groups."""
    from .cli import register

    register(app)
