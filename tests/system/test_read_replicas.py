"""Read replicas against a real PostgreSQL hot standby, as the README's "Deploying" runs them.

The test starts its own primary cluster (initdb, on a free local port) and a hot standby of it
made with `pg_basebackup -R` (streaming replication, on another port), migrates the primary,
and serves it with gunicorn with `DATABASE_REPLICA_URLS` naming the standby. Pausing the
standby's WAL replay (`pg_wal_replay_pause()`) makes the lag visible, so each check can tell
which database answered:

- a reader who is not signed in is served by the standby (a note written meanwhile is not on
  their page until replay resumes);
- a signed-in researcher is served by the primary (their note is there at once);
- a browser that just wrote (here: wrote a note, then signed out) reads from the primary for
  BACKCHANNEL_READ_YOUR_WRITES_SECONDS, then from the standby again;
- every write lands (the standby is read-only: a write routed to it would fail);
- with the standby stopped, readers are served by the primary, and /healthz says so.

Replicas are a PostgreSQL deployment, so this runs in the PostgreSQL pass of the suite.
"""

import os
import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import psycopg
import pytest

from tests.support.annotation_helpers import note_form_data
from tests.support.live_server_gunicorn import (
    Visitor,
    _is_postgres,
    _orm_alias,
    _server_env,
    free_port,
    make_message,
    make_user,
    migrate,
    start_gunicorn,
    stop_gunicorn,
)

pytestmark = [pytest.mark.concurrency, pytest.mark.system]

PASSWORD = "pw-replicas-123"
ALIAS = "replicas_primary"
READ_YOUR_WRITES_SECONDS = 3
RETRY_SECONDS = 2


def _postgres_tools():
    """The directory holding initdb, pg_ctl and pg_basebackup, or None."""
    candidates = [Path(p).parent for p in filter(None, [shutil.which("pg_ctl")])]
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for directory in candidates:
        if all((directory / tool).exists() for tool in ("initdb", "pg_ctl", "pg_basebackup")):
            return directory
    return None


def _as_cluster_owner(args):
    """PostgreSQL refuses to run as root: run its tools as the postgres user then."""
    return ["runuser", "-u", "postgres", "--", *map(str, args)] if os.geteuid() == 0 else args


class Cluster:
    def __init__(self, tools, directory, port):
        self.tools, self.directory, self.port = tools, directory, port

    def run(self, tool, *args):
        subprocess.run(
            _as_cluster_owner([self.tools / tool, *args]),
            check=True,
            capture_output=True,
            timeout=120,
        )

    def configure(self, socket_directory):
        with open(self.directory / "postgresql.conf", "a") as conf:
            # Later lines win: a standby copied from the primary gets its own port here.
            conf.write(
                f"\nport = {self.port}\nlisten_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{socket_directory}'\nfsync = off\n"
            )

    def start(self):
        self.run("pg_ctl", "-D", self.directory, "-l", f"{self.directory}.log", "-w", "start")

    def stop(self):
        subprocess.run(
            _as_cluster_owner(
                [self.tools / "pg_ctl", "-D", self.directory, "-m", "immediate", "-w", "stop"]
            ),
            capture_output=True,
            timeout=60,
        )

    def url(self, database="backchannel"):
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def connect(self):
        return psycopg.connect(self.url(), autocommit=True)


@pytest.fixture(scope="module")
def primary_and_standby():
    if not _is_postgres(os.environ.get("DATABASE_URL", "")):
        pytest.skip("read replicas are a PostgreSQL deployment: this runs in the PostgreSQL pass")
    tools = _postgres_tools()
    if tools is None:
        pytest.skip("PostgreSQL's initdb, pg_ctl and pg_basebackup are not installed")
    base = Path(tempfile.mkdtemp(prefix="bc-replicas-"))
    base.chmod(0o755)
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
    primary = Cluster(tools, base / "primary", free_port())
    standby = Cluster(tools, base / "standby", free_port())
    try:
        primary.run("initdb", "-D", primary.directory, "-A", "trust", "-U", "postgres", "-N")
        primary.configure(base)
        with open(primary.directory / "pg_hba.conf", "a") as hba:
            hba.write("\nhost replication all 127.0.0.1/32 trust\n")
        primary.start()
        with psycopg.connect(primary.url("postgres"), autocommit=True) as admin:
            admin.execute("CREATE DATABASE backchannel")
        # The standby: a base backup of the running primary, -R writing its streaming settings.
        primary.run(
            "pg_basebackup",
            *("-h", "127.0.0.1", "-p", primary.port, "-U", "postgres"),
            *("-D", standby.directory, "-R", "-X", "stream", "-c", "fast", "-N"),
        )
        standby.configure(base)
        standby.start()
        with standby.connect() as connection:
            assert connection.execute("SELECT pg_is_in_recovery()").fetchone()[0] is True
        yield primary, standby
    finally:
        standby.stop()
        primary.stop()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def site(primary_and_standby, tmp_path_factory, django_db_blocker):
    """gunicorn on the primary, with the standby as its replica."""
    primary, standby = primary_and_standby
    directory = tmp_path_factory.mktemp("replicas")
    env = {
        **_server_env(primary.url()),
        "DATABASE_REPLICA_URLS": standby.url(),
        "BACKCHANNEL_READ_YOUR_WRITES_SECONDS": str(READ_YOUR_WRITES_SECONDS),
        "BACKCHANNEL_REPLICA_RETRY_SECONDS": str(RETRY_SECONDS),
    }
    migrate(env)
    log_path = directory / "gunicorn.log"
    process, url = start_gunicorn(env, log_path, workers=2, threads=1)
    try:
        with django_db_blocker.unblock(), _orm_alias(primary.url(), ALIAS):
            yield Site(url, primary, standby, log_path)
    finally:
        stop_gunicorn(process)


class Site:
    def __init__(self, url, primary, standby, log_path):
        self.url, self.primary, self.standby, self.log_path = url, primary, standby, log_path

    def caught_up(self, seconds=30):
        """Wait until the standby has replayed everything the primary has written."""
        with self.primary.connect() as connection:
            target = connection.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
        deadline = time.monotonic() + seconds
        with self.standby.connect() as connection:
            while time.monotonic() < deadline:
                done = connection.execute(
                    "SELECT pg_wal_lsn_diff(pg_last_wal_replay_lsn(), %s) >= 0", [target]
                ).fetchone()[0]
                if done:
                    return
                time.sleep(0.05)
        raise AssertionError(f"the standby did not replay up to {target} in {seconds} s")

    def pause_replay(self):
        with self.standby.connect() as connection:
            connection.execute("SELECT pg_wal_replay_pause()")

    def resume_replay(self):
        with self.standby.connect() as connection:
            connection.execute("SELECT pg_wal_replay_resume()")

    def researcher(self):
        user = make_user(f"r-{uuid.uuid4().hex[:8]}", PASSWORD, alias=ALIAS)
        return Visitor(self.url).login(user.username, PASSWORD)

    def message(self):
        message = make_message(
            f"A message read from a replica {uuid.uuid4().hex[:6]}.", alias=ALIAS
        )
        self.caught_up()
        return message, f"/messages/{message.external_id}/"

    def anonymous_page(self, path):
        page = Visitor(self.url).get(path)
        assert page.status_code == 200, page.status_code
        return page.text

    def no_server_errors(self):
        log = self.log_path.read_text()
        assert '"status": 5' not in log, log


def write_note(researcher, message, body):
    saved = researcher.post(f"/messages/{message.external_id}/annotate/", note_form_data(body=body))
    assert saved.status_code == 302, saved.status_code


def test_anonymous_readers_are_served_by_the_standby_and_researchers_by_the_primary(site):
    message, path = site.message()
    assert message.text in site.anonymous_page(path)  # the standby has the message
    researcher = site.researcher()
    body = f"Written while the standby is paused {uuid.uuid4().hex[:6]}"
    site.pause_replay()
    try:
        write_note(researcher, message, body)
        # The researcher's own page comes from the primary: the note is there at once.
        assert body in researcher.get(path).text
        # Readers who are not signed in are served by the paused standby: not yet there, in
        # every one of several page views (both gunicorn workers).
        assert all(body not in site.anonymous_page(path) for _ in range(6))
        # A failed sign-in (a write: axes records it) is still answered, by the primary.
        visitor = Visitor(site.url)
        visitor.get("/accounts/login/")
        refused = visitor.post("/accounts/login/", {"username": "nobody", "password": "wrong"})
        assert refused.status_code == 200
    finally:
        site.resume_replay()
    site.caught_up()
    assert body in site.anonymous_page(path)
    site.no_server_errors()


def test_a_browser_that_just_wrote_reads_from_the_primary_for_a_few_seconds(site):
    message, path = site.message()
    researcher = site.researcher()
    body = f"Written just before signing out {uuid.uuid4().hex[:6]}"
    site.pause_replay()
    try:
        write_note(researcher, message, body)
        signed_out = researcher.post("/accounts/logout/", {})
        assert signed_out.status_code == 302
        assert "sessionid" not in researcher.http.cookies  # a reader who is not signed in now…
        assert body in researcher.get(path).text  # …who still sees what they just wrote
        assert body not in site.anonymous_page(path)  # while others read the standby
        time.sleep(READ_YOUR_WRITES_SECONDS + 0.5)
        # The few seconds are over: the same browser reads from the (still paused) standby.
        assert body not in researcher.get(path).text
    finally:
        site.resume_replay()
    site.caught_up()
    assert body in researcher.get(path).text
    site.no_server_errors()


def test_with_the_standby_stopped_readers_are_served_by_the_primary(site):
    message, path = site.message()
    researcher = site.researcher()
    site.standby.stop()
    try:
        body = f"Written with the standby down {uuid.uuid4().hex[:6]}"
        write_note(researcher, message, body)
        # Several views, so that each gunicorn worker finds its kept connection dead.
        assert all(body in site.anonymous_page(path) for _ in range(6))
        health = Visitor(site.url).get("/healthz")
        assert health.status_code == 200
        assert health.json()["replicas"]["replica_1"].startswith("failed")
    finally:
        site.standby.start()
    site.caught_up()
    # Once the pause is over, the standby serves readers again.
    time.sleep(RETRY_SECONDS + 0.5)
    site.pause_replay()
    try:
        later = f"Written after the standby came back {uuid.uuid4().hex[:6]}"
        write_note(researcher, message, later)
        assert all(later not in site.anonymous_page(path) for _ in range(6))
    finally:
        site.resume_replay()
    site.no_server_errors()
