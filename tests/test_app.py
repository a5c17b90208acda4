"""The application factory, configuration and the instance folder."""
from __future__ import annotations

import stat

import pytest

from reviewapp import create_app
from reviewapp.config import ConfigError, build_config, normalise_database_url


def test_defaults_live_in_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("REVIEWAPP_DATABASE_URL", raising=False)
    monkeypatch.delenv("REVIEWAPP_SECRET_KEY", raising=False)
    monkeypatch.setenv("REVIEWAPP_INSTANCE", str(tmp_path / "elsewhere"))
    monkeypatch.setenv("REVIEWAPP_BASE_URL", "https://review.example.org")
    app = create_app()
    instance = tmp_path / "elsewhere"
    assert app.instance_path == str(instance)
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance / 'reviewapp.sqlite3'}"
    assert app.config["INDEX_DIR"] == str(instance / "index")
    assert app.config["MODEL_DIR"] == str(instance / "models")


def test_secret_key_is_generated_once_and_private(tmp_path, monkeypatch):
    monkeypatch.delenv("REVIEWAPP_SECRET_KEY", raising=False)
    monkeypatch.setenv("REVIEWAPP_BASE_URL", "https://review.example.org")
    first = create_app({"INSTANCE_PATH": str(tmp_path)})
    second = create_app({"INSTANCE_PATH": str(tmp_path)})
    key_file = tmp_path / "secret_key"
    assert len(first.config["SECRET_KEY"]) == 64
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"] == key_file.read_text()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    other = create_app({"INSTANCE_PATH": str(tmp_path / "other")})
    assert other.config["SECRET_KEY"] != first.config["SECRET_KEY"]


def test_database_url_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("REVIEWAPP_DATABASE_URL", "postgresql://u@db.example/reviews")
    monkeypatch.setenv("REVIEWAPP_BASE_URL", "https://review.example.org")
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example/reviews"


@pytest.mark.parametrize("value, immediate",
                         [("1", True), ("yes", True), ("0", False), ("off", False)])
def test_huey_immediate_from_the_environment_is_on_or_off(tmp_path, monkeypatch, value,
                                                          immediate):
    """REVIEWAPP_HUEY_IMMEDIATE=0 keeps the queue: "0" is off, not a non-empty string."""
    monkeypatch.setenv("REVIEWAPP_HUEY_IMMEDIATE", value)
    assert build_config(str(tmp_path), {"SECRET_KEY": "k"})["HUEY_IMMEDIATE"] is immediate


def test_normalise_database_url_leaves_others_alone():
    assert normalise_database_url("sqlite:///x.db") == "sqlite:///x.db"
    assert normalise_database_url("postgres://a@b/c") == "postgresql+psycopg://a@b/c"


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert b"Not Found" in response.data
    assert b"Back to the applications" in response.data


def test_ids_too_large_for_the_database_are_404(client):
    assert client.get("/submissions/99999999999").status_code == 404


def test_next_parameter_cannot_leave_the_site(app):
    from reviewapp.auth.views import safe_next

    with app.test_request_context():
        assert safe_next("/tags?page=2") == "/tags?page=2"
        # Not a page: no route (404), or a form's action answering POSTs only (405).
        assert safe_next("/no-such-page") == "/" and safe_next("/auth/logout") == "/"
        for hostile in ("//evil.example", "/\\evil.example", "https://evil.example/", "javascript:x"):
            assert safe_next(hostile) == "/"


def test_production_refuses_to_start_without_a_base_url(tmp_path, monkeypatch):
    """Refuse to build a production app without REVIEWAPP_BASE_URL: mail links would follow Host."""
    from reviewapp.config import ConfigError

    monkeypatch.delenv("REVIEWAPP_BASE_URL", raising=False)
    with pytest.raises(ConfigError, match="REVIEWAPP_BASE_URL"):
        create_app({"INSTANCE_PATH": str(tmp_path)})
    with pytest.raises(ConfigError, match="public address"):
        create_app({"INSTANCE_PATH": str(tmp_path), "BASE_URL": "review.example.org"})
    assert create_app({"INSTANCE_PATH": str(tmp_path), "TESTING": True}).config["BASE_URL"] == ""
    monkeypatch.setenv("REVIEWAPP_BASE_URL", "https://review.example.org/")
    assert create_app({"INSTANCE_PATH": str(tmp_path)}).config["BASE_URL"] == "https://review.example.org"


def test_trusted_hosts_are_the_public_one_plus_configured_ones(tmp_path, monkeypatch):
    """Trust the base URL's host and REVIEWAPP_TRUSTED_HOSTS; loopback names only for a local site."""
    monkeypatch.setenv("REVIEWAPP_TRUSTED_HOSTS", "www.review.example.org, .mirror.example.org")
    public = build_config(str(tmp_path), {"BASE_URL": "https://review.example.org"})
    assert public["TRUSTED_HOSTS"] == ["www.review.example.org", ".mirror.example.org", "review.example.org"]
    monkeypatch.delenv("REVIEWAPP_TRUSTED_HOSTS")
    local = build_config(str(tmp_path), {"BASE_URL": "http://127.0.0.1:5000"})
    assert {"127.0.0.1", "localhost"} <= set(local["TRUSTED_HOSTS"])


def test_remember_cookie_lasts_the_configured_days(tmp_path, monkeypatch):
    """Keep "remember me" 30 days by default (not Flask-Login's year); REVIEWAPP_REMEMBER_DAYS sets it."""
    import datetime as dt

    assert build_config(str(tmp_path), {})["REMEMBER_COOKIE_DURATION"] == dt.timedelta(days=30)
    monkeypatch.setenv("REVIEWAPP_REMEMBER_DAYS", "7")
    assert build_config(str(tmp_path), {})["REMEMBER_COOKIE_DURATION"] == dt.timedelta(days=7)


@pytest.mark.parametrize("value, backend", [("", "whoosh"), ("tantivy", "tantivy"),
                                            (" Whoosh ", "whoosh")])
def test_search_backend_from_the_environment(tmp_path, monkeypatch, value, backend):
    monkeypatch.setenv("REVIEWAPP_SEARCH_BACKEND", value)
    assert build_config(str(tmp_path), {"SECRET_KEY": "k"})["SEARCH_BACKEND"] == backend


def test_an_unknown_search_backend_stops_the_start(tmp_path, monkeypatch):
    monkeypatch.setenv("REVIEWAPP_SEARCH_BACKEND", "lucene")
    with pytest.raises(ConfigError, match="REVIEWAPP_SEARCH_BACKEND='lucene'"):
        build_config(str(tmp_path), {"SECRET_KEY": "k"})


def test_the_factory_adds_each_features_commands(app):
    commands = set(app.cli.commands)
    assert {"ranker", "export"} <= commands  # registered from ranking/ and export/
    assert {"import", "demo", "user", "index", "worker", "jobs", "windows"} <= commands


# Built in a fresh interpreter: the site, and a page that ranks nothing, load no scikit-learn
# until something ranks (it was 100 MB of every process: the import command, each worker).
LAZY_RANKER = """
import json, sys
from reviewapp import create_app
app = create_app({"INSTANCE_PATH": sys.argv[1], "BASE_URL": "http://127.0.0.1",
                  "SQLALCHEMY_DATABASE_URI": "sqlite:///" + sys.argv[1] + "/db.sqlite3"})
from reviewapp.extensions import db
with app.app_context():
    db.create_all()
page = app.test_client().get("/").status_code
loaded = "sklearn" in sys.modules
with app.app_context():
    from reviewapp.ranking.model_store import current_ranker
    ranker = current_ranker()
print(json.dumps({"page": page, "before": loaded, "ranker": type(ranker).__name__,
                  "after": "sklearn" in sys.modules}))
"""


def test_the_site_loads_scikit_learn_only_to_rank(tmp_path):
    import json
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", LAZY_RANKER, str(tmp_path)],
                          capture_output=True, text=True, check=True)
    assert json.loads(done.stdout.splitlines()[-1]) == {
        "page": 200, "before": False, "ranker": "HeuristicRanker", "after": True}


def sqlite_app(tmp_path, **settings):
    """Return an app on a SQLite file of its own, with these settings."""
    return create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "instance"),
                       "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'own.sqlite3'}",
                       "SECRET_KEY": "test", **settings})


def test_sqlite_writers_wait_their_turn_in_write_ahead_logging(tmp_path):
    from sqlalchemy import text

    from reviewapp.extensions import db

    with sqlite_app(tmp_path).app_context():
        assert db.session.scalar(text("PRAGMA busy_timeout")) == 30_000
        assert db.session.scalar(text("PRAGMA journal_mode")) == "wal"
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize("busy_seconds, succeeds", [(10, True), (0.05, False)])
def test_a_sqlite_write_waits_for_another_processs_write_up_to_the_busy_timeout(
        tmp_path, busy_seconds, succeeds):
    import sqlite3
    import threading

    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    from reviewapp.extensions import db

    app = sqlite_app(tmp_path, SQLITE_BUSY_TIMEOUT_SECONDS=busy_seconds)
    with app.app_context():
        db.session.execute(text("CREATE TABLE t (n INTEGER)"))
        db.session.commit()
        other = sqlite3.connect(tmp_path / "own.sqlite3", isolation_level=None,
                                check_same_thread=False)
        other.execute("BEGIN IMMEDIATE")  # another process's write, finished 0.5 s later
        other.execute("INSERT INTO t VALUES (1)")
        release = threading.Timer(0.5, other.execute, ["COMMIT"])
        release.start()
        try:
            if succeeds:
                db.session.execute(text("INSERT INTO t VALUES (2)"))
                db.session.commit()
                assert db.session.scalars(text("SELECT n FROM t ORDER BY n")).all() == [1, 2]
            else:
                with pytest.raises(OperationalError, match="locked"):
                    db.session.execute(text("INSERT INTO t VALUES (2)"))
                db.session.rollback()
        finally:
            release.join()
            other.close()
            db.session.remove()
            db.engine.dispose()


def test_postgresql_sessions_hand_times_back_in_utc_whatever_the_zone(migrated_database, tmp_path, monkeypatch):
    from sqlalchemy import text

    from reviewapp.extensions import db

    if not migrated_database.startswith("postgresql"):
        pytest.skip("SQLite stores and hands back naive UTC times")
    monkeypatch.setenv("PGTZ", "Europe/Paris")  # a server or client set to another zone
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "instance"),
                      "SQLALCHEMY_DATABASE_URI": migrated_database, "SECRET_KEY": "test"})
    with app.app_context():
        assert db.session.scalar(text("SHOW TIME ZONE")) == "UTC"
        now = db.session.scalar(text("SELECT now()"))
        assert now.utcoffset().total_seconds() == 0
        db.session.rollback()
        assert db.session.scalar(text("SHOW TIME ZONE")) == "UTC"  # not undone with a transaction
        db.session.remove()
        db.engine.dispose()


def test_sqlite_lower_cases_every_letter_as_postgresql_does(app):
    from sqlalchemy import func, select

    from reviewapp.extensions import db

    assert db.session.scalar(select(func.lower("ÉLODIE Ærø ΣΟΦΙΑ"))) == "élodie ærø σοφια"
    assert db.session.scalar(select(func.lower(None))) is None
