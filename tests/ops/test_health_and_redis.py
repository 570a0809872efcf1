"""/healthz answers what a load balancer needs to know; with REDIS_URL's cache (a real Redis on
127.0.0.1:6379, as CI runs it) the pages, cached figures and rate limits work."""

import os

import pytest
from django.core.cache import cache
from django.db.migrations.recorder import MigrationRecorder

from ops import health
from tests.support.query_counts import QUERY_BOUNDS

pytestmark = pytest.mark.django_db

# One Redis database per test process, so that one worker's cache.clear() is not another's.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or "0"
REDIS_URL = f"redis://127.0.0.1:6379/{8 + int(WORKER) % 8}"
REDIS_CACHE = {
    "default": {"BACKEND": "ops.cache_backends.ResilientRedisCache", "LOCATION": REDIS_URL}
}


@pytest.fixture
def redis_cache(settings):
    settings.CACHES = REDIS_CACHE
    cache.clear()
    yield
    cache.clear()


def test_healthz_is_200_with_each_check_and_never_cached(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(QUERY_BOUNDS["healthz"]):
        answer = client.get("/healthz")
    assert answer.status_code == 200
    assert answer.json() == {
        "status": "ok",
        "database": "ok",
        "cache": "ok",
        "migrations": "ok",
    }
    assert "no-cache" in answer["Cache-Control"] and "no-store" in answer["Cache-Control"]


def test_healthz_is_503_when_the_cache_does_not_answer(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            # A port nothing listens on: a real refused connection.
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    answer = client.get("/healthz")
    assert answer.status_code == 503
    body = answer.json()
    assert body["status"] == "unavailable" and body["cache"].startswith("failed")
    assert body["database"] == "ok"


def test_healthz_is_503_while_a_migration_is_not_applied(client, monkeypatch):
    monkeypatch.setattr(health, "_migrated", False)
    MigrationRecorder.Migration.objects.filter(app="archive").order_by("-id").first().delete()
    answer = client.get("/healthz")
    assert answer.status_code == 503 and answer.json()["migrations"] == "failed"


def test_pages_work_with_the_redis_cache(client, build, redis_cache):
    message = build.message()
    for url in ["/", "/messages/", message.get_absolute_url(), "/timeline/", "/healthz"]:
        assert client.get(url).status_code == 200, url
    cache.set("written-through-redis", 42)
    assert cache.get("written-through-redis") == 42


def test_rate_limits_are_counted_in_redis(client, users, settings, redis_cache):
    from lib.rate_limits import within_rate

    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "note_create": (2, 600)}
    assert within_rate("note_create", users["author"].pk)
    assert within_rate("note_create", users["author"].pk)
    assert not within_rate("note_create", users["author"].pk)
