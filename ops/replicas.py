"""Read replicas: anonymous page views read from a replica, everything else from the primary.

With `DATABASE_REPLICA_URLS` set, settings define one database alias per replica
(`replica_1`, `replica_2`, …) and install `ReplicaRouter`. `ReplicaReadsMiddleware` decides,
once per request and from its cookies and headers alone (no query), where that request reads:

- a GET, HEAD or OPTIONS with no session cookie and no `Authorization` header (a reader who is
  not signed in) reads from a replica, chosen at random among those that answer;
- everything else reads from the primary: a signed-in researcher or curator, an API client with
  a token, any write, and any request that is not inside such a page view (management
  commands, the test suite, health checks);
- read-your-writes: any request that could write (POST, PUT, PATCH, DELETE) sets a short cookie,
  and the same browser reads from the primary until it expires
  (`BACKCHANNEL_READ_YOUR_WRITES_SECONDS`). A researcher who deletes a note and signs out sees
  it gone at once, even while a replica is a moment behind.

Every write goes to the primary; a replica is never migrated. A replica that does not answer is
skipped for `BACKCHANNEL_REPLICA_RETRY_SECONDS` (30) and its readers are served by the primary:
a lost replica slows pages, it does not break them.
"""

import contextvars
import logging
import random
import time
from contextlib import contextmanager

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.db import DEFAULT_DB_ALIAS, connections

logger = logging.getLogger(__name__)

RECENT_WRITE_COOKIE = "bc_wrote"
READ_METHODS = {"GET", "HEAD", "OPTIONS"}

# Where the ORM reads in the current request; the primary unless the middleware says otherwise.
_reads_from = contextvars.ContextVar("backchannel_reads_from", default=DEFAULT_DB_ALIAS)
# Replicas that failed to connect, and until when they are left alone (per process).
_unavailable_until = {}


class ReplicaRouter:
    """Reads where the current request reads (see the module); writes and migrations on the
    primary only."""

    def db_for_read(self, model, **hints):
        return _reads_from.get()

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # A replica holds the primary's rows: a record read from one relates to any other.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS


def reading_from():
    """The database alias the current request reads from."""
    return _reads_from.get()


@contextmanager
def primary_reads():
    """Read from the primary inside this block, whatever the request reads from otherwise: for
    what is computed once and then shared, such as the cached figures, which must not be kept
    as a lagging replica saw them."""
    token = _reads_from.set(DEFAULT_DB_ALIAS)
    try:
        yield
    finally:
        _reads_from.reset(token)


def _wrote_recently(request):
    try:
        return float(request.COOKIES.get(RECENT_WRITE_COOKIE, "0")) > time.time()
    except ValueError:  # a cookie that is not ours: ignore it
        return False


def unavailable_for(alias):
    """Seconds until a replica that failed is tried again (0 when it is not known to be down)."""
    return max(0.0, _unavailable_until.get(alias, 0) - time.monotonic())


def _available(alias):
    """Connect (or health-check the kept connection); a replica that fails is skipped for a
    while, and logged once per failure."""
    if unavailable_for(alias):
        return False
    connection = connections[alias]
    try:
        # A kept connection is checked first (CONN_HEALTH_CHECKS): a replica that went away
        # since the last request is noticed here, not halfway through the page.
        connection.close_if_health_check_failed()
        connection.ensure_connection()
    except Exception:  # any failure to reach a replica means: read from the primary
        logger.warning("Replica %s is unavailable; reading from the primary", alias, exc_info=True)
        _unavailable_until[alias] = time.monotonic() + settings.REPLICA_RETRY_SECONDS
        connection.close()
        return False
    _unavailable_until.pop(alias, None)
    return True


def choose_database(request):
    """The alias this request reads from: a replica for a reader who is not signed in and has
    not just written, the primary otherwise."""
    if (
        request.method not in READ_METHODS
        or settings.SESSION_COOKIE_NAME in request.COOKIES
        or "HTTP_AUTHORIZATION" in request.META
        or _wrote_recently(request)
    ):
        return DEFAULT_DB_ALIAS
    replicas = list(settings.DATABASE_REPLICAS)
    random.shuffle(replicas)
    for alias in replicas:
        if _available(alias):
            return alias
    return DEFAULT_DB_ALIAS


def _streamed_from(alias, content):
    """A streamed body (exports) reads from the same database as the view that began it, chunk
    after chunk, after the view has returned."""
    chunks = iter(content)
    while True:
        token = _reads_from.set(alias)
        try:
            chunk = next(chunks)
        except StopIteration:
            return
        finally:
            _reads_from.reset(token)
        yield chunk


class ReplicaReadsMiddleware:
    """Route this request's reads (see the module), and mark a browser that just wrote."""

    def __init__(self, get_response):
        if not settings.DATABASE_REPLICAS:
            raise MiddlewareNotUsed
        self.get_response = get_response
        self.recent_write_seconds = settings.READ_YOUR_WRITES_SECONDS

    def __call__(self, request):
        alias = choose_database(request)
        request.reads_from = alias
        token = _reads_from.set(alias)
        try:
            response = self.get_response(request)
        finally:
            _reads_from.reset(token)
        if response.streaming and alias != DEFAULT_DB_ALIAS:
            response.streaming_content = _streamed_from(alias, response.streaming_content)
        if request.method not in READ_METHODS:
            response.set_cookie(
                RECENT_WRITE_COOKIE,
                str(round(time.time() + self.recent_write_seconds, 3)),
                max_age=self.recent_write_seconds,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response
