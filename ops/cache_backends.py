"""Django's Redis cache, made so that a Redis that is down or frozen never takes reading down.

The cache holds only what can be computed again (the cached figures, lib/caching.py):
sessions, rate-limit counters and the figures' generation live in the database. So when Redis
does not answer, every cache call here is a miss (a read returns its default, a write is
dropped) and the page is computed from the database instead.

- Short timeouts (`CACHE_TIMEOUT_SECONDS`, 0.5 s, to connect and to answer) instead of the
  client's default of none: a frozen Redis that accepts connections but never answers costs one
  timeout, not every request held for as long as it stays frozen.
- After a failure the server is left alone for `CACHE_RETRY_SECONDS` (30) in this process, as a
  replica is: meanwhile no request waits on it, and `/healthz` reports it failing at once.
- A value that cannot be read back (pickled by an older release whose classes have since moved
  or gone) is a miss too, and is computed again: a deploy never turns cached figures into 500s.
"""

import logging
import pickle
import time

from django.conf import settings
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# Per process: the servers that failed, and until when they are left alone.
_unavailable_until = {}


def unavailable_for(location):
    """Seconds until the server at `location` is asked again; 0 when it is in use."""
    return max(0.0, _unavailable_until.get(location, 0.0) - time.monotonic())


# What unpickling a value written by another release can raise: its class moved or went.
UNREADABLE = (pickle.UnpicklingError, AttributeError, ImportError, EOFError, TypeError)


class CacheUnavailable(ValueError):
    """incr() on a server that is not answering. A ValueError, as for a key that is not there,
    because that is what callers of Django's incr() already handle."""


class ResilientRedisCacheClient(RedisCacheClient):
    def __init__(self, servers, **options):
        timeout = settings.CACHE_TIMEOUT_SECONDS
        options.setdefault("socket_connect_timeout", timeout)
        options.setdefault("socket_timeout", timeout)
        super().__init__(servers, **options)
        self.location = ",".join(servers)

    def _guarded(self, name, fallback, *args, **kwargs):
        if unavailable_for(self.location):
            return fallback()
        try:
            return getattr(super(), name)(*args, **kwargs)
        except UNREADABLE as error:
            if name not in ("get", "get_many"):
                raise
            logger.warning(
                "a cached value could not be read (%s: %s): computed again",
                type(error).__name__,
                error,
            )
            return fallback()
        except RedisError as error:
            retry = settings.CACHE_RETRY_SECONDS
            _unavailable_until[self.location] = time.monotonic() + retry
            logger.warning(
                "cache at %s failed (%s: %s): reading from the database for %s s",
                self.location,
                type(error).__name__,
                error,
                retry,
            )
            return fallback()

    def add(self, key, value, timeout):
        return self._guarded("add", lambda: False, key, value, timeout)

    def get(self, key, default):
        return self._guarded("get", lambda: default, key, default)

    def set(self, key, value, timeout):
        return self._guarded("set", lambda: None, key, value, timeout)

    def touch(self, key, timeout):
        return self._guarded("touch", lambda: False, key, timeout)

    def delete(self, key):
        return self._guarded("delete", lambda: False, key)

    def get_many(self, keys):
        return self._guarded("get_many", dict, keys)

    def has_key(self, key):
        return self._guarded("has_key", lambda: False, key)

    def incr(self, key, delta):
        def unavailable():
            raise CacheUnavailable(f"the cache at {self.location} is not answering")

        return self._guarded("incr", unavailable, key, delta)

    def set_many(self, data, timeout):
        return self._guarded("set_many", lambda: None, data, timeout)

    def delete_many(self, keys):
        return self._guarded("delete_many", lambda: None, keys)

    def clear(self):
        return self._guarded("clear", lambda: False)


class ResilientRedisCache(RedisCache):
    """settings.CACHES' backend with REDIS_URL: see the module."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ResilientRedisCacheClient

    def unavailable_for(self):
        return unavailable_for(",".join(self._servers))
