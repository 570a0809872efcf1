"""/healthz: can this app server answer? For load balancers and uptime checks.

200 with {"status": "ok", …} when the database answers, the cache stores and reads back, and
every migration is applied; 503 naming what failed otherwise. A failing cache is a 503 here but
not for pages, which are then computed from the database (ops/cache_backends.py). Cheap (two
small queries and a cache round trip), and never cached by anyone. Read replicas, when there are
any, are listed with their state but do not make it 503: pages then read from the primary.
"""

import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from ops.replicas import unavailable_for

_migrated = False


def _database():
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone()[0] == 1


def _cache():
    waiting = getattr(cache, "unavailable_for", lambda: 0)()
    if waiting:
        # Known down: not asked again until its retry (a frozen Redis would hold the check).
        return f"failed: unavailable, retried in {waiting:.0f} s"
    key, value = "healthz", uuid.uuid4().hex
    cache.set(key, value, 10)
    return "ok" if cache.get(key) == value else "failed"


def _migrations():
    """Every migration applied; once true in this process it stays so (no reading the graph
    again on each check)."""
    global _migrated
    if not _migrated:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        _migrated = not executor.migration_plan(executor.loader.graph.leaf_nodes())
    return _migrated


CHECKS = {"database": _database, "cache": _cache, "migrations": _migrations}


@never_cache
def healthz(request):
    """Anyone (load balancers): 200 when this server can serve, 503 and what failed otherwise."""
    results = {}
    for name, check in CHECKS.items():
        try:
            answer = check()
            results[name] = answer if isinstance(answer, str) else ("ok" if answer else "failed")
        except Exception as error:  # any failure of a dependency is a 503, never a 500
            results[name] = f"failed: {type(error).__name__}"
    healthy = all(value == "ok" for value in results.values())
    body = {"status": "ok" if healthy else "unavailable", **results}
    if settings.DATABASE_REPLICAS:
        # Reported, not counted: without its replicas this server still serves, from the primary.
        body["replicas"] = {alias: _replica(alias) for alias in settings.DATABASE_REPLICAS}
    return JsonResponse(body, status=200 if healthy else 503)


def _replica(alias):
    waiting = unavailable_for(alias)
    if waiting:
        # Known down: not asked again (a blackholed replica would hold the check for seconds).
        return f"failed: unavailable, retried in {waiting:.0f} s"
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # a replica that does not answer is reported, never a 500
        connections[alias].close()
        return f"failed: {type(error).__name__}"
    return "ok"
