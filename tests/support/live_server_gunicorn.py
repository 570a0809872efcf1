"""A real gunicorn serving the app on a fresh database of its own, for concurrency tests.

`live_gunicorn` (session-wide) makes the database (a temporary SQLite file, or a uniquely named
PostgreSQL database when DATABASE_URL is postgres), migrates it in a subprocess, starts
`gunicorn config.wsgi` with several workers and DEBUG off, and drops everything afterwards.
Tests take the `live` fixture, build their records through the ORM on the `live` database alias
(`.using("live")`, `db_manager("live")`) and talk to the server over HTTP with
`live.visitor(username, password)`, one logged-in client per simulated browser.
"""

import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager, suppress
from urllib.parse import urlsplit, urlunsplit

import dj_database_url
import httpx
import pytest

from tests.support import ROOT

ALIAS = "live"
WORKERS = 3
THREADS = 2


def free_port():
    """A free local port; BACKCHANNEL_LIVE_PORTS=8200-8299 keeps the server in an allotted range."""
    spec = os.environ.get("BACKCHANNEL_LIVE_PORTS", "")
    if spec:
        low, high = (int(part) for part in spec.split("-"))
        # In a random order: test processes running side by side (xdist) would otherwise all
        # pick the lowest free port, and one's server would answer another's test.
        candidates = random.sample(range(low, high + 1), high - low + 1)
    else:
        candidates = [0]
    for port in candidates:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise RuntimeError(f"No free port in {spec!r}")


def _is_postgres(url):
    return url.startswith(("postgres://", "postgresql://", "pgsql://"))


@contextmanager
def fresh_database(directory):
    """Yield the DATABASE_URL of a new, empty database; remove it afterwards."""
    url = os.environ.get("DATABASE_URL", "")
    if not _is_postgres(url):
        yield f"sqlite:///{directory / 'live.sqlite3'}"
        return
    import psycopg

    name = f"bc_live_{uuid.uuid4().hex[:12]}"
    parts = dj_database_url.parse(url)
    server = {
        "host": parts["HOST"] or None,
        "port": parts["PORT"] or None,
        "user": parts["USER"] or None,
        "password": parts["PASSWORD"] or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    with psycopg.connect(**server) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(urlsplit(url)._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(**server) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Visitor:
    """One browser: its own cookies; logs in through the real login form (CSRF included)."""

    def __init__(self, base_url, cookies=None):
        self.base_url = base_url
        # A new connection per request: a kept-alive one may be closed by gunicorn while the
        # test prepares the race, and a POST on it would fail as "connection reset".
        self.http = httpx.Client(
            base_url=base_url, cookies=cookies, timeout=30, headers={"Connection": "close"}
        )

    def login(self, username, password):
        page = self.http.get("/accounts/login/")
        response = self.http.post(
            "/accounts/login/",
            data={
                "csrfmiddlewaretoken": csrf_token(page.text),
                "username": username,
                "password": password,
            },
        )
        assert response.status_code == 302, f"login failed for {username}: {response.status_code}"
        return self

    def tab(self):
        """Another tab of the same browser: same session, its own connection."""
        return Visitor(self.base_url, cookies=self.http.cookies)

    def get(self, path, **kwargs):
        return self.http.get(path, **kwargs)

    def post(self, path, data):
        """POST a form as the browser would, with the CSRF token the cookie pairs with."""
        return self.http.post(
            path, data={**data, "csrfmiddlewaretoken": self.http.cookies["csrftoken"]}
        )

    def close(self):
        self.http.close()


def csrf_token(html):
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


class LiveGunicorn:
    alias = ALIAS

    def __init__(self, url, database_url):
        self.url = url
        self.database_url = database_url
        self._visitors = []

    def visitor(self, username=None, password=None):
        visitor = Visitor(self.url)
        self._visitors.append(visitor)
        return visitor.login(username, password) if username else visitor

    def close_visitors(self):
        for visitor in self._visitors:
            visitor.close()
        self._visitors.clear()


def _server_env(database_url):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "REDIS_URL", "PYTEST"))
    }
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="tests.support.live_settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="live-gunicorn-tests-only",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECURE_COOKIES="0",
        DJANGO_ALLOW_PLAIN_HTTP="1",
    )
    return env


def _wait_until_answering(url, process, log_path, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited:\n{log_path.read_text()}")
        try:
            if httpx.get(f"{url}/robots.txt", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not answer within {seconds} s:\n{log_path.read_text()}")


def migrate(env):
    """Migrate the database env's DATABASE_URL names, in a process of its own."""
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )


def start_gunicorn(env, log_path, workers=WORKERS, threads=THREADS, attempts=3):
    """Start `gunicorn config.wsgi` on a free port; return (process, url) once it answers.

    It runs in a process group of its own, so one killpg reaches the master and its workers (a
    crash test kills them all at once). It must be our master that listens: two test processes
    may pick the same free port at once, and the other's server would then answer here, so a
    port found taken is given up for another.
    """
    for _ in range(attempts):
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        with open(log_path, "ab") as log:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "config.wsgi",
                    f"--bind=127.0.0.1:{port}",
                    f"--workers={workers}",
                    f"--threads={threads}",
                    "--timeout=60",
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        listening = f"[{process.pid}] [INFO] Listening at: {url} "
        taken = f"[{process.pid}] [ERROR] Connection in use"
        deadline = time.monotonic() + 30
        while process.poll() is None and time.monotonic() < deadline:
            log_text = log_path.read_text(errors="replace")
            if listening in log_text or taken in log_text:
                break
            time.sleep(0.05)
        if listening in log_path.read_text(errors="replace"):
            try:
                _wait_until_answering(url, process, log_path)
            except Exception:
                stop_gunicorn(process, signal.SIGKILL)
                raise
            return process, url
        stop_gunicorn(process, signal.SIGKILL)
    raise RuntimeError(f"gunicorn found no port to listen on:\n{log_path.read_text()}")


def stop_gunicorn(process, sig=signal.SIGTERM):
    """Signal the group start_gunicorn made (its pgid is the master's pid); reap the master."""
    if process.poll() is None:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@contextmanager
def _orm_alias(database_url, alias=ALIAS):
    """Make the live database reachable from this process as connections[alias] ('live')."""
    from django.db import connections

    config = dj_database_url.parse(database_url)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # The app's own SQLite options: wait for the write lock instead of failing.
        config["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    connections.settings[alias] = connections.configure_settings({"default": config})["default"]
    try:
        yield
    finally:
        connections[alias].close()
        del connections[alias]
        del connections.settings[alias]


@pytest.fixture(scope="session")
def live_gunicorn(tmp_path_factory):
    """The server, started once per test session; use it through the `live` fixture."""
    directory = tmp_path_factory.mktemp("live")
    with fresh_database(directory) as database_url:
        env = _server_env(database_url)
        migrate(env)
        process, url = start_gunicorn(env, directory / "gunicorn.log")
        try:
            with _orm_alias(database_url):
                yield LiveGunicorn(url, database_url)
        finally:
            stop_gunicorn(process)


@pytest.fixture
def live(live_gunicorn, django_db_blocker):
    """The live server for one test, with ORM access to its database (alias 'live') meanwhile."""
    with django_db_blocker.unblock():
        yield live_gunicorn
        live_gunicorn.close_visitors()


def make_user(username, password, alias=ALIAS, **fields):
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.db_manager(alias)
        .create_user(username, password=password, **fields)
    )


def make_message(text, external_id=None, alias=ALIAS):
    """A published message on the live database (with the account and thread it needs)."""
    from archive.models import Account, Collection, Message, Person, Thread
    from archive.models.collections import DEFAULT_COLLECTION

    key = external_id or f"live-{uuid.uuid4().hex[:10]}"
    # The field's default finds the collection on the default database, not on `alias`.
    collection, _ = Collection.objects.using(alias).get_or_create(
        external_id=DEFAULT_COLLECTION, defaults={"title": "The live server's collection"}
    )
    person = Person.objects.using(alias).create(external_id=f"{key}-p", name=f"Person {key}")
    account = Account.objects.using(alias).create(
        external_id=f"{key}-a", person=person, platform="twitter", handle=f"@{key}"
    )
    thread = Thread.objects.using(alias).create(
        external_id=f"{key}-t", title=f"Thread {key}", collection=collection
    )
    return Message.objects.using(alias).create(
        external_id=key,
        thread=thread,
        position=1,
        sender=account,
        channel="direct_message",
        text=text,
        text_status="verbatim",
        date_earliest="2016-10-03",
        date_latest="2016-10-03",
    )
