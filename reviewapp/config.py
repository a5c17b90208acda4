"""Configuration: defaults, `REVIEWAPP_*` environment variables and the instance folder."""
from __future__ import annotations

import datetime as dt
import os
import secrets
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

# Environment variable -> config key; anything set here overrides the defaults.
ENV_KEYS = {
    "REVIEWAPP_DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
    "REVIEWAPP_SECRET_KEY": "SECRET_KEY",
    "REVIEWAPP_INDEX_DIR": "INDEX_DIR",
    "REVIEWAPP_SEARCH_BACKEND": "SEARCH_BACKEND",
    "REVIEWAPP_MODEL_DIR": "MODEL_DIR",
    "REVIEWAPP_REDIS_URL": "REDIS_URL",
    "REVIEWAPP_MAIL_SERVER": "MAIL_SERVER",
    "REVIEWAPP_MAIL_PORT": "MAIL_PORT",
    "REVIEWAPP_MAIL_USERNAME": "MAIL_USERNAME",
    "REVIEWAPP_MAIL_PASSWORD": "MAIL_PASSWORD",
    "REVIEWAPP_MAIL_SENDER": "MAIL_SENDER",
    "REVIEWAPP_BASE_URL": "BASE_URL",
    "REVIEWAPP_HUEY_IMMEDIATE": "HUEY_IMMEDIATE",
    "REVIEWAPP_TRUSTED_PROXIES": "TRUSTED_PROXIES",
    "REVIEWAPP_QUEUE_NAME": "QUEUE_NAME",
    "REVIEWAPP_MAIL_TO_LOG": "MAIL_TO_LOG",
    "REVIEWAPP_TRUSTED_HOSTS": "TRUSTED_HOSTS",
    "REVIEWAPP_REMEMBER_DAYS": "REMEMBER_DAYS",
    "REVIEWAPP_IMPORT_DIR": "IMPORT_DIR",
    "REVIEWAPP_IMPORT_MAX_UPLOAD_MB": "IMPORT_MAX_UPLOAD_MB",
    "REVIEWAPP_IMPORT_WORKERS": "IMPORT_WORKERS",
    "REVIEWAPP_JOB_POLL_SECONDS": "JOB_POLL_SECONDS",
    "REVIEWAPP_JOB_RETRY_MAX_SECONDS": "JOB_RETRY_MAX_SECONDS",
    "REVIEWAPP_JOB_LEASE_SECONDS": "JOB_LEASE_SECONDS",
    "REVIEWAPP_SQLITE_BUSY_TIMEOUT_SECONDS": "SQLITE_BUSY_TIMEOUT_SECONDS",
    "REVIEWAPP_PDF_FALLBACK_FONTS": "PDF_FALLBACK_FONTS",
}
SEARCH_BACKENDS = ("whoosh", "tantivy")  # as search.BACKENDS (config imports no search engine)
# Environment values read as on/off rather than as text ("0" is off).
FLAG_KEYS = ("MAIL_TO_LOG", "HUEY_IMMEDIATE")
FLAG_WORDS = {"1": True, "true": True, "yes": True, "on": True,
              "0": False, "false": False, "no": False, "off": False, "": False}
# Numeric settings: key -> (type, smallest value allowed, what the number counts). Converted
# and checked once here, so a typo stops the start with its name instead of failing a page,
# a thread or a command later.
NUMBER_KEYS: dict[str, tuple[type, float, str]] = {
    "MAIL_PORT": (int, 1, "port number"),
    "TRUSTED_PROXIES": (int, 0, "whole number of proxies"),
    "REMEMBER_DAYS": (float, 0.001, "number of days"),
    "IMPORT_MAX_UPLOAD_MB": (float, 0.001, "number of megabytes"),
    "IMPORT_WORKERS": (int, 0, "whole number of processes"),
    "JOB_POLL_SECONDS": (float, 0.001, "number of seconds"),
    "JOB_RETRY_BASE_SECONDS": (float, 0, "number of seconds"),
    "JOB_RETRY_MAX_SECONDS": (float, 0, "number of seconds"),
    "JOB_LEASE_SECONDS": (float, 0.001, "number of seconds"),
    "SQLITE_BUSY_TIMEOUT_SECONDS": (float, 0, "number of seconds"),
}
# A generated key is 64 hex digits; anything much shorter can be guessed offline from a cookie.
MIN_SECRET_KEY_LENGTH = 32

DEFAULTS: dict[str, Any] = {
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    # Redis (the rate-limit store) down: count in each worker's memory meanwhile, rather than
    # failing every rate-limited POST with a 500.
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    "REVIEW_WINDOW_DAYS": 90,  # as in Peer To Patent
    "FORWARDED_TOP_N": 10,
    "ITEMS_PER_PAGE": 20,
    # whoosh (embedded, small sites) or tantivy (production, millions of documents); switching
    # takes `reviewapp index rebuild` (docs/OPERATIONS.md).
    "SEARCH_BACKEND": "whoosh",
    "IMPORT_BATCH_SIZE": 200,
    # Parser processes of an import (None: one per core); files under 8 MB are parsed in-process.
    "IMPORT_WORKERS": None,
    # The server folder /admin/imports offers files from ("" : none), and the upload limit.
    "IMPORT_DIR": "",
    "IMPORT_MAX_UPLOAD_MB": 200,
    # The site takes no uploads: its largest form (a submission, every field at its maximum,
    # 4-byte characters percent-encoded) is about 0.3 MB. More is refused (413) unread.
    "MAX_CONTENT_LENGTH": 1024 * 1024,
    # A form's CSRF token is bound to the session and lasts as long as it does: Flask-WTF's
    # default of an hour refused anything sent from a page left open longer (an explanation
    # written with care, a logout), with nothing of it kept.
    "WTF_CSRF_TIME_LIMIT": None,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "MAIL_PORT": 25,
    "MAIL_SENDER": "reviewapp@localhost",
    "MAIL_TO_LOG": False,  # without SMTP, log whole messages (reset links!) and not just recipients
    "REMEMBER_DAYS": 30,  # "keep me logged in" lasts this long (Flask-Login's default is a year)
    # The job outbox (reviewapp/outbox.py): the worker drains it when woken and every
    # JOB_POLL_SECONDS; a failed job waits BASE, 2 x BASE, 4 x BASE ... up to MAX seconds; on
    # SQLite a drainer holds its jobs for JOB_LEASE_SECONDS (PostgreSQL locks them instead).
    "JOB_POLL_SECONDS": 5,
    "JOB_RETRY_BASE_SECONDS": 2,
    "JOB_RETRY_MAX_SECONDS": 120,
    "JOB_LEASE_SECONDS": 600,
    # SQLite (the default database): how long a write waits for another process's write to
    # finish before it fails. sqlite3's own 5 s is too short for several web workers and a
    # queue worker writing at once on a busy machine (docs/OPERATIONS.md).
    "SQLITE_BUSY_TIMEOUT_SECONDS": 30,
    # Font files (TrueType or OpenType) that draw in the report's PDF what DejaVu Sans lacks,
    # before the CJK fonts found under /usr/share/fonts; in the environment, `:`-separated.
    "PDF_FALLBACK_FONTS": (),
}

# Host names of this machine: trusted when the site runs locally (make run, tests).
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]", "::1")


class ConfigError(RuntimeError):
    """A setting the site cannot run with; the message says which and what to do."""


def instance_path_from_env() -> str | None:
    """Return the instance folder named by `REVIEWAPP_INSTANCE`, made absolute."""
    value = os.environ.get("REVIEWAPP_INSTANCE")
    return str(Path(value).expanduser().resolve()) if value else None


def build_config(instance_path: str, overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    """Return the settings: defaults, then the environment, then explicit overrides."""
    instance = Path(instance_path)
    config: dict[str, Any] = dict(DEFAULTS)
    config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'reviewapp.sqlite3'}"
    config["INDEX_DIR"] = str(instance / "index")
    config["MODEL_DIR"] = str(instance / "models")
    config["HUEY_PATH"] = str(instance / "queue.sqlite3")
    for env, key in ENV_KEYS.items():
        if os.environ.get(env):
            config[key] = os.environ[env]
    config.update(overrides or {})
    for key in FLAG_KEYS:
        config[key] = flag_setting(key, config.get(key))
    for key, (kind, low, unit) in NUMBER_KEYS.items():
        config[key] = number_setting(key, config.get(key), kind, low, unit)
    config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(config["SQLALCHEMY_DATABASE_URI"])
    config["SEARCH_BACKEND"] = str(config["SEARCH_BACKEND"]).strip().lower()
    config["PDF_FALLBACK_FONTS"] = path_list(config.get("PDF_FALLBACK_FONTS"))
    if config["SEARCH_BACKEND"] not in SEARCH_BACKENDS:
        raise ConfigError(f"REVIEWAPP_SEARCH_BACKEND={config['SEARCH_BACKEND']!r}: use one of "
                         f"{', '.join(SEARCH_BACKENDS)}")
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = load_or_create_secret(instance / "secret_key")
    config["BASE_URL"] = check_base_url(config.get("BASE_URL") or "")
    config["TRUSTED_HOSTS"] = trusted_hosts(config)
    config["REMEMBER_COOKIE_DURATION"] = dt.timedelta(days=config["REMEMBER_DAYS"])
    if urlsplit(config["BASE_URL"]).scheme == "https":
        config["SESSION_COOKIE_SECURE"] = True
        config["REMEMBER_COOKIE_SECURE"] = True
    return config


def env_name(key: str) -> str:
    """Return the environment variable that sets config `key`."""
    return next((env for env, name in ENV_KEYS.items() if name == key), key)


def flag_setting(key: str, value: Any) -> bool:
    """Return an on/off setting; ConfigError for a word that is neither."""
    if not isinstance(value, str):
        return bool(value)
    word = value.strip().lower()
    if word not in FLAG_WORDS:
        raise ConfigError(f"{env_name(key)} must be on or off (1/0, true/false, yes/no), "
                          f"got {value!r}.")
    return FLAG_WORDS[word]


def number_setting(key: str, value: Any, kind: type, low: float, unit: str) -> Any:
    """Return a numeric setting as `kind` (None stays None); ConfigError naming it otherwise."""
    if value is None or value == "":
        return None if value is None else DEFAULTS.get(key)
    try:
        number = kind(value.strip() if isinstance(value, str) else value)
        if isinstance(value, float) and kind is int and number != value:
            raise ValueError(value)
    except (TypeError, ValueError, OverflowError):
        number = None
    if number is None or isinstance(value, bool) or not low <= number < float("inf"):
        bound = "greater than 0" if 0 < low < 1 else f"at least {low:g}"
        raise ConfigError(f"{env_name(key)} must be a {unit} {bound}, got {value!r}.")
    return number


def path_list(value: str | Iterable[str] | None) -> list[str]:
    """Return file paths given as a list, or as one string separated as in PATH (`:`)."""
    paths = value.split(os.pathsep) if isinstance(value, str) else list(value or ())
    return [str(path).strip() for path in paths if str(path).strip()]


def check_base_url(url: str) -> str:
    """Return the public URL without a trailing slash; ConfigError unless it is http(s)://host[/path]."""
    url = url.strip().rstrip("/")
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ConfigError(f"REVIEWAPP_BASE_URL must be the site's public address, such as "
                          f"https://review.example.org; got {url!r}.")
    # Lower-case scheme and host, so every "is it https?" test sees what the browser uses.
    userinfo, at, host = parts.netloc.rpartition("@")
    return urlunsplit((parts.scheme, userinfo + at + host.lower(), parts.path, "", ""))


def trusted_hosts(config: Mapping[str, Any]) -> list[str]:
    """Return the host names requests may carry: the base URL's, the configured ones, local ones.

    Werkzeug answers 400 to any other Host header, so that no page or link is built on a host
    an attacker chose. Loopback names are trusted when the site itself runs on one (make run)
    or has no public address (development and tests only: production requires BASE_URL).
    """
    configured = config.get("TRUSTED_HOSTS") or []
    if isinstance(configured, str):
        configured = configured.split(",")
    hosts = [host.strip().lower() for host in configured if host.strip()]
    base_host = urlsplit(config.get("BASE_URL") or "").hostname
    if base_host:
        hosts.append(base_host)
    if not base_host or base_host in LOOPBACK_HOSTS:
        hosts.extend(LOOPBACK_HOSTS)
    server_name = (config.get("SERVER_NAME") or "").rpartition(":")[0] or config.get("SERVER_NAME")
    if server_name:
        hosts.append(server_name)
    return list(dict.fromkeys(hosts))


def require_production_settings(config: Mapping[str, Any], *, debug: bool, testing: bool) -> None:
    """Refuse to run in production without a public URL or with a guessable secret key."""
    if debug or testing:
        return
    if len(str(config.get("SECRET_KEY") or "")) < MIN_SECRET_KEY_LENGTH:
        raise ConfigError(
            f"The secret key is shorter than {MIN_SECRET_KEY_LENGTH} characters: set "
            "REVIEWAPP_SECRET_KEY to a long random value (python -c 'import secrets; "
            "print(secrets.token_hex(32))'), or unset it to use the instance's secret_key file.")
    if not config.get("BASE_URL"):
        raise ConfigError(
            "Set REVIEWAPP_BASE_URL to the site's public address (e.g. https://review.example.org): "
            "password reset and notification links are built from it, never from a request's "
            "Host header. `make run` sets it to http://127.0.0.1:5000 for you.")


def normalise_database_url(url: str) -> str:
    """Use the psycopg 3 driver for plain `postgresql://` URLs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def load_or_create_secret(path: Path) -> str:
    """Return the instance's secret key, creating it (mode 0600) on first run."""
    if not path.exists():
        create_secret(path)
    key = path.read_text().strip()
    if not key:
        raise ConfigError(f"The secret key file {path} is empty: delete it to have a new key "
                          "made (everyone is logged out), or restore it from a backup.")
    return key


def create_secret(path: Path) -> None:
    """Write a new random key to `path` unless another process got there first.

    The key is written in full to a private temporary file, then linked into place: the name
    appears with its whole content, so a worker starting at the same moment never reads it
    half-written or empty, and exactly one of the racing keys wins (os.link refuses to replace).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:  # another process published its key first: everyone uses that
            pass
    finally:
        temporary.unlink(missing_ok=True)
