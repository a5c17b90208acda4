"""Load test of the production setup: gunicorn + PostgreSQL + Redis + the queue worker.

    .venv/bin/python bench/load.py --users 50 --duration 60 --max-requests 20000

Everything stays on loopback. Without ``--url`` it prepares a scratch database (created
afresh, migrated, demo loaded and indexed: ``load_test`` by default; ``--keep-data`` runs on
what earlier runs left), then starts
``scripts/serve-prod`` (4 gunicorn workers and the one queue worker, Redis for the queue and
the rate limits) on a free port and stops it afterwards. With ``--url`` it drives a server
already running on that database (start it with ``REVIEWAPP_TRUSTED_PROXIES=1``, see below).

Simulated volunteers (one thread and one HTTP session each, ramped up over ``--ramp``
seconds) log in through the form, then until the time or request budget runs out pick, with
a think time between clicks: the home page, an application page, a search (or "documents like
this claim"), a prior-art submission (a US number unique to the run, user and attempt, dated
before the application's priority date), a vote on someone else's submission, or a tag on an
application (which re-indexes it). One submission and one vote in ten are double-clicked:
the same form posted twice at once, which must still store exactly one row.

The default think time, 1-3 s between clicks (mean 2 s, as Locust's ``between(1, 3)``), is a
fast reader: a volunteer reading claims or an examiner reading a claim chart takes far longer
per page. With ``--think 1`` the fifty users ask for about 58 requests a second, more than
this machine's two cores serve with the server, PostgreSQL, the queue worker and this
driver sharing them: latency is then queueing, and grows with every extra user.

Rate limits stay on (Redis-backed), as in production. Each simulated user sends its own
``X-Forwarded-For`` address and the server trusts one proxy (``REVIEWAPP_TRUSTED_PROXIES=1``),
as behind the reverse proxy of a real deployment: every user then has their own quota, as
fifty people at fifty addresses would, instead of all sharing 127.0.0.1's.

Afterwards it checks the database against what the clients were told: every submission and
vote acknowledged is stored exactly once (and nothing the run did not acknowledge was
stored), every tag link is there; then it waits for the worker to drain the queue and runs
``reviewapp index check`` (exit 0 expected). It prints a table per route: requests, errors,
p50/p95/p99/max latency, and the throughput and load average. Exit status 1 when any
request failed, any check failed, or a page/search p95 is over the target.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import requests

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"
DEFAULT_DATABASE = "postgresql://postgres@127.0.0.1:5432/load_test"
DEFAULT_REDIS = "redis://127.0.0.1:6379/11"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
TARGET_P95_MS = 300.0
# Routes the p95 target applies to: pages and searches (not logins, which hash a password
# on purpose, nor form posts).
TARGET_ROUTES = ("GET /", "GET /applications/<n>", "GET /search", "GET /applications/<n>/claims/<c>/similar",
                 "GET /applications/<n>/submit", "GET /submissions/<id>", "GET /applications/<n>/discussion")
ACTIONS = {"home": 20, "application": 30, "search": 20, "similar": 5, "submit": 10, "vote": 10, "tag": 5}
PASSWORD = "load-test-password"
CSRF = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')
FLASH = re.compile(r'class="flash flash-(\w+)" role="status">([^<]*)<')


class Stop(Exception):
    """The run's time or request budget is spent."""


class Failed(Exception):
    """A request failed (already recorded); the simulated user moves on."""


# --- bookkeeping -------------------------------------------------------------------------------

@dataclass
class RouteStats:
    latencies: list[float] = field(default_factory=list)
    finished: list[float] = field(default_factory=list)  # monotonic time each request ended
    statuses: Counter = field(default_factory=Counter)
    errors: int = 0


class Recorder:
    """Thread-safe latencies, statuses and errors per route, and the request budget."""

    def __init__(self, max_requests: int, deadline: float) -> None:
        self.lock = threading.Lock()
        self.routes: dict[str, RouteStats] = defaultdict(RouteStats)
        self.samples: list[str] = []
        self.max_requests = max_requests
        self.deadline = deadline
        self.sent = 0
        self.start = self.end = time.monotonic()

    def take(self) -> None:
        """Count one more request, or raise Stop when the budget is spent."""
        with self.lock:
            if self.sent >= self.max_requests or time.monotonic() >= self.deadline:
                raise Stop
            self.sent += 1

    def record(self, route: str, seconds: float, status: int | None, ok: bool, detail: str = "") -> None:
        with self.lock:
            stats = self.routes[route]
            stats.latencies.append(seconds)
            stats.finished.append(time.monotonic())
            stats.statuses[status if status is not None else "exc"] += 1
            self.end = time.monotonic()
            if not ok:
                stats.errors += 1
                if len(self.samples) < 30:
                    self.samples.append(f"{route}: {status}: {detail}"[:300])

    def error(self, route: str, detail: str) -> None:
        """Count a logical error on a request already recorded (e.g. an unexpected refusal)."""
        with self.lock:
            self.routes[route].errors += 1
            if len(self.samples) < 30:
                self.samples.append(f"{route}: {detail}"[:300])


@dataclass
class Ledger:
    """What the clients were told succeeded, to compare with the database afterwards."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    submissions: list[dict] = field(default_factory=list)  # id, application_id, user_id, key
    votes: dict[tuple[int, int], int] = field(default_factory=dict)  # (user, submission) -> value
    tags: set[tuple[int, str]] = field(default_factory=set)  # (application id, tag)
    double_submits: int = 0
    double_votes: int = 0


@dataclass
class AppInfo:
    id: int
    number: str
    open: bool
    priority: dt.date | None
    claims: list[int]


@dataclass
class Target:
    """A submission users may vote on."""

    id: int
    application: AppInfo
    submitter_id: int


@dataclass
class World:
    """What the users act on, shared by all user threads."""

    base_url: str
    run: int
    applications: list[AppInfo]
    open_applications: list[AppInfo]
    terms: list[str]
    targets: list[Target]
    users: list[tuple[int, str]]  # (id, email)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add_target(self, target: Target) -> None:
        with self.lock:
            self.targets.append(target)

    def pick_target(self, user_id: int, voted: set[int]) -> Target | None:
        with self.lock:
            candidates = [t for t in self.targets if t.submitter_id != user_id and t.id not in voted]
        return random.choice(candidates) if candidates else None


# --- one simulated user ------------------------------------------------------------------------

class User:
    """A volunteer with a browser session: logs in, browses, searches, submits, votes, tags."""

    def __init__(self, index: int, user_id: int, email: str, world: World, recorder: Recorder,
                 ledger: Ledger, think: float, seed: int) -> None:
        self.index, self.id, self.email = index, user_id, email
        self.world, self.recorder, self.ledger = world, recorder, ledger
        self.think = think
        self.random = random.Random(seed)
        self.http = self.new_session()
        self.seq = 0
        self.voted: set[int] = set()
        self.spare: requests.Session | None = None

    def new_session(self) -> requests.Session:
        http = requests.Session()
        # The reverse proxy this user is behind would add this (REVIEWAPP_TRUSTED_PROXIES=1).
        http.headers["X-Forwarded-For"] = f"10.77.{self.index // 250}.{self.index % 250 + 1}"
        http.headers["User-Agent"] = "reviewapp-load/1"
        return http

    # -- HTTP --

    def request(self, route: str, method: str, path: str, expect: tuple[int, ...] = (200,),
                http: requests.Session | None = None, **kwargs) -> requests.Response:
        self.recorder.take()
        started = time.perf_counter()
        try:
            response = (http or self.http).request(method, self.world.base_url + path, timeout=30,
                                                   allow_redirects=False, **kwargs)
        except requests.RequestException as error:
            self.recorder.record(route, time.perf_counter() - started, None, False, repr(error))
            raise Failed from error
        elapsed = time.perf_counter() - started
        ok = response.status_code in expect
        self.recorder.record(route, elapsed, response.status_code, ok,
                             "" if ok else response.text[:200].replace("\n", " "))
        if not ok:
            raise Failed
        return response

    def follow(self, response: requests.Response, route: str,
               http: requests.Session | None = None) -> requests.Response:
        """GET where a redirect points, as the browser would."""
        location = response.headers["Location"]
        path = urlsplit(location)._replace(scheme="", netloc="").geturl()
        try:
            return self.request(route, "GET", path, http=http)
        finally:
            if self.spare is not None:
                self.spare.close()
                self.spare = None

    def pause(self) -> None:
        time.sleep(self.think * self.random.uniform(0.5, 1.5))

    # -- actions --

    def login(self) -> None:
        page = self.request("GET /auth/login", "GET", "/auth/login")
        response = self.request("POST /auth/login", "POST", "/auth/login", expect=(302,), data={
            "csrf_token": csrf(page.text), "email": self.email, "password": PASSWORD})
        self.follow(response, "GET /")

    def home(self) -> None:
        query = self.random.choice(["", "", "?status=", "?page=2", "?view=closing-soon", "?view=needs-reviewers"])
        self.request("GET /", "GET", "/" + query)

    def application(self) -> None:
        application = self.random.choice(self.world.applications)
        self.request("GET /applications/<n>", "GET", f"/applications/{application.number}")

    def search(self) -> None:
        terms = self.random.sample(self.world.terms, k=self.random.choice([1, 1, 2]))
        params = {"q": " ".join(terms)}
        if self.random.random() < 0.3:
            params["status"] = "open"
        if self.random.random() < 0.2:
            params["before"] = "2023-01-01"
        self.request("GET /search", "GET", "/search", params=params)

    def similar(self) -> None:
        application = self.random.choice(self.world.applications)
        claim = self.random.choice(application.claims)
        self.request("GET /applications/<n>/claims/<c>/similar", "GET",
                     f"/applications/{application.number}/claims/{claim}/similar")

    def submit(self) -> None:
        application = self.random.choice(self.world.open_applications)
        page = self.request("GET /applications/<n>/submit", "GET", f"/applications/{application.number}/submit")
        self.seq += 1
        number = f"{self.world.run}{self.index:02d}{self.seq:03d}"  # 8 digits: a US grant number
        key = f"US{number}"
        published = application.priority - dt.timedelta(days=self.random.randint(200, 4000))
        claims = sorted(self.random.sample(application.claims, k=min(2, len(application.claims))))
        data = {
            "csrf_token": csrf(page.text), "kind": "us",
            "identifier": f"US {number[:2]},{number[2:5]},{number[5:]} B2",
            "title": f"Load test document {number}", "authors": f"Load User {self.index}",
            "publication_date": published.isoformat(), "url": "", "pinpoint": "col. 3, l. 10-40",
            "excerpt": "A coolant loop circulates glycol through the pack.",
            "claims": [str(c) for c in claims],
            "explanation": f"Discloses every step of claims {', '.join(map(str, claims))} before the priority date.",
            "conflict": "none", "conflict_statement": "",
        }
        path = f"/applications/{application.number}/submit"
        if self.random.random() < 0.1:
            pairs = self.double_post("POST /applications/<n>/submit", path, data)
            with self.ledger.lock:
                self.ledger.double_submits += 1
            statuses = [r.status_code for r, _ in pairs]
            refused = [r for r, _ in pairs if r.status_code == 200]
            if statuses != [302, 200] or "already submitted" not in refused[0].text:
                self.recorder.error("POST /applications/<n>/submit", f"double submit of {key}: statuses {statuses}")
                if statuses[0] != 302:
                    return
            response, http = pairs[0]
        else:
            response, http = self.request("POST /applications/<n>/submit", "POST", path, expect=(302,),
                                          data=data), None
        match = re.search(r"/submissions/(\d+)$", response.headers.get("Location", ""))
        if not match:
            self.recorder.error("POST /applications/<n>/submit", f"redirected to {response.headers.get('Location')}")
            return
        submission_id = int(match[1])
        with self.ledger.lock:
            self.ledger.submissions.append({"id": submission_id, "application_id": application.id,
                                            "user_id": self.id, "key": key})
        self.world.add_target(Target(submission_id, application, self.id))
        detail = self.follow(response, "GET /submissions/<id>", http)
        if not any("submitted" in message for _, message in flashes(detail.text)):
            self.recorder.error("GET /submissions/<id>", f"no confirmation after submitting {key}")

    def vote(self) -> None:
        target = self.world.pick_target(self.id, self.voted)
        if target is None:
            return self.application()
        number = target.application.number
        page = self.request("GET /applications/<n>", "GET", f"/applications/{number}")
        value = self.random.choice(["up", "down"])
        data = {"csrf_token": csrf(page.text), "value": value, "next": f"/applications/{number}"}
        path = f"/submissions/{target.id}/vote"
        self.voted.add(target.id)
        if self.random.random() < 0.1:
            pairs = self.double_post("POST /submissions/<id>/vote", path, data)
            with self.ledger.lock:
                self.ledger.double_votes += 1
            if [r.status_code for r, _ in pairs] != [302, 302]:
                self.recorder.error("POST /submissions/<id>/vote", f"double vote: {[r.status_code for r, _ in pairs]}")
                return
            response, http = pairs[0]
        else:
            response, http = self.request("POST /submissions/<id>/vote", "POST", path, expect=(302,),
                                          data=data), None
        # The confirmation (or the refusal) is flashed on the page the vote redirects to.
        shown = self.follow(response, "GET /applications/<n>", http)
        messages = [m for _, m in flashes(shown.text)]
        if any(f"Your vote ({value}) is counted." in m for m in messages):
            with self.ledger.lock:
                self.ledger.votes[(self.id, target.id)] = 1 if value == "up" else -1
        else:
            self.recorder.error("POST /submissions/<id>/vote", f"vote on {target.id} not counted: {messages}")

    def tag(self) -> None:
        application = self.random.choice(self.world.applications)
        name = f"load-{self.world.run}-{self.random.randrange(5)}"
        page = self.request("GET /applications/<n>/discussion", "GET", f"/applications/{application.number}/discussion")
        response = self.request("POST /applications/<n>/tags", "POST", f"/applications/{application.number}/tags",
                                expect=(302,), data={"csrf_token": csrf(page.text), "name": name})
        shown = self.follow(response, "GET /applications/<n>/discussion")
        if any(f"Tagged {name}." in m for _, m in flashes(shown.text)):
            with self.ledger.lock:
                self.ledger.tags.add((application.id, name))
        else:
            self.recorder.error("POST /applications/<n>/tags", f"tag not confirmed: {flashes(shown.text)}")

    def double_post(self, route: str, path: str, data: dict) -> list[tuple[requests.Response, requests.Session]]:
        """Post the same form twice at once (a double click), from the same login session.

        Returns (response, session) pairs, the redirects first: what a redirect flashes is in
        the cookie of the session that received it.
        """
        sessions = [self.http, self.new_session()]
        sessions[1].cookies.update(self.http.cookies)
        results: list[requests.Response | None] = [None, None]

        def post(i: int) -> None:
            try:
                results[i] = self.request(route, "POST", path, expect=(200, 302), data=data, http=sessions[i])
            except (Failed, Stop):
                pass

        threads = [threading.Thread(target=post, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if None in results:
            sessions[1].close()
            raise Failed
        pairs = sorted(zip(results, sessions), key=lambda pair: -pair[0].status_code)
        self.spare = sessions[1]  # closed after the follow-up request
        return pairs

    def run(self, start_delay: float) -> None:
        time.sleep(start_delay)
        actions, weights = zip(*ACTIONS.items())
        try:
            while True:
                try:
                    self.login()
                    break
                except Failed:
                    self.pause()
            while True:
                self.pause()
                action = self.random.choices(actions, weights)[0]
                try:
                    getattr(self, action)()
                except Failed:
                    pass
        except Stop:
            pass
        finally:
            self.http.close()
            if self.spare is not None:
                self.spare.close()


def csrf(html: str) -> str:
    match = CSRF.search(html)
    return match[1] if match else ""


def flashes(html: str) -> list[tuple[str, str]]:
    import html as html_module

    return [(kind, html_module.unescape(text)) for kind, text in FLASH.findall(html)]


# --- setup, server, checks ------------------------------------------------------------------

def require_loopback(url: str, what: str) -> None:
    host = urlsplit(url).hostname or ""
    if host not in LOOPBACK:
        sys.exit(f"{what} {url}: this load test only talks to loopback addresses.")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cli(env: dict, *args: str, check: bool = True, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run a `reviewapp` command."""
    result = subprocess.run([str(BIN / "reviewapp"), *args], check=False, env=env, cwd=ROOT, capture_output=True,
                            text=True, timeout=timeout)
    if check and result.returncode != 0:
        sys.exit(f"reviewapp {' '.join(args)} failed ({result.returncode}):\n{result.stdout}{result.stderr}")
    return result


def services_reachable(database_url: str, redis_url: str) -> str | None:
    """Return why PostgreSQL or Redis cannot be used, or None."""
    import redis
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    from reviewapp.config import normalise_database_url

    url = make_url(normalise_database_url(database_url))
    try:
        engine = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT",
                                  connect_args={"connect_timeout": 5})
        with engine.connect() as connection:
            if not connection.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": url.database}):
                connection.execute(sa.text(f'CREATE DATABASE "{url.database}"'))
                print(f"created database {url.database}")
        engine.dispose()
    except sa.exc.OperationalError as error:
        return f"PostgreSQL unreachable at {url.render_as_string(hide_password=True)}: {error.orig}"
    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=5).ping()
    except redis.RedisError as error:
        return f"Redis unreachable at {redis_url}: {error}"
    return None


def reset_scratch(database_url: str, instance: Path) -> None:
    """Drop the scratch database and its search index (only a load_test* database)."""
    import shutil

    import sqlalchemy as sa

    from reviewapp.config import normalise_database_url

    url = sa.engine.make_url(normalise_database_url(database_url))
    if url.get_backend_name() != "postgresql" or not (url.database or "").startswith("load_test"):
        sys.exit(f"refusing to reset {url.database!r}: only a load_test* PostgreSQL database is "
                 "scratch (use --keep-data to run on it as it is)")
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()
    shutil.rmtree(instance / "index", ignore_errors=True)


def prepare_database(env: dict) -> None:
    """Migrate; on an empty database load the demo and build the index."""
    cli(env, "db", "upgrade")
    import sqlalchemy as sa

    from reviewapp.config import normalise_database_url

    engine = sa.create_engine(normalise_database_url(env["REVIEWAPP_DATABASE_URL"]))
    with engine.connect() as connection:
        applications = connection.scalar(sa.text("SELECT count(*) FROM applications"))
    engine.dispose()
    if not applications:
        print("loading the demo data...")
        cli(env, "demo")
    # Start from an index that matches the database, so that the final check means something.
    if cli(env, "index", "check", check=False).returncode != 0:
        print("rebuilding the search index...")
        cli(env, "index", "rebuild")


def make_app(env: dict):
    os.environ.update(env)
    from reviewapp import create_app

    return create_app({"HUEY_IMMEDIATE": False})


def create_accounts(app, users: int) -> list[tuple[int, str]]:
    """Create (once) the load accounts load-NN@example.test; return (id, email) of each."""
    from reviewapp.auth.services import find_user, register_user
    from reviewapp.extensions import db

    accounts = []
    with app.app_context():
        for n in range(users):
            email = f"load-{n:02d}@example.test"
            user = find_user(db.session, email) or register_user(
                db.session, email=email, display_name=f"Load user {n:02d}", password=PASSWORD)
            db.session.commit()
            accounts.append((user.id, email))
    return accounts


def load_world(app, base_url: str, accounts: list[tuple[int, str]]) -> World:
    """Read applications, search terms and votable submissions; choose an unused run number."""
    import sqlalchemy as sa

    from reviewapp.extensions import db
    from reviewapp.models import Application, Document, Submission
    from reviewapp.models.base import utcnow

    with app.app_context():
        now = utcnow()
        applications = []
        for application in db.session.scalars(sa.select(Application).order_by(Application.id)):
            document = application.document
            applications.append(AppInfo(application.id, document.publication_number, application.is_open(now),
                                        document.priority_date or document.filing_date,
                                        [c.number for c in document.claims]))
        open_ = [a for a in applications if a.open and a.priority and a.claims]
        if not open_:
            sys.exit("No application is open for review: run `reviewapp demo --reset` on the load database.")
        by_id = {a.id: a for a in open_}
        targets = [Target(s.id, by_id[s.application_id], s.submitter_id) for s in db.session.scalars(
            sa.select(Submission).where(Submission.status == "active", Submission.application_id.in_(by_id)))]
        words = Counter()
        for title in db.session.scalars(sa.select(Document.title)):
            words.update(w for w in re.findall(r"[a-z]{5,}", (title or "").lower()))
        terms = [w for w, _ in words.most_common(60)]
        while True:
            run = random.randint(100, 999)
            taken = db.session.scalar(sa.select(sa.func.count()).select_from(Submission)
                                      .where(Submission.identifier.startswith(f"US{run}")))
            if not taken:
                break
    return World(base_url, run, applications, open_, terms, targets, accounts)


def start_server(env: dict, port: int, workers: int, log_path: Path) -> subprocess.Popen:
    env = dict(env, BIND=f"127.0.0.1:{port}", WORKERS=str(workers), REVIEWAPP_TRUSTED_PROXIES="1",
               REVIEWAPP_BASE_URL=f"http://127.0.0.1:{port}")
    log = open(log_path, "w")  # noqa: SIM115 (the server writes to it until stop() closes it)
    process = subprocess.Popen([str(ROOT / "scripts" / "serve-prod")], env=env, cwd=ROOT, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    log.close()
    return process


def wait_ready(base_url: str, process: subprocess.Popen | None, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            sys.exit(f"serve-prod exited with {process.returncode} (see its log)")
        try:
            if requests.get(base_url + "/", timeout=10).status_code == 200:
                # Warm every worker (imports, first connections) before measuring.
                for _ in range(16):
                    requests.get(base_url + "/", timeout=30)
                return
        except requests.RequestException:
            pass
        time.sleep(1)
    sys.exit(f"{base_url} did not answer within {timeout:.0f} s")


def stop_server(process: subprocess.Popen) -> None:
    """Stop serve-prod and everything it started (its own process group)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def verify_database(app, world: World, ledger: Ledger) -> list[str]:
    """Return every disagreement between the acknowledgements and the database."""
    import sqlalchemy as sa

    from reviewapp.extensions import db

    problems = []
    with app.app_context():
        connection = db.session.connection()
        rows = connection.execute(sa.text(
            "SELECT id, application_id, submitter_id, identifier FROM submissions WHERE identifier LIKE :p"),
            {"p": f"US{world.run}%"}).all()
        by_key = defaultdict(list)
        for row in rows:
            by_key[(row.application_id, row.identifier)].append(row)
        acknowledged = set()
        for item in ledger.submissions:
            found = by_key.get((item["application_id"], item["key"]), [])
            acknowledged.add((item["application_id"], item["key"]))
            if len(found) != 1:
                problems.append(f"submission {item['key']} on application {item['application_id']}: {len(found)} rows")
            elif (found[0].id, found[0].submitter_id) != (item["id"], item["user_id"]):
                problems.append(f"submission {item['key']}: stored as {found[0]}, acknowledged as {item}")
        for key, found in by_key.items():
            if key not in acknowledged:
                problems.append(f"submission {key} stored but never acknowledged to its client")
        ids = [item["id"] for item in ledger.submissions] or [0]
        extra = connection.execute(sa.text(
            "SELECT (SELECT count(*) FROM submission_revisions WHERE submission_id = ANY(:ids)),"
            " (SELECT count(*) FROM endorsements WHERE submission_id = ANY(:ids))"), {"ids": ids}).one()
        if any(extra):
            problems.append(f"new submissions have revisions/endorsements: {tuple(extra)}")
        user_ids = [uid for uid, _ in world.users]
        votes = defaultdict(list)
        for row in connection.execute(sa.text(
                "SELECT user_id, submission_id, value FROM votes WHERE user_id = ANY(:u)"), {"u": user_ids}):
            votes[(row.user_id, row.submission_id)].append(row.value)
        for key, value in ledger.votes.items():
            if votes.get(key) != [value]:
                problems.append(f"vote {key}: acknowledged {value}, stored {votes.get(key)}")
        for application_id, name in ledger.tags:
            count = connection.scalar(sa.text(
                "SELECT count(*) FROM application_tags JOIN tags ON tags.id = application_tags.tag_id"
                " WHERE application_id = :a AND tags.name = :n"), {"a": application_id, "n": name})
            if count != 1:
                problems.append(f"tag {name} on application {application_id}: {count} links")
        db.session.rollback()
    return problems


def wait_for_index(app, timeout: float) -> tuple[bool, float, str]:
    """Poll the index against the database until it matches (the worker drained the queue)."""
    from reviewapp.indexing import check_index

    started = time.monotonic()
    report = None
    with app.app_context():
        while time.monotonic() - started < timeout:
            report = check_index()
            if not (report.missing or report.stale or report.extra):
                return True, time.monotonic() - started, ""
            time.sleep(2)
    return False, time.monotonic() - started, (f"{len(report.missing)} missing, {len(report.stale)} stale, "
                                                f"{len(report.extra)} extra" if report else "")


class CpuMeter:
    """CPU seconds used by the server's processes, PostgreSQL's backends and this driver."""

    TICK = os.sysconf("SC_CLK_TCK")

    def __init__(self, server_group: int | None, database: str) -> None:
        self.server_group, self.database = server_group, database

    def sample(self) -> dict[str, float]:
        web = worker = postgres = 0.0
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2:].split()
            cpu = (int(fields[11]) + int(fields[12])) / self.TICK
            if self.server_group is not None and int(fields[2]) == self.server_group:
                if "reviewapp worker" in cmdline:
                    worker += cpu
                elif "gunicorn" in cmdline:
                    web += cpu
            elif cmdline.startswith("postgres: ") and f" {self.database} " in cmdline:
                postgres += cpu
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return {"gunicorn": web, "queue worker": worker, "postgres": postgres,
                "driver": usage.ru_utime + usage.ru_stime}

    @staticmethod
    def delta(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
        return {key: after[key] - before[key] for key in before}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    rank = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def report(recorder: Recorder, elapsed: float, since: float | None = None) -> tuple[str, list[str]]:
    """Return the per-route table (only requests that ended after `since`, if given) and the misses."""
    lines = [f"{'route':<44}{'n':>7}{'err':>5}{'req/s':>8}{'p50':>8}{'p95':>8}{'p99':>8}{'max':>8}  (ms)"]
    missed = []
    total = errors = 0
    if since is not None:
        elapsed = max(recorder.end - since, 1e-6)
    for route in sorted(recorder.routes):
        stats = recorder.routes[route]
        ms = [s * 1000 for s, end in zip(stats.latencies, stats.finished) if since is None or end >= since]
        n = len(ms)
        if not n:
            continue
        total += n
        errors += stats.errors if since is None else 0
        p95 = percentile(ms, 95)
        flag = ""
        if route in TARGET_ROUTES and p95 > TARGET_P95_MS:
            flag = "  > target"
            missed.append(f"{route} p95 {p95:.0f} ms")
        lines.append(f"{route:<44}{n:>7}{stats.errors if since is None else '':>5}{n / elapsed:>8.1f}"
                     f"{percentile(ms, 50):>8.0f}{p95:>8.0f}{percentile(ms, 99):>8.0f}{max(ms, default=0):>8.0f}{flag}")
    lines.append(f"{'all':<44}{total:>7}{errors if since is None else '':>5}{total / elapsed:>8.1f}")
    if since is not None:
        return "\n".join(lines), missed
    statuses = Counter()
    for stats in recorder.routes.values():
        statuses.update(stats.statuses)
    lines.append("statuses: " + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items(), key=str)))
    return "\n".join(lines), missed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=50, help="simulated users (at most 99)")
    parser.add_argument("--duration", type=float, default=60, help="seconds of load after the ramp-up starts")
    parser.add_argument("--max-requests", type=int, default=20000, help="stop after this many requests")
    parser.add_argument("--think", type=float, default=2.0,
                        help="mean seconds between a user's clicks (each pause is 0.5-1.5 times it)")
    parser.add_argument("--ramp", type=float, default=10, help="seconds over which users arrive")
    parser.add_argument("--warmup", type=float, default=5,
                        help="seconds after the ramp-up before the steady-state table starts")
    parser.add_argument("--url", help="drive this running server instead of starting serve-prod")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers when starting the server")
    parser.add_argument("--database-url", default=os.environ.get("LOAD_DATABASE_URL", DEFAULT_DATABASE))
    parser.add_argument("--redis-url", default=os.environ.get("LOAD_REDIS_URL", DEFAULT_REDIS))
    parser.add_argument("--instance", default=str(ROOT / "bench" / "out" / "load-instance"),
                        help="instance folder (index, secret key) shared with the server")
    parser.add_argument("--keep-data", action="store_true",
                        help="run on what earlier runs left in the scratch database (by default each run "
                             "starts from the demo data, so that runs compare: every run adds ~200 "
                             "submissions, and application pages grow with them)")
    parser.add_argument("--index-timeout", type=float, default=180, help="seconds to wait for the queue to drain")
    parser.add_argument("--json", dest="json_path", help="also write the figures to this file")
    args = parser.parse_args(argv)
    if not 1 <= args.users <= 99:
        parser.error("--users must be 1 to 99")
    require_loopback(args.database_url, "database")
    require_loopback(args.redis_url, "Redis")
    if args.url:
        require_loopback(args.url, "server")

    sys.path.insert(0, str(ROOT))
    problem = services_reachable(args.database_url, args.redis_url)
    if problem:
        print(f"SKIPPED: {problem}")
        return 0
    instance = Path(args.instance).resolve()
    instance.mkdir(parents=True, exist_ok=True)
    # The backend serve-prod uses (tantivy unless set): the load driver's own rebuild must match.
    env = dict(os.environ, REVIEWAPP_DATABASE_URL=args.database_url, REVIEWAPP_REDIS_URL=args.redis_url,
               REVIEWAPP_INSTANCE=str(instance),
               REVIEWAPP_SEARCH_BACKEND=os.environ.get("REVIEWAPP_SEARCH_BACKEND", "tantivy"))
    env.setdefault("REVIEWAPP_BASE_URL", "http://127.0.0.1")  # production refuses to start without one
    env.pop("REVIEWAPP_HUEY_IMMEDIATE", None)
    if not args.keep_data and not args.url:
        reset_scratch(args.database_url, instance)
    prepare_database(env)
    app = make_app(env)
    accounts = create_accounts(app, args.users)

    process = None
    if args.url:
        base_url = args.url.rstrip("/")
    else:
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        log_path = instance.parent / "serve-prod.log"
        print(f"starting scripts/serve-prod on {base_url} ({args.workers} workers; log {log_path})")
        process = start_server(env, port, args.workers, log_path)
    try:
        wait_ready(base_url, process)
        world = load_world(app, base_url, accounts)
        load_before = os.getloadavg()
        print(f"run {world.run}: {args.users} users, {args.duration:.0f} s or {args.max_requests} requests, "
              f"think {args.think} s, {len(world.open_applications)} open applications; "
              f"load average {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}")
        meter = CpuMeter(process.pid if process is not None else None,
                         urlsplit(args.database_url).path.lstrip("/"))
        cpu_before = meter.sample()
        recorder = Recorder(args.max_requests, time.monotonic() + args.duration)
        ledger = Ledger()
        users = [User(n, uid, email, world, recorder, ledger, args.think, seed=world.run * 1000 + n)
                 for n, (uid, email) in enumerate(accounts)]
        threads = [threading.Thread(target=u.run, args=(args.ramp * n / args.users,), daemon=True)
                   for n, u in enumerate(users)]
        recorder.start = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:  # every request has a 30 s timeout: bounded
            thread.join(timeout=max(0.0, recorder.deadline - time.monotonic()) + 65)
        elapsed = max(recorder.end - recorder.start, 1e-6)
        cpu = CpuMeter.delta(cpu_before, meter.sample())
        load_after = os.getloadavg()
        table, missed = report(recorder, elapsed)
        print(table)
        # Arrivals and their logins (a password hash each, on purpose slow) load the start.
        steady_from = recorder.start + args.ramp + args.warmup
        if recorder.end - steady_from > 10:
            steady, _ = report(recorder, elapsed, since=steady_from)
            print(f"steady state, after the ramp-up and {args.warmup:.0f} s (requests ending from "
                  f"t={args.ramp + args.warmup:.0f} s):")
            print(steady)
        print(f"elapsed {elapsed:.1f} s; load average after {load_after[0]:.2f} {load_after[1]:.2f} "
              f"{load_after[2]:.2f} ({os.cpu_count()} CPUs)")
        print("CPU seconds: " + ", ".join(
            f"{name} {seconds:.1f} ({seconds / elapsed:.2f} cores, {seconds / max(recorder.sent, 1) * 1000:.1f} ms/request)"
            for name, seconds in cpu.items() if process is not None or name in ("postgres", "driver")))
        print(f"acknowledged: {len(ledger.submissions)} submissions ({ledger.double_submits} double-clicked), "
              f"{len(ledger.votes)} votes ({ledger.double_votes} double-clicked), {len(ledger.tags)} tags")
        for sample in recorder.samples[:10]:
            print("  error:", sample)

        problems = verify_database(app, world, ledger)
        print(f"database check: {'OK, every acknowledged write stored exactly once' if not problems else 'FAILED'}")
        for line in problems[:20]:
            print("  ", line)
        drained, waited, detail = wait_for_index(app, args.index_timeout)
        print(f"index caught up after {waited:.1f} s" if drained else f"index NOT caught up after {waited:.0f} s: {detail}")
        check = cli(env, "index", "check", check=False)
        print(f"reviewapp index check: exit {check.returncode}: {check.stdout.strip().splitlines()[0] if check.stdout else check.stderr[-300:]}")
    finally:
        if process is not None:
            stop_server(process)
    errors = sum(s.errors for s in recorder.routes.values())
    if args.json_path:
        Path(args.json_path).write_text(json.dumps({
            "users": args.users, "elapsed": elapsed, "requests": recorder.sent, "errors": errors,
            "load_average": [load_before, load_after], "cpu_seconds": cpu, "problems": problems, "index_check": check.returncode,
            "routes": {r: {"n": len(s.latencies), "errors": s.errors, "statuses": dict(s.statuses),
                           **{f"p{p}": percentile(s.latencies, p) * 1000 for p in (50, 95, 99)}}
                       for r, s in recorder.routes.items()},
        }, indent=2, default=str))
    failed = bool(errors or problems or check.returncode or missed)
    print("RESULT:", "FAIL" if failed else "PASS", "; ".join(missed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
