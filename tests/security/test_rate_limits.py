"""Rate limits on the sensitive POSTs: per endpoint, friendly 429, shared between workers via Redis.

The account lockout after repeated failed logins is covered over HTTP by
tests/auth/test_views.py::test_failures_persist_and_lock_after_five (and its neighbours).
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from sqlalchemy.exc import OperationalError

from reviewapp import PROJECT_ROOT, create_app
from reviewapp.extensions import db as _db
from reviewapp.indexing import rebuild_index
from reviewapp.searchpage.services import SearchUnavailable
from reviewapp.security import (
    LIMITER_RETRY_AFTER,
    RATE_LIMITS,
    RETRY_AFTER_UNAVAILABLE,
    SEARCH_RATE_LIMITS,
)
from tests.conftest import base_config, empty_tables

from .conftest import build_world
from .routes import ROUTES, allowed_role, path_of

REDIS_URI = "redis://127.0.0.1:6379/15"


def per_minute(rule: str) -> int:
    """Return the per-minute number of a limit such as "10 per minute; 100 per hour"."""
    return int(re.search(r"(\d+) per minute", rule)[1])


def limited_app(database_url: str, tmp_path, storage: str):
    """Return an app with rate limiting on, counting in `storage`."""
    limits = {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": storage}
    return create_app(base_config(tmp_path, database_url) | limits)


@pytest.fixture
def app(migrated_database, tmp_path):
    """Return the test app with rate limiting on and an in-memory store."""
    app = limited_app(migrated_database, tmp_path, "memory://")
    with app.app_context():
        yield app
        _db.session.remove()
        empty_tables()
        _db.engine.dispose()


def test_every_limited_endpoint_exists_and_takes_posts(app):
    """Name only real POST endpoints in RATE_LIMITS, with a per-minute limit each."""
    posts = {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods}
    assert set(RATE_LIMITS) - posts == set()
    assert {"auth.login", "auth.register", "auth.forgot_password", "auth.reset_password", "priorart.submit",
            "community.vote", "community.add_comment"} <= set(RATE_LIMITS)
    assert all(per_minute(rule) > 0 for rule in RATE_LIMITS.values())


@pytest.mark.parametrize("endpoint", sorted(RATE_LIMITS))
def test_limited_endpoint_answers_429_after_its_limit(app, client, auth, endpoint, monkeypatch):
    """Let `limit` POSTs through, refuse the next with the friendly 429 page; GETs and others pass."""
    monkeypatch.setitem(app.extensions["tasks"], "rescore", lambda application_id: None)
    world = build_world()
    route = ROUTES[(endpoint, "POST")]
    role = allowed_role(endpoint, "POST")
    if world.user(role) is not None:
        auth.login(world.user(role))
    path = path_of(app, endpoint, route.url_values(world))
    limit = per_minute(RATE_LIMITS[endpoint])
    for attempt in range(limit):
        response = client.post(path, data=route.form(world))
        assert response.status_code != 429, f"{endpoint}: refused at attempt {attempt + 1} of {limit}"
    refused = client.post(path, data=route.form(world))
    assert refused.status_code == 429, endpoint
    page = refused.get_data(as_text=True)
    assert "429 Too Many Requests" in page and "Back to the applications" in page
    assert "<html" in page and "text/html" in refused.content_type
    assert int(refused.headers["Retry-After"]) > 0
    # Counted per client address, and on POSTs only.
    other_address = client.post(path, data=route.form(world), environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other_address.status_code != 429
    if (endpoint, "GET") in ROUTES:
        assert client.get(path).status_code in (200, 302)


@pytest.mark.parametrize("endpoint, path", [("searchpage.search_page", "/search?q=coil"),
                                            ("searchpage.search_api", "/api/v1/search?q=coil")])
def test_searches_are_limited_per_client(app, client, endpoint, path):
    """Let a client search `limit` times a minute, then answer 429 (JSON from the API)."""
    limit = per_minute(SEARCH_RATE_LIMITS[endpoint])
    for attempt in range(limit):
        assert client.get(path).status_code != 429, f"{endpoint}: refused at attempt {attempt + 1}"
    refused = client.get(path)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    if path.startswith("/api/"):
        assert refused.is_json and "error" in refused.get_json()
    else:
        assert "429 Too Many Requests" in refused.get_data(as_text=True)
    assert client.get(path, environ_base={"REMOTE_ADDR": "192.0.2.8"}).status_code != 429


@pytest.mark.parametrize("endpoint", sorted(SEARCH_RATE_LIMITS))
def test_heads_count_as_searches_and_are_refused_past_the_limit(app, client, endpoint):
    """Count a HEAD as the GET whose view it runs in full: HEADs spend the limit and get 429 past it."""
    world = build_world()
    path = path_of(app, endpoint, ROUTES[(endpoint, "GET")].url_values(world)) + "?q=coil"
    limit = per_minute(SEARCH_RATE_LIMITS[endpoint])
    for attempt in range(limit):
        assert client.head(path).status_code != 429, f"{endpoint}: HEAD refused at attempt {attempt + 1}"
    assert client.get(path).status_code == 429  # the HEADs were counted
    refused = client.head(path)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert client.head(path, environ_base={"REMOTE_ADDR": "192.0.2.9"}).status_code != 429


def search_paths(app, world) -> dict[str, str]:
    """Return a searching URL of each limited search endpoint."""
    return {endpoint: path_of(app, endpoint, ROUTES[(endpoint, "GET")].url_values(world)) + "?q=coil"
            for endpoint in SEARCH_RATE_LIMITS}


def test_only_a_refused_search_carries_the_limiters_retry_after(app, client):
    """An answered search shows the allowance left, and no Retry-After: only a 429 says to wait."""
    world = build_world()
    rebuild_index()
    for endpoint, path in search_paths(app, world).items():
        answered = client.get(path)
        assert answered.status_code == 200, endpoint
        assert "Retry-After" not in answered.headers and LIMITER_RETRY_AFTER not in answered.headers
        limit = per_minute(SEARCH_RATE_LIMITS[endpoint])
        assert answered.headers["X-RateLimit-Limit"] == str(limit)
        assert answered.headers["X-RateLimit-Remaining"] == str(limit - 1)
        for _ in range(limit - 1):
            client.get(path)
        refused = client.get(path)
        assert refused.status_code == 429 and LIMITER_RETRY_AFTER not in refused.headers
        assert 0 < int(refused.headers["Retry-After"]) <= 60, endpoint


def test_a_search_503_says_when_to_retry_as_every_503(app, client, monkeypatch):
    """The limiter leaves a 503's Retry-After alone: the index missing, or the database down."""
    world = build_world()

    def no_index(*args, **kwargs):
        raise SearchUnavailable("The search index has not been built yet.")

    monkeypatch.setattr("reviewapp.searchpage.views.search_documents", no_index)
    monkeypatch.setattr("reviewapp.searchpage.views.find_similar", no_index)
    for endpoint, path in search_paths(app, world).items():
        response = client.get(path)
        assert response.status_code == 503, endpoint
        assert response.headers.get_all("Retry-After") == [RETRY_AFTER_UNAVAILABLE], endpoint

    def outage(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr("reviewapp.searchpage.views.search_documents", outage)
    monkeypatch.setattr("reviewapp.api.views.list_applications", outage)
    for path in ("/api/v1/search?q=coil", "/search?q=coil", "/api/v1/applications"):
        response = client.get(path)
        assert response.status_code == 503, path
        assert response.headers.get_all("Retry-After") == [RETRY_AFTER_UNAVAILABLE], path


# --- shared between workers -----------------------------------------------------------------

OTHER_WORKER = """
import json, sys
from reviewapp import create_app
config = json.loads(sys.argv[1])
app = create_app(config)
response = app.test_client().post("/auth/forgot", data={"email": "nobody@example.org"})
print(response.status_code)
"""


def redis_client():
    """Return a client of the test Redis database, or skip (fail under CI) when it is down."""
    import redis

    client = redis.Redis.from_url(REDIS_URI, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        message = f"Redis at {REDIS_URI} is unreachable ({error}): start redis-server to test shared limits"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return client


def forget_counters(client) -> None:
    """Delete the rate-limit counters in the test Redis database."""
    for key in client.scan_iter("LIMITS*"):
        client.delete(key)


def second_worker_status(config: dict) -> int:
    """Return what a separate process (another worker) answers to one more reset request."""
    result = subprocess.run([sys.executable, "-c", OTHER_WORKER, json.dumps(config)], cwd=PROJECT_ROOT,
                            capture_output=True, text=True, timeout=120, check=True)
    return int(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("storage, shared", [(REDIS_URI, True), ("memory://", False)])
def test_workers_share_counters_through_the_configured_store(migrated_database, tmp_path, storage, shared):
    """Spend the reset limit in this process; another process is refused only when they share Redis."""
    redis = redis_client()
    forget_counters(redis)
    config = base_config(tmp_path, migrated_database) | {"RATELIMIT_ENABLED": True,
                                                         "RATELIMIT_STORAGE_URI": storage}
    app = create_app(config)
    try:
        client = app.test_client()
        with app.app_context():
            for _ in range(per_minute(RATE_LIMITS["auth.forgot_password"])):
                assert client.post("/auth/forgot", data={"email": "nobody@example.org"}).status_code == 302
            assert client.post("/auth/forgot", data={"email": "nobody@example.org"}).status_code == 429
            _db.engine.dispose()
        assert bool(list(redis.scan_iter("LIMITS*"))) == shared
        assert second_worker_status(config) == (429 if shared else 302)
    finally:
        forget_counters(redis)


def test_redis_url_is_the_default_store(migrated_database, tmp_path, monkeypatch):
    """Count in REVIEWAPP_REDIS_URL when no other store is named, as serve-prod configures it."""
    monkeypatch.delenv("REVIEWAPP_REDIS_URL", raising=False)
    app = create_app(base_config(tmp_path, migrated_database) | {"REDIS_URL": REDIS_URI})
    assert app.config["RATELIMIT_STORAGE_URI"] == REDIS_URI
    assert create_app(base_config(tmp_path, migrated_database)).config["RATELIMIT_STORAGE_URI"] == "memory://"
    production = create_app({"INSTANCE_PATH": str(tmp_path / "prod"), "SECRET_KEY": "x" * 32,
                             "SQLALCHEMY_DATABASE_URI": migrated_database,
                             "BASE_URL": "https://review.example.org"})
    assert production.config["RATELIMIT_ENABLED"] is True
