"""Helpers of the fault tests: scratch PostgreSQL databases, real servers, a cuttable TCP proxy.

Everything listens on and connects to 127.0.0.1 only. Every wait is bounded.
"""
from __future__ import annotations

import os
import re
import selectors
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from reviewapp.config import normalise_database_url

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".venv" / "bin"
IN_CI = os.environ.get("CI") == "true"
CSRF = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')
FLASH = re.compile(r'class="flash flash-(\w+)" role="status">([^<]*)<')


def unavailable(message: str) -> None:
    """Skip outside CI; fail in CI, where every service must be there."""
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def executable(name: str) -> str:
    """Return the venv's copy of a console script, else the one on PATH."""
    path = BIN / name
    return str(path) if path.exists() else name


# --- PostgreSQL and Redis --------------------------------------------------------------------

def postgres_server_url() -> sa.URL:
    """Return the PostgreSQL server the fault tests use (its `postgres` database)."""
    configured = os.environ.get("REVIEWAPP_TEST_DATABASE_URL", "")
    if configured.startswith("postgres"):
        url = make_url(normalise_database_url(configured))
    else:
        url = make_url(normalise_database_url(
            os.environ.get("REVIEWAPP_FAULTS_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")))
    return url.set(database="postgres")


def require_postgres() -> sa.URL:
    """Return the server URL, or skip (fail in CI) when it cannot be reached."""
    url = postgres_server_url()
    try:
        engine = sa.create_engine(url, connect_args={"connect_timeout": 5})
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
        engine.dispose()
    except sa.exc.OperationalError as error:
        unavailable(f"PostgreSQL unreachable at {url.render_as_string(hide_password=True)}: {error.orig}")
    return url


def require_redis() -> str:
    """Return the Redis URL the fault tests use, or skip (fail in CI) when unreachable."""
    import redis

    url = os.environ.get("REVIEWAPP_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=5)
        client.ping()
        client.close()
    except redis.RedisError as error:
        unavailable(f"Redis unreachable at {url}: {error}")
    return url


@contextmanager
def scratch_database(server: sa.URL) -> Iterator[str]:
    """Create an empty database for one test; drop it afterwards. Yields its URL."""
    name = f"reviewapp_faults_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def migrate(app) -> None:
    """Build the schema through the Alembic migrations."""
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()


def app_config(tmp_path: Path, database_url: str, **overrides) -> dict:
    """Settings of an in-process app on a scratch database (production-like: not TESTING)."""
    config = {
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "fault-tests-secret-key-long-enough-for-production",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "HUEY_IMMEDIATE": True,
        "RATELIMIT_ENABLED": False,
        "WTF_CSRF_ENABLED": False,
        "SERVER_NAME": "localhost.test",
        "BASE_URL": "http://localhost.test",
    }
    config.update(overrides)
    return config


# --- processes -------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(database_url: str, instance: Path, **extra: str) -> dict[str, str]:
    """Return the environment of a production-like process on this database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("REVIEWAPP_")}
    env.update(REVIEWAPP_DATABASE_URL=database_url, REVIEWAPP_INSTANCE=str(instance),
               REVIEWAPP_SECRET_KEY="fault-tests-secret-key-long-enough-for-production", REVIEWAPP_BASE_URL="http://127.0.0.1",
               PYTHONUNBUFFERED="1")
    env.update(extra)
    return env


def run_cli(env: dict, *args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    """Run a `reviewapp` command in its own process."""
    return subprocess.run([executable("reviewapp"), *args], check=False, env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)


class Gunicorn:
    """gunicorn serving `reviewapp:create_app()` on a free loopback port, in its own session."""

    def __init__(self, env: dict, log_path: Path, workers: int = 1, access_log_format: str | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        args = [executable("gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{self.port}",
                "--timeout", "120", "--graceful-timeout", "5", "--access-logfile", "-"]
        if access_log_format:
            args += ["--access-logformat", access_log_format]
        if "--no-control-socket" in subprocess.run([executable("gunicorn"), "--help"], check=False, capture_output=True,
                                                   text=True, timeout=60).stdout:
            args.append("--no-control-socket")
        with open(log_path, "ab") as log:
            self.process = subprocess.Popen([*args, "reviewapp:create_app()"], env=env, cwd=ROOT,
                                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn exited with {self.process.returncode}:\n{self.log()}")
            try:
                if requests.get(self.url + "/", timeout=10).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise AssertionError(f"gunicorn not ready within {timeout:.0f} s:\n{self.log()}")

    def worker_pids(self) -> list[int]:
        """Return the pids of the master's worker processes."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


class QueueWorker:
    """`reviewapp worker`: the index writer, in its own session."""

    def __init__(self, env: dict, log_path: Path) -> None:
        with open(log_path, "ab") as log:
            self.process = subprocess.Popen([executable("reviewapp"), "worker"], env=env, cwd=ROOT, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)  # Huey: finish the running job, then exit
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


def wait_until(predicate, timeout: float, interval: float = 0.2, message: str = "condition"):
    """Poll `predicate` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {message}")
        time.sleep(interval)


# --- a browser -------------------------------------------------------------------------------

class Browser:
    """A requests session that fills forms as a browser would (CSRF token, redirects)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.http = requests.Session()

    def close(self) -> None:
        self.http.close()

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.http.get(self.base_url + path, timeout=60, **kwargs)

    def post(self, path: str, data: dict, *, form_page: str | None = None, **kwargs) -> requests.Response:
        """POST `data` with the CSRF token of `form_page` (default: `path`), not following redirects."""
        page = self.get(form_page or path)
        match = CSRF.search(page.text)
        assert match, f"no CSRF token on {form_page or path} ({page.status_code})"
        return self.http.post(self.base_url + path, data={"csrf_token": match[1], **data}, timeout=60,
                              allow_redirects=False, **kwargs)

    def login(self, email: str, password: str) -> None:
        response = self.post("/auth/login", {"email": email, "password": password})
        assert response.status_code == 302, f"login refused: {response.status_code}"


def flashes(html: str) -> list[str]:
    import html as html_module

    return [html_module.unescape(text) for _, text in FLASH.findall(html)]


# --- a TCP proxy that can be cut ------------------------------------------------------------

class TcpProxy:
    """Forward 127.0.0.1:<port> to a target; `cut()` drops every connection and refuses new ones.

    A thread accepts and pumps bytes with a selector. `cut()` closes the listening socket and
    every open connection (the app sees its database connections die, then connections refused);
    `restore()` listens again on the same port.
    """

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self.lock = threading.Lock()
        self.listener: socket.socket | None = None
        self.pairs: dict[socket.socket, socket.socket] = {}
        self.selector = selectors.DefaultSelector()
        self.stopping = False
        self.wakeup_r, self.wakeup_w = socket.socketpair()
        self.selector.register(self.wakeup_r, selectors.EVENT_READ, "wakeup")
        self.thread = threading.Thread(target=self._run, name="tcp-proxy", daemon=True)
        self.restore()
        self.thread.start()

    def _wake(self) -> None:
        try:
            self.wakeup_w.send(b"x")
        except OSError:
            pass

    def restore(self) -> None:
        with self.lock:
            if self.listener is not None:
                return
            listener = socket.socket()
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(("127.0.0.1", self.port))
            listener.listen(64)
            listener.setblocking(False)
            self.listener = listener
            self.selector.register(listener, selectors.EVENT_READ, "accept")
        self._wake()

    def cut(self) -> None:
        with self.lock:
            if self.listener is not None:
                self.selector.unregister(self.listener)
                self.listener.close()
                self.listener = None
            for sock in list(self.pairs):
                self._drop(sock)
        self._wake()

    def close(self) -> None:
        self.cut()
        self.stopping = True
        self._wake()
        self.thread.join(timeout=10)
        self.selector.close()
        self.wakeup_r.close()
        self.wakeup_w.close()

    def _drop(self, sock: socket.socket) -> None:
        """Close a connection and its other end (call with the lock held)."""
        other = self.pairs.pop(sock, None)
        for s in (sock, other):
            if s is None:
                continue
            self.pairs.pop(s, None)
            try:
                self.selector.unregister(s)
            except (KeyError, ValueError):
                pass
            try:
                # RST rather than FIN: as when a host or a network path dies.
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            except OSError:
                pass
            s.close()

    def _run(self) -> None:
        while not self.stopping:
            for key, _ in self.selector.select(timeout=0.5):
                with self.lock:
                    if key.data == "wakeup":
                        self.wakeup_r.recv(4096)
                    elif key.data == "accept":
                        if self.listener is None:
                            continue
                        try:
                            client, _ = self.listener.accept()
                        except OSError:
                            continue
                        try:
                            upstream = socket.create_connection(self.target, timeout=5)
                        except OSError:
                            client.close()
                            continue
                        for s in (client, upstream):
                            s.setblocking(False)
                        self.pairs[client], self.pairs[upstream] = upstream, client
                        self.selector.register(client, selectors.EVENT_READ, "pump")
                        self.selector.register(upstream, selectors.EVENT_READ, "pump")
                    elif key.fileobj in self.pairs:
                        sock = key.fileobj
                        try:
                            data = sock.recv(65536)
                        except (BlockingIOError, InterruptedError):
                            continue
                        except OSError:
                            data = b""
                        if not data:
                            self._drop(sock)
                            continue
                        try:
                            self.pairs[sock].settimeout(5)
                            self.pairs[sock].sendall(data)
                            self.pairs[sock].setblocking(False)
                        except OSError:
                            self._drop(sock)


def python() -> str:
    return sys.executable
