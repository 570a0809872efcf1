"""Read replicas (ops/replicas.py): which database each request reads from.

In this process a "replica" is a second connection to the test database (what Django's TEST
MIRROR makes of one), so the real pages run with their queries counted per connection. The real
hot standby, with replay paused to show the lag, is tests/system/test_read_replicas.py.
"""

import json
import os
import subprocess
import sys
import time
from contextlib import contextmanager

import pytest
from django.core.exceptions import MiddlewareNotUsed
from django.db import DEFAULT_DB_ALIAS, connections, router
from django.http import HttpResponse, StreamingHttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from archive.models import Message
from lib.caching import cached_figures
from ops import replicas
from ops.replicas import RECENT_WRITE_COOKIE, ReplicaReadsMiddleware, reading_from
from tests.ops.test_error_pages_and_logs import request_log  # noqa: F401, F811
from tests.support import ROOT
from tests.support.live_server_gunicorn import free_port, make_message, make_user

REPLICA = "replica_1"
ROUTERS = ["ops.replicas.ReplicaRouter"]


@pytest.fixture(autouse=True)
def _forget_unavailable_replicas():
    replicas._unavailable_until.clear()
    yield
    replicas._unavailable_until.clear()


@contextmanager
def database_alias(alias, settings_dict):
    connections.settings[alias] = connections.configure_settings({"default": settings_dict})[
        "default"
    ]
    try:
        yield
    finally:
        connections[alias].close()
        del connections[alias]
        del connections.settings[alias]


def mirror_of_the_test_database():
    return {**connections[DEFAULT_DB_ALIAS].settings_dict, "TEST": {"MIRROR": "default"}}


def unreachable_postgres():
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "nowhere",
        "USER": "postgres",
        "HOST": "127.0.0.1",
        "PORT": str(free_port()),  # nothing listens there
        "OPTIONS": {"connect_timeout": 2},
    }


@pytest.fixture
def one_replica(settings, django_db_blocker):
    """replica_1 configured and routed to, as DATABASE_REPLICA_URLS would make it."""
    settings.DATABASE_REPLICAS = [REPLICA]
    settings.DATABASE_ROUTERS = ROUTERS
    with django_db_blocker.unblock(), database_alias(REPLICA, mirror_of_the_test_database()):
        yield


def where_reads_go(request):
    """Run the middleware on a request whose view notes where the ORM would read Messages."""
    seen = {}

    def view(request):
        seen["read"] = router.db_for_read(Message)
        seen["write"] = router.db_for_write(Message)
        return HttpResponse("ok")

    response = ReplicaReadsMiddleware(view)(request)
    return seen, response


factory = RequestFactory()


def test_anonymous_page_views_read_from_the_replica(one_replica):
    for method in ("get", "head", "options"):
        seen, _ = where_reads_go(getattr(factory, method)("/messages/"))
        assert seen == {"read": REPLICA, "write": DEFAULT_DB_ALIAS}, method


def test_signed_in_readers_token_clients_and_writes_read_from_the_primary(one_replica, settings):
    signed_in = factory.get("/messages/")
    signed_in.COOKIES[settings.SESSION_COOKIE_NAME] = "a-session"
    with_token = factory.get("/api/annotations/", HTTP_AUTHORIZATION="Bearer bc_x")
    for request in [signed_in, with_token] + [
        getattr(factory, method)("/anything/") for method in ("post", "put", "patch", "delete")
    ]:
        seen, _ = where_reads_go(request)
        assert seen == {"read": DEFAULT_DB_ALIAS, "write": DEFAULT_DB_ALIAS}, request


def test_a_write_makes_the_same_browser_read_from_the_primary_for_a_few_seconds(
    one_replica, settings
):
    settings.READ_YOUR_WRITES_SECONDS = 7
    _, response = where_reads_go(factory.post("/accounts/logout/"))
    cookie = response.cookies[RECENT_WRITE_COOKIE]
    assert cookie["max-age"] == 7 and cookie["httponly"] and cookie["samesite"] == "Lax"
    assert time.time() + 6 < float(cookie.value) <= time.time() + 7.01

    after = factory.get("/messages/")
    after.COOKIES[RECENT_WRITE_COOKIE] = cookie.value
    assert where_reads_go(after)[0]["read"] == DEFAULT_DB_ALIAS
    # Once it has expired (or if it is not ours), the replica again; never an error.
    for value in (str(time.time() - 1), "not-a-time", ""):
        later = factory.get("/messages/")
        later.COOKIES[RECENT_WRITE_COOKIE] = value
        seen, response = where_reads_go(later)
        assert seen["read"] == REPLICA and RECENT_WRITE_COOKIE not in response.cookies


def test_the_router_migrates_and_writes_on_the_primary_only():
    router_ = replicas.ReplicaRouter()
    assert router_.allow_migrate(DEFAULT_DB_ALIAS, "archive") is True
    assert router_.allow_migrate(REPLICA, "archive") is False
    token = replicas._reads_from.set(REPLICA)
    try:
        assert router_.db_for_read(Message) == REPLICA
        assert router_.db_for_write(Message) == DEFAULT_DB_ALIAS
    finally:
        replicas._reads_from.reset(token)
    # Outside a routed page view (commands, tests, health checks): the primary.
    assert router_.db_for_read(Message) == DEFAULT_DB_ALIAS


def test_without_replicas_the_middleware_steps_aside(settings):
    settings.DATABASE_REPLICAS = []
    with pytest.raises(MiddlewareNotUsed):
        ReplicaReadsMiddleware(lambda request: HttpResponse())


def test_an_unreachable_replica_is_skipped_for_a_while_and_the_primary_serves(
    settings, django_db_blocker, caplog
):
    settings.DATABASE_REPLICAS = ["replica_down"]
    settings.DATABASE_ROUTERS = ROUTERS
    with django_db_blocker.unblock(), database_alias("replica_down", unreachable_postgres()):
        seen, response = where_reads_go(factory.get("/messages/"))
        assert seen["read"] == DEFAULT_DB_ALIAS and response.status_code == 200
        assert "Replica replica_down is unavailable" in caplog.text
        # Not asked again on every request while it is marked down…
        caplog.clear()
        assert where_reads_go(factory.get("/"))[0]["read"] == DEFAULT_DB_ALIAS
        assert "unavailable" not in caplog.text
        # …but tried again once the pause is over.
        replicas._unavailable_until["replica_down"] = time.monotonic() - 1
        assert where_reads_go(factory.get("/"))[0]["read"] == DEFAULT_DB_ALIAS
        assert "Replica replica_down is unavailable" in caplog.text


def test_with_one_replica_down_readers_go_to_the_one_that_answers(settings, django_db_blocker):
    settings.DATABASE_REPLICAS = ["replica_down", REPLICA]
    settings.DATABASE_ROUTERS = ROUTERS
    with (
        django_db_blocker.unblock(),
        database_alias("replica_down", unreachable_postgres()),
        database_alias(REPLICA, mirror_of_the_test_database()),
    ):
        chosen = {where_reads_go(factory.get("/messages/"))[0]["read"] for _ in range(10)}
    assert chosen == {REPLICA}


def test_cached_figures_are_computed_from_the_primary_even_in_a_replica_page_view(one_replica):
    token = replicas._reads_from.set(REPLICA)
    try:
        assert cached_figures("where-from", reading_from) == DEFAULT_DB_ALIAS
        assert reading_from() == REPLICA  # and the rest of the page still reads the replica
    finally:
        replicas._reads_from.reset(token)


def test_a_streamed_download_reads_from_the_replica_chunk_after_chunk(one_replica):
    def view(request):
        return StreamingHttpResponse(reading_from() for _ in range(3))

    response = ReplicaReadsMiddleware(view)(factory.get("/messages/?format=csv"))
    assert reading_from() == DEFAULT_DB_ALIAS  # the view has returned…
    assert b"".join(response.streaming_content) == REPLICA.encode() * 3  # …its chunks have not


# The whole stack, with real queries counted on each connection.


@pytest.mark.django_db(transaction=True)
def test_an_anonymous_page_is_read_from_the_replica_and_a_signed_in_one_from_the_primary(
    one_replica, client
):
    message = make_message("Read from the replica.", alias=DEFAULT_DB_ALIAS)
    path = f"/messages/{message.external_id}/"
    with (
        CaptureQueriesContext(connections[REPLICA]) as on_replica,
        CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_primary,
    ):
        page = client.get(path)
    assert page.status_code == 200 and "Read from the replica." in page.content.decode()
    assert len(on_replica) > 0
    # The primary computed only the cached figures, if any; never the message itself.
    assert not any("archive_message" in q["sql"] and "external_id" in q["sql"] for q in on_primary)

    researcher = make_user("reads-primary", "pw-reads-primary-1", alias=DEFAULT_DB_ALIAS)
    client.force_login(researcher)
    with (
        CaptureQueriesContext(connections[REPLICA]) as on_replica,
        CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_primary,
    ):
        page = client.get(path)
    assert page.status_code == 200 and len(on_replica) == 0 and len(on_primary) > 0


@pytest.mark.django_db(transaction=True)
def test_the_request_log_and_healthz_say_where_reads_went(one_replica, client, request_log):  # noqa: F811
    client.get("/robots.txt")
    assert json.loads(request_log.getvalue().splitlines()[-1])["reads_from"] == REPLICA

    health = client.get("/healthz")
    assert health.status_code == 200 and health.json()["replicas"] == {REPLICA: "ok"}


@pytest.mark.django_db
def test_healthz_stays_200_when_a_replica_is_down(settings, client, django_db_blocker):
    settings.DATABASE_REPLICAS = ["replica_down"]
    settings.DATABASE_ROUTERS = ROUTERS
    with database_alias("replica_down", unreachable_postgres()):
        health = client.get("/healthz")
    assert health.status_code == 200
    assert health.json()["status"] == "ok"
    assert health.json()["replicas"]["replica_down"].startswith("failed: ")


# Settings, read in a clean process as a server would.


def settings_with(**env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE"))}
    clean.update(DJANGO_DEBUG="1", **env)
    probe = (
        "import json, config.settings as s; print(json.dumps({'aliases': list(s.DATABASES), "
        "'replicas': s.DATABASE_REPLICAS, 'routers': getattr(s, 'DATABASE_ROUTERS', []), "
        "'r1': s.DATABASES.get('replica_1'), 'ryw': s.READ_YOUR_WRITES_SECONDS}, default=str))"
    )
    return subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=clean, capture_output=True, text=True
    )


def test_database_replica_urls_make_one_alias_each_with_the_primarys_options():
    result = settings_with(
        DATABASE_URL="postgres://postgres@primary.internal:5432/backchannel",
        DATABASE_REPLICA_URLS=(
            " postgres://reader@standby-a.internal:5432/backchannel ,"
            "postgres://reader@standby-b.internal:5432/backchannel,"
        ),
        BACKCHANNEL_READ_YOUR_WRITES_SECONDS="4",
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["aliases"] == ["default", "replica_1", "replica_2"]
    assert found["replicas"] == ["replica_1", "replica_2"]
    assert found["routers"] == ROUTERS
    assert found["ryw"] == 4
    replica = found["r1"]
    assert replica["HOST"] == "standby-a.internal" and replica["USER"] == "reader"
    assert replica["TEST"] == {"MIRROR": "default"}
    assert replica["CONN_HEALTH_CHECKS"] is True
    assert "jit=off" in replica["OPTIONS"]["options"]
    # A replica that accepts and then says nothing gives up after a few seconds.
    assert replica["OPTIONS"]["connect_timeout"] == 3


def test_without_replica_urls_there_is_no_router():
    result = settings_with()
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["aliases"] == ["default"] and found["routers"] == []


def test_a_replica_of_another_engine_is_refused_at_startup():
    result = settings_with(
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/backchannel",
        DATABASE_REPLICA_URLS="sqlite:////tmp/elsewhere.sqlite3",
    )
    assert result.returncode != 0
    assert "DATABASE_REPLICA_URLS must use the primary's database engine" in result.stderr


def test_a_replica_that_accepts_but_never_answers_is_given_up_on_and_not_asked_again(
    settings, django_db_blocker, client
):
    import socket
    import threading

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)
    held = []
    stop = threading.Event()

    def accept_and_say_nothing():
        silent.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(silent.accept()[0])
            except OSError:
                continue

    threading.Thread(target=accept_and_say_nothing, daemon=True).start()
    hung = {**unreachable_postgres(), "PORT": str(silent.getsockname()[1])}
    hung["OPTIONS"] = {"connect_timeout": 1}  # settings give 3 (tested above)
    settings.DATABASE_REPLICAS = ["replica_hung"]
    settings.DATABASE_ROUTERS = ROUTERS
    try:
        with django_db_blocker.unblock(), database_alias("replica_hung", hung):
            started = time.monotonic()
            assert where_reads_go(factory.get("/messages/"))[0]["read"] == DEFAULT_DB_ALIAS
            assert time.monotonic() - started < 5
            # Known down now: neither readers nor /healthz wait for it again.
            started = time.monotonic()
            assert where_reads_go(factory.get("/"))[0]["read"] == DEFAULT_DB_ALIAS
            with django_db_blocker.unblock():
                health = client.get("/healthz")
            assert time.monotonic() - started < 1
            assert health.status_code == 200
            assert health.json()["replicas"]["replica_hung"].startswith("failed: unavailable")
    finally:
        stop.set()
        silent.close()
        for connection in held:
            connection.close()
