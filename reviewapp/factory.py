"""The application factory: `create_app` builds the site from its features."""
from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, jsonify, render_template
from flask_wtf.csrf import CSRFError
from sqlalchemy import Connection, Engine, event, select
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException, SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from . import PROJECT_ROOT
from .api import is_api_request
from .config import build_config, instance_path_from_env, require_production_settings
from .extensions import csrf, db, login_manager, migrate
from .inputs import local_referrer, register_inputs
from .security import RETRY_AFTER_UNAVAILABLE, register_security
from .tasks import register_job, register_tasks

# The package's logger (as before the factory left reviewapp/__init__.py).
log = logging.getLogger("reviewapp")


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application from defaults, the environment and `config`."""
    config = dict(config or {})
    instance_path = config.pop("INSTANCE_PATH", None) or instance_path_from_env()
    app = Flask(
        "reviewapp",
        instance_path=instance_path,
        instance_relative_config=True,
        static_folder=str(PROJECT_ROOT / "static"),
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(build_config(app.instance_path, config))
    require_production_settings(app.config, debug=app.debug, testing=app.testing)
    if not app.testing:
        # Notices such as mail written to the log (no SMTP configured) are INFO.
        app.logger.setLevel(logging.INFO)  # also gives "reviewapp.*" loggers a handler
    register_extensions(app)
    register_inputs(app)
    register_tasks(app)
    register_jobs(app)
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
    except Exception as error:  # noqa: BLE001 - a damaged table of contents: Whoosh, pickle or OS errors
        log.error(
            "search index at %s is unreadable (%s: %s): searches are unavailable until "
            "`reviewapp index rebuild`", index_dir, type(error).__name__, error)
        return
    if not present:
        log.warning(
            "no search index at %s: searches are unavailable until `reviewapp index rebuild`", index_dir)


def trust_proxies(app: Flask) -> None:
    """Behind N reverse proxies, take the client's address and scheme from their headers.

    Without this, every request seems to come from the proxy (127.0.0.1): the per-address
    rate limits would then be shared by all users. Off by default: a client talking to the
    app directly could forge the headers.
    """
    count = int(app.config.get("TRUSTED_PROXIES") or 0)
    if count > 0:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=count, x_proto=count)


def tune_sqlite(engine: Engine, busy_seconds: float) -> None:
    """Let SQLite writers wait their turn instead of failing; give FOR UPDATE its meaning."""

    @event.listens_for(engine, "before_execute")
    def lock_for_update(connection: Connection, statement: Any, *_: Any) -> None:
        # SQLite has no row locks and drops FOR UPDATE, and sqlite3 begins a transaction only
        # at its first write, so a check read under FOR UPDATE (the last administrator, a
        # submission's status) could be overtaken before its write. Taking the database's
        # write lock first makes such a check and its write one step, as row locks do on
        # PostgreSQL: a second writer waits, then reads the first one's result.
        if getattr(statement, "_for_update_arg", None) is not None:
            dbapi_connection = connection.connection.dbapi_connection
            if dbapi_connection is not None and not dbapi_connection.in_transaction:
                connection.exec_driver_sql("BEGIN IMMEDIATE")

    @event.listens_for(engine, "connect")
    def configure(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(busy_seconds * 1000)}")
            # Write-ahead logging: readers no longer block a writer's commit, nor it them, so
            # each write holds the lock for less time. A file database keeps the mode.
            cursor.execute("PRAGMA journal_mode = WAL")
        finally:
            cursor.close()
        # SQLite's lower() folds only ASCII letters: "ÉLODIE" would not find "Élodie" (the
        # admin's user search, an e-mail typed in another case) as it does on PostgreSQL.
        dbapi_connection.create_function("lower", 1, unicode_lower, deterministic=True)


def unicode_lower(value: Any) -> Any:
    """Lower-case text as Python (and PostgreSQL) do; leave anything else alone."""
    return value.lower() if isinstance(value, str) else value


def utc_session(dbapi_connection: Any, _record: Any) -> None:
    """Make a PostgreSQL session hand times back in UTC, whatever the server's or PGTZ's zone."""
    # Pages print times labelled UTC; psycopg returns them in the session's zone.
    autocommit = dbapi_connection.autocommit
    dbapi_connection.autocommit = True  # a SET in a transaction would end with its rollback
    try:
        dbapi_connection.execute("SET TIME ZONE 'UTC'")
    finally:
        dbapi_connection.autocommit = autocommit


def register_extensions(app: Flask) -> None:
    """Bind the unbound extensions to `app`."""
    from . import models  # noqa: F401  (the schema must be known before migrations run)

    db.init_app(app)
    with app.app_context():
        for engine in db.engines.values():
            if engine.dialect.name == "sqlite":
                tune_sqlite(engine, float(app.config["SQLITE_BUSY_TIMEOUT_SECONDS"]))
            elif engine.dialect.name == "postgresql":
                event.listen(engine, "connect", utc_session)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    from .auth.views import send_to_login

    login_manager.unauthorized_handler(send_to_login)  # never back to a POST-only URL

    @login_manager.user_loader
    def load_user(alternative_id: str):
        from .models import User

        # "<session token>.<login nonce>" (User.get_id): a replaced token ends the session.
        token = alternative_id.partition(".")[0]
        user = db.session.scalar(select(User).where(User.session_token == token)) if token else None
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
    from .auth.views import shortcuts_bp
    from .community.views import bp as community_bp
    from .examiner.views import bp as examiner_bp
    from .export.views import bp as export_bp
    from .priorart.views import bp as priorart_bp
    from .ranking.views import bp as ranking_bp
    from .searchpage.views import bp as searchpage_bp

    for blueprint in (applications_bp, auth_bp, priorart_bp, community_bp, admin_bp, searchpage_bp,
                      examiner_bp, export_bp, api_bp, api_tokens_bp, ranking_bp, shortcuts_bp):
        app.register_blueprint(blueprint)
    csrf.exempt(api_bp)  # read-only, token-authenticated JSON
    from .api.services import register as register_tokens
    from .community.moderation import register as register_moderation
    from .community.notifications import register as register_notifications
    from .examiner.reputation import register as register_reputation
    from .imports.views import register as register_imports

    register_tokens(app)
    register_imports(app)
    register_notifications(app)
    register_moderation(app)
    register_reputation(app)


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
        log.warning("rollback failed: %s", error)


def api_error(message: str, status: int, headers: Any = None) -> Response:
    """Return the API's error object `{"error": message}` with its status."""
    response = jsonify(error=message)
    response.status_code = status
    for name, value in headers or ():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def database_unavailable_response(error: OperationalError) -> Response:
    """Return the 503 page of an unreachable database, without touching the database again."""
    rollback_quietly()
    log.error("database unavailable: %s", error.orig)
    if is_api_request():
        return api_error("The database is unavailable; try again shortly.", 503,
                         [("Retry-After", RETRY_AFTER_UNAVAILABLE)])
    # Rendered without the context processors: they load the user and count notifications,
    # from the database that is down (and a failure here would become a bare 500).
    page = current_app.jinja_env.get_template("errors/unavailable.html").render()
    return Response(page, 503, {"Retry-After": RETRY_AFTER_UNAVAILABLE}, mimetype="text/html")


PAGE_ERRORS = (400, 403, 404, 405, 413, 429)
FORM_EXPIRED = ("The page this form was on has expired, or your session changed since it was "
                "loaded (you logged in or out, perhaps in another tab): nothing was done. Go back, "
                "reload the page and send the form again.")


def register_errorhandlers(app: Flask) -> None:
    """Render friendly pages for HTTP errors and an unreachable database; JSON under the API."""

    @app.errorhandler(HTTPException)
    def render_error(error: HTTPException):
        if isinstance(error, SecurityError):
            # An untrusted Host header (TRUSTED_HOSTS): no URL can be built, so no page either.
            return Response("Bad request: this site does not answer to that host name.\n", 400,
                            mimetype="text/plain")
        if is_api_request():
            return api_error(error.description or error.name, error.code or 500,
                             error.get_headers())
        if error.code in PAGE_ERRORS:
            return render_template("errors/error.html", error=error), error.code
        return error

    @app.errorhandler(CSRFError)
    def form_expired(error: CSRFError):
        # The form's token no longer matches this browser's session (it ended or changed since
        # the page was loaded, e.g. logged out in another tab): nothing was done.
        if is_api_request():
            return api_error(FORM_EXPIRED, 400)
        return render_template("errors/form_expired.html", message=FORM_EXPIRED,
                               back=local_referrer()), 400

    @app.errorhandler(OperationalError)
    def database_unavailable(error: OperationalError):
        return database_unavailable_response(error)

    @app.errorhandler(500)
    def internal_error(error):
        rollback_quietly()
        if is_api_request():
            return api_error("Internal error: the request could not be answered.", 500)
        return render_template("errors/error.html", error=None), 500


def register_template_context(app: Flask) -> None:
    """Give every template the navigation's data."""

    from flask_login import current_user

    from .community.notifications import unread_count
    from .models.submission import kind_label

    app.add_template_filter(kind_label, "kind_label")  # one naming of kinds for every page

    @app.context_processor
    def navigation() -> dict:
        unread = unread_count(db.session, current_user) if current_user.is_authenticated else 0
        return {"nav_endpoints": app.view_functions, "unread_notifications": unread}


def register_jobs(app: Flask) -> None:
    """Let each feature register its job handlers and connect its signal receivers."""
    from .auth.jobs import register as register_auth_jobs
    from .ranking.jobs import register as register_ranking_jobs

    register_job(app, "index", run_index_job)
    register_auth_jobs(app)
    register_ranking_jobs(app)


def run_index_job(document_ids: list[int]) -> int:
    """Write these documents' current state (or their absence) to the search index."""
    from . import indexing  # looked up at each run: the import benchmark times sync_documents

    return indexing.sync_documents(document_ids)


def register_commands(app: Flask) -> None:
    """Attach the `reviewapp` command groups: the site's own, then each feature's."""
    from .cli import register
    from .export.commands import export_command
    from .ranking.commands import ranker_group

    register(app)
    for command in (export_command, ranker_group):
        app.cli.add_command(command)
