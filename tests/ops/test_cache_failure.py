"""A failing cache never takes reading down: a real redis-server of the test's own, stopped
(killed) and frozen (SIGSTOP), while pages, sign-in, rate limits and /healthz are asked."""

import os
import signal
import socket
import subprocess
import time

import pytest
from django.core.cache import cache

from ops import cache_backends

pytestmark = pytest.mark.django_db


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    def __init__(self):
        self.port = _free_port()
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def freeze(self):
        os.kill(self.process.pid, signal.SIGSTOP)

    def thaw(self):
        os.kill(self.process.pid, signal.SIGCONT)

    def stop(self):
        if self.process.poll() is None:
            self.thaw()
            self.process.kill()
            self.process.wait(10)


@pytest.fixture
def redis_server(settings):
    server = RedisServer()
    settings.CACHES = {
        "default": {"BACKEND": "ops.cache_backends.ResilientRedisCache", "LOCATION": server.url}
    }
    settings.CACHE_TIMEOUT_SECONDS = 0.3
    settings.CACHE_RETRY_SECONDS = 30
    cache_backends._unavailable_until.clear()
    yield server
    server.stop()
    cache_backends._unavailable_until.clear()


READING = [
    "/",
    "/messages/",
    "/timeline/",
    "/people/",
    "/sources/",
    "/search/?q=text",
    "/feeds/records.atom",
]


def _reading_urls(build):
    message = build.message(text="Words a reader came for.")
    return [*READING, message.get_absolute_url(), message.thread.get_absolute_url()]


def test_pages_are_read_from_the_database_while_redis_is_stopped(client, build, redis_server):
    urls = _reading_urls(build)
    for url in urls:  # warm: figures now cached in Redis
        assert client.get(url).status_code in (200, 301, 302), url
    assert cache.get("healthz") is None and cache.set("k", 1) is None and cache.get("k") == 1
    redis_server.stop()
    for url in urls:
        answer = client.get(url)
        assert answer.status_code in (200, 301, 302), url
    assert "Words a reader came for." in client.get(urls[-2]).content.decode()
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.json()["cache"].startswith("failed") and health.json()["database"] == "ok"


def test_a_frozen_redis_costs_one_short_timeout_then_is_left_alone(client, build, redis_server):
    urls = _reading_urls(build)
    assert client.get("/").status_code == 200
    redis_server.freeze()
    started = time.monotonic()
    for url in urls:
        assert client.get(url).status_code in (200, 301, 302), url
    # One timeout (0.3 s) at most for the first cache call; the rest skip the frozen server.
    assert time.monotonic() - started < 0.3 * 3 + 2
    started = time.monotonic()
    health = client.get("/healthz")
    assert time.monotonic() - started < 1
    assert health.status_code == 503 and "unavailable" in health.json()["cache"]


def test_a_redis_that_comes_back_is_used_again_after_the_retry(
    client, build, redis_server, settings
):
    settings.CACHE_RETRY_SECONDS = 1
    redis_server.freeze()
    assert client.get("/").status_code == 200
    assert client.get("/healthz").status_code == 503
    redis_server.thaw()
    time.sleep(1.1)
    assert client.get("/healthz").status_code == 200
    cache.set("back", "yes")
    assert cache.get("back") == "yes"


def test_signing_in_and_staying_signed_in_need_no_redis(client, users, redis_server):
    redis_server.stop()
    answer = client.post("/accounts/login/", {"username": "author", "password": "pw-author-123"})
    assert answer.status_code == 302
    assert "author" in client.get("/annotations/?mine").content.decode()


@pytest.mark.parametrize("state", ["stopped", "frozen"])
def test_rate_limits_still_count_without_redis(users, redis_server, settings, state):
    from lib.rate_limits import within_rate

    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "note_create": (2, 600)}
    assert within_rate("note_create", users["author"].pk)
    redis_server.stop() if state == "stopped" else redis_server.freeze()
    assert within_rate("note_create", users["author"].pk)
    assert not within_rate("note_create", users["author"].pk)


def test_a_cached_value_an_older_release_wrote_is_computed_again(client, build, redis_server):
    """A pickle naming a module that no longer exists (as after a release moved a class) is a
    miss, never a 500."""
    import redis

    build.message()
    key = cache.make_and_validate_key("unreadable")
    redis.Redis.from_url(redis_server.url).set(key, b"cgone_module_of_an_old_release\nThing\n.")
    assert cache.get("unreadable", "missed") == "missed"
    assert cache.get_many(["unreadable"]) == {}
    assert client.get("/").status_code == 200
    # Not taken for an outage: the cache is still used.
    cache.set("fine", 1)
    assert cache.get("fine") == 1
