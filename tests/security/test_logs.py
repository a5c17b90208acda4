"""No password, key, API token or reset token in the logs, through a real server's access log too."""
from __future__ import annotations

import logging
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from reviewapp import PROJECT_ROOT
from reviewapp.auth import services as auth_services
from reviewapp.mail import send_mail
from reviewapp.security import RedactResetTokens
from tests.conftest import serving
from tests.factories import make_application, make_submission, make_user

REGISTERED = "registration password 1"
WRONG = "a wrong password 22"
RESET_TO = "password after reset 333"
EXAMINER = "examiner password 4444"


@pytest.fixture
def live(app):
    """Serve the app on loopback (werkzeug, with its access log); yield the base URL."""
    app.config["SERVER_NAME"] = None
    with serving(app) as url:
        yield url


@pytest.fixture
def reset_tokens(monkeypatch) -> list[str]:
    """Record every reset token made, as the mail's reader would see it."""
    made: list[str] = []

    def recording(user):
        made.append(original(user))
        return made[-1]

    original = auth_services.create_reset_token
    monkeypatch.setattr(auth_services, "create_reset_token", recording)
    return made


@pytest.fixture
def everything_logged(caplog):
    """Capture every record at DEBUG: root, werkzeug's access log, SQLAlchemy's statements."""
    caplog.set_level(logging.DEBUG)
    for name in ("werkzeug", "reviewapp", "sqlalchemy.engine", "flask_limiter"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def all_output(caplog, capfd) -> str:
    """Return the site's records, formatted and raw, with whatever reached stdout and stderr."""
    out, err = capfd.readouterr()
    # urllib3 is this test's own HTTP client, not the site: its debug lines name the URLs it asked.
    ours = [r for r in caplog.records if not r.name.startswith("urllib3")]
    records = "\n".join(f"{caplog.handler.format(r)} {r.msg!r} {r.args!r}" for r in ours)
    return f"{records}\n{out}\n{err}"


def test_no_secret_in_any_log_during_account_and_api_use(app, db, live, reset_tokens, everything_logged,
                                                          capfd):
    """Register, log in (wrong, right), reset the password, make and use an API token; log no secret."""
    application = make_application()
    make_submission(application, make_user())
    examiner = make_user("examiner", email="erin@example.org", password=EXAMINER)
    db.session.commit()
    web = requests.Session()
    post = lambda path, **data: web.post(live + path, data=data, timeout=10)

    assert post("/auth/register", email="ada@example.org", display_name="Ada", password=REGISTERED,
                confirm=REGISTERED).ok
    session_cookie = web.cookies["session"]
    post("/auth/logout")
    assert "Wrong email or password" in post("/auth/login", email="ada@example.org", password=WRONG).text
    assert post("/auth/login", email="ada@example.org", password=REGISTERED).url.endswith("/")
    post("/auth/logout")

    post("/auth/forgot", email="ada@example.org")
    (token,) = reset_tokens
    assert web.get(f"{live}/auth/reset/{token}", timeout=10).status_code == 200
    assert post(f"/auth/reset/{token}", password=RESET_TO, confirm=RESET_TO).url.endswith("/auth/login")
    assert post("/auth/login", email="ada@example.org", password=RESET_TO).url.endswith("/")
    post("/auth/logout")

    post("/auth/login", email=examiner.email, password=EXAMINER)
    page = post("/api/tokens", name="nightly export").text
    secret = re.search(r"opa_[A-Za-z0-9_-]{20,}", page)[0]
    api = f"{live}/api/v1/applications/{application.number}/prior-art"
    assert requests.get(api, headers={"Authorization": f"Bearer {secret}"}, timeout=10).status_code == 200
    wrong_token = "opa_" + "x" * 43
    refused = requests.get(api, headers={"Authorization": f"Bearer {wrong_token}"}, timeout=10)
    assert refused.status_code == 401

    logged = all_output(everything_logged, capfd)
    # The capture works: the requests, the mail and the statements are all in it.
    assert "POST /auth/login" in logged and "/auth/reset/[redacted]" in logged
    assert "Reset your Open Prior Art password" in logged and "ada@example.org" in logged
    assert "INSERT INTO users" in logged
    secrets = {"registration password": REGISTERED, "wrong password": WRONG, "new password": RESET_TO,
               "examiner password": EXAMINER, "SECRET_KEY": app.config["SECRET_KEY"], "API token": secret,
               "wrong API token": wrong_token, "reset token": token, "session cookie": session_cookie,
               "reset token signature": token.rsplit(".", 1)[-1]}
    leaked = [what for what, value in secrets.items() if value in logged]
    assert leaked == []


def test_mail_without_smtp_logs_the_body_only_when_asked(app, caplog, monkeypatch):
    """Log recipient and subject by default; the body with MAIL_TO_LOG or in debug mode."""
    app.config.pop("MAIL_SERVER", None)
    body = "Choose a new password here: https://x/auth/reset/SECRET-TOKEN"
    with caplog.at_level(logging.DEBUG):
        send_mail("ada@example.org", "Reset your password", body)
    assert "ada@example.org" in caplog.text and "Reset your password" in caplog.text
    assert "SECRET-TOKEN" not in caplog.text
    for setting in ({"MAIL_TO_LOG": True}, {"DEBUG": True}):
        caplog.clear()
        monkeypatch.setattr(app, "debug", setting.get("DEBUG", False))
        app.config["MAIL_TO_LOG"] = setting.get("MAIL_TO_LOG", False)
        with caplog.at_level(logging.INFO, logger="reviewapp.mail"):
            send_mail("ada@example.org", "Reset your password", body)
        assert "SECRET-TOKEN" in caplog.text, setting


@pytest.mark.parametrize("value, logged", [("1", True), ("true", True), ("0", False), ("", False)])
def test_mail_to_log_comes_from_the_environment(tmp_path, monkeypatch, value, logged):
    """Read REVIEWAPP_MAIL_TO_LOG as on or off, "0" being off."""
    from reviewapp.config import build_config

    monkeypatch.setenv("REVIEWAPP_MAIL_TO_LOG", value)
    assert build_config(str(tmp_path), {"SECRET_KEY": "k"})["MAIL_TO_LOG"] is logged


def test_access_log_filter_redacts_gunicorn_and_werkzeug_records(app):
    """Blank reset tokens in werkzeug's tuple arguments and gunicorn's atoms (path and referrer)."""
    class Atoms(dict):  # gunicorn's SafeAtoms: a dict subclass whose type must survive
        pass

    token = "eyJ1c2VyIjoxfQ.Zx1y2w.abcDEF-ghi_JKL"
    atoms = Atoms(r=f"GET /auth/reset/{token} HTTP/1.1", U=f"/auth/reset/{token}", s="200",
                  f=f"https://review.example.org/auth/reset/{token}?x=1", a="Mozilla")
    gunicorn = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, "%(r)s %(s)s %(f)s", (), None)
    gunicorn.args = atoms  # LogRecord unwraps a one-dict tuple like this
    werkzeug = logging.LogRecord("werkzeug", logging.INFO, __file__, 1, '%s - - "%s" %s',
                                 ("127.0.0.1", f"POST /auth/reset/{token} HTTP/1.1", "302"), None)
    for record in (gunicorn, werkzeug):
        assert RedactResetTokens().filter(record)
        assert token not in record.getMessage() and "/auth/reset/[redacted]" in record.getMessage()
    assert type(gunicorn.args) is Atoms and gunicorn.args["a"] == "Mozilla"
    assert gunicorn.args["f"] == "https://review.example.org/auth/reset/[redacted]?x=1"
    assert logging.getLogger("werkzeug").filters and logging.getLogger("gunicorn.access").filters


def free_port() -> int:
    """Return a loopback port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_gunicorn_access_log_never_shows_a_reset_token(migrated_database, tmp_path):
    """Serve with gunicorn as serve-prod does: no token in its access log, by path or by referrer."""
    token = "eyJ1c2VyIjo5OX0.Zx1y2w.gunicornSecretTokenPart"
    port = free_port()
    env = os.environ | {"REVIEWAPP_DATABASE_URL": migrated_database, "REVIEWAPP_SECRET_KEY": "k" * 32,
                        "REVIEWAPP_INSTANCE": str(tmp_path / "instance"),
                        "REVIEWAPP_BASE_URL": f"http://127.0.0.1:{port}"}
    gunicorn = Path(sys.executable).parent / "gunicorn"
    server = subprocess.Popen([str(gunicorn), "--workers", "1", "--bind", f"127.0.0.1:{port}",
                               "--access-logfile", "-", "reviewapp:create_app()"],
                              cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                requests.get(base + "/static/site.css", timeout=30)  # the worker imports the app first
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        assert requests.get(f"{base}/auth/reset/{token}", allow_redirects=False, timeout=5).status_code == 302
        css = requests.get(base + "/static/site.css", headers={"Referer": f"{base}/auth/reset/{token}"},
                           timeout=5)
        assert css.status_code == 200
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert "GET /auth/reset/[redacted]" in output and "/static/site.css" in output, output
    assert token not in output and "gunicornSecretTokenPart" not in output
