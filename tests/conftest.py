"""Shared fixtures: real USPTO data, the app, its database and logged-in clients."""
from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

SHARED_USPTO = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "uspto"


@pytest.fixture(scope="session")
def uspto_dir() -> Path:
    """Return ../shared/data/uspto; skip outside CI when it is absent, fail in CI."""
    if not SHARED_USPTO.is_dir():
        message = f"real USPTO data not found at {SHARED_USPTO} (see ../shared/data/README.md)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return SHARED_USPTO


# --- the app and its database -------------------------------------------------------------

import sqlalchemy as sa
from flask import g
from werkzeug.serving import make_server

from reviewapp import create_app
from reviewapp.extensions import db as _db
from reviewapp.imports.runs import IMPORT_THREAD
from reviewapp.ranking.training import TRAIN_THREAD

TEST_DATABASE_URL = os.environ.get("REVIEWAPP_TEST_DATABASE_URL", "")


def base_config(tmp: Path, database_url: str) -> dict:
    """Return the settings every test app starts from."""
    return {
        "TESTING": True,
        "INSTANCE_PATH": str(tmp / "instance"),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "WTF_CSRF_ENABLED": False,
        "SERVER_NAME": "localhost.test",
        "HUEY_IMMEDIATE": True,
        # scrypt costs ~0.3 s a hash; tests create hundreds of accounts.
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    }


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    """Return the test database: `REVIEWAPP_TEST_DATABASE_URL`, else a SQLite file."""
    if TEST_DATABASE_URL:
        return TEST_DATABASE_URL
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def migrated_database(database_url, tmp_path_factory) -> str:
    """Build the schema once per run through the Alembic migrations, from empty."""
    from flask_migrate import upgrade

    app = create_app(base_config(tmp_path_factory.mktemp("migrate"), database_url))
    with app.app_context():
        drop_everything()
        upgrade()
        _db.engine.dispose()
    return database_url


def drop_everything() -> None:
    """Drop every table of the test database, ours or left from an older run."""
    metadata = sa.MetaData()
    metadata.reflect(bind=_db.engine)
    metadata.drop_all(bind=_db.engine)


@pytest.fixture
def app(migrated_database, tmp_path):
    """Return an app on the migrated test database, emptied after the test."""
    app = create_app(base_config(tmp_path, migrated_database))
    with app.app_context():
        yield app
        join_training_threads()
        _db.session.remove()
        empty_tables()
        _db.engine.dispose()


def join_training_threads() -> None:
    """Wait for a retrain or import a test started (the in-process queue runs it on a thread).

    The thread uses this test's database and model folder: left running, it would write into
    the next test's.
    """
    for thread in threading.enumerate():
        if thread.name in (TRAIN_THREAD, IMPORT_THREAD):
            thread.join(timeout=300)


def empty_tables() -> None:
    """Delete every row so the next test starts clean."""
    # DELETE, child tables first: on a few rows it is far cheaper than PostgreSQL's TRUNCATE,
    # which rewrites every table's files.
    with _db.engine.begin() as connection:
        for table in reversed(_db.metadata.sorted_tables):
            connection.execute(table.delete())


@contextmanager
def serving(app) -> Iterator[str]:
    """Serve the app on a free loopback port in a thread (werkzeug); yield its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


def forget_login_each_request(app) -> None:
    """Drop the user Flask-Login cached in `g`, as a real request's own app context would.

    Tests run inside one app context, so without this a test client's next request would
    still see the previous request's user.
    """
    @app.before_request
    def forget_cached_user() -> None:
        g.pop("_login_user", None)


@pytest.fixture
def db(app):
    """Return the Flask-SQLAlchemy handle, bound to the test app."""
    return _db


@pytest.fixture
def client(app):
    """Return a test client of the app."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """Return a CLI runner of the app's commands."""
    return app.test_cli_runner()


@pytest.fixture
def queued_app(app, tmp_path):
    """Return an app on the same database whose jobs wait for a worker (no HUEY_IMMEDIATE)."""
    other = create_app({**base_config(tmp_path / "queued", app.config["SQLALCHEMY_DATABASE_URI"]),
                        "HUEY_IMMEDIATE": False})
    yield other
    with other.app_context():
        _db.session.remove()
        _db.engine.dispose()


def forget_cached_user() -> None:
    """Drop Flask-Login's per-context user: the test app context outlives requests."""
    from flask import g

    g.pop("_login_user", None)


class AuthActions:
    """Log a test client in as a given user, without going through the form."""

    def __init__(self, client):
        self.client = client

    def login(self, user) -> None:
        """Make the client's next requests come from `user`."""
        forget_cached_user()
        with self.client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True

    def logout(self) -> None:
        """Forget the logged-in user."""
        forget_cached_user()
        with self.client.session_transaction() as session:
            session.clear()


@pytest.fixture
def auth(client):
    """Return helpers to log the `client` in and out."""
    return AuthActions(client)


def wait_until_blocked(engine, timeout: float = 30) -> None:
    """Wait until another connection of this PostgreSQL database waits for a lock.

    Concurrency tests hold a lock in one transaction and start a second in a thread: this makes
    sure the second really got to the contended statement before the first commits, however
    loaded the machine. SQLite cannot tell who waits for its write lock: give the second a
    second to get there (arriving later, it still has to see the first one's commit).
    """
    import time

    if engine.dialect.name == "sqlite":
        time.sleep(1)
        return
    deadline = time.monotonic() + timeout
    with engine.connect() as connection:
        while time.monotonic() < deadline:
            waiting = connection.scalar(sa.text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'"))
            if waiting:
                return
            connection.rollback()
            time.sleep(0.05)
    raise AssertionError(f"no connection waited for a lock within {timeout} s")


def second_waits_for_first(app, first, second, act) -> list[BaseException]:
    """Run `act` then commit `second` on a thread while `first` holds its locks; commit `first`
    once the thread waits; return what the thread raised (its transaction rolled back)."""
    errors: list[BaseException] = []

    def run() -> None:
        with app.app_context():
            try:
                act()
                second.commit()
            except BaseException as error:  # noqa: BLE001 - returned to the caller's assertions
                second.rollback()
                errors.append(error)

    worker = threading.Thread(target=run)
    worker.start()
    wait_until_blocked(first.get_bind())
    first.commit()
    worker.join(timeout=20)
    return errors
